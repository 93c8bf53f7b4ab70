import type { Feedback, FeedbackKind, FeedbackRequest } from '../records/feedback';
import type { FeedbackFailureReason } from './feedback-error';

/** Feedback that passed the guard. */
export interface FeedbackSuccess {
  readonly ok: true;
  /** The provider's name (config `name`). */
  readonly provider: string;
  /** The feedback; `redacted` is set when the guard replaced leaked spans. */
  readonly feedback: Feedback;
  /** Leaked spans the guard found (0 unless the provider wrote the gold answer). */
  readonly leaks: number;
  /** Served from the cache. */
  readonly cached: boolean;
  /** Provider attempts this request took (0 when cached). */
  readonly attempts: number;
}

/** A request that produced no feedback. Never thrown: strategies check `ok`. */
export interface FeedbackFailure {
  readonly ok: false;
  /** The provider's name, when one was chosen. */
  readonly provider: string | undefined;
  readonly reason: FeedbackFailureReason;
  readonly message: string;
  readonly attempts: number;
}

export type FeedbackResult = FeedbackSuccess | FeedbackFailure;

/** Which provider answers a request. */
export interface FeedbackCallOptions {
  /** Provider name (config `name`); default: the first configured provider that answers the kind. */
  readonly provider?: string;
}

/**
 * The guarded way to ask for feedback (`RolloutContext.feedback`, `Tokens.FeedbackService`).
 * Every call is isolated: it resolves, never rejects, and is counted.
 */
export interface FeedbackClient {
  /** Configured provider names, in config order. */
  readonly names: readonly string[];
  /** Whether some provider (or the named one) answers `kind`. */
  supports(kind: FeedbackKind, provider?: string): boolean;
  request(request: FeedbackRequest, options?: FeedbackCallOptions): Promise<FeedbackResult>;
}
