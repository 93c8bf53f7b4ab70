import type { Feedback, FeedbackKind, FeedbackRequest } from '../records/feedback';

/**
 * Writes language feedback. Implementations: the policy itself, a verifier, an OpenAI-compatible
 * endpoint. Must not reveal the gold answer unless `request.allowGoldAnswer` is set. The caller
 * applies a timeout; a throwing provider is counted and its feedback skipped.
 */
export interface FeedbackProvider {
  readonly id: string;
  /** Kinds this provider can answer; `provide` throws for any other kind. */
  readonly kinds: readonly FeedbackKind[];
  provide(request: FeedbackRequest): Promise<Feedback>;
}
