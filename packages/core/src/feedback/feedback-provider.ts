import type { Feedback, FeedbackKind, FeedbackRequest } from '../records/feedback';

/** Per-call settings a provider receives from the feedback service. */
export interface ProvideOptions {
  /** Aborted when the service's timeout for this call fires; stop work and reject when it does. */
  readonly signal?: AbortSignal;
}

/**
 * Writes language feedback. Implementations: the policy itself, a verifier, an OpenAI-compatible
 * endpoint. Never call a provider directly from a strategy: go through the `FeedbackService`
 * (`RolloutContext.feedback`), which applies the timeout, retries, concurrency limit, cache, leak
 * guard and counters. A provider never receives guard data and sees the gold answer only when
 * `request.allowGoldAnswer` is set. Throw `FeedbackError` to say whether a failure is transient
 * (worth a retry) and why; any other throw counts as a permanent error.
 */
export interface FeedbackProvider {
  readonly id: string;
  /** Kinds this provider can answer; `provide` throws for any other kind. */
  readonly kinds: readonly FeedbackKind[];
  provide(request: FeedbackRequest, options?: ProvideOptions): Promise<Feedback>;
}
