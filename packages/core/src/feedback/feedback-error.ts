/**
 * Why a feedback call produced nothing:
 * - `timeout`: the call ran past its timeout;
 * - `error`: the provider threw (network, HTTP status, bug);
 * - `parse`: the provider answered but its answer could not be read (e.g. no score in a relevance reply);
 * - `context`: the request does not fit the provider's model (prompt + answer longer than its context);
 * - `unsupported`: no configured provider answers this kind (or the named provider is unknown);
 * - `leak`: the guard found the gold answer and `onLeak` is `reject`.
 */
export type FeedbackFailureReason = 'timeout' | 'error' | 'parse' | 'context' | 'unsupported' | 'leak';

/**
 * An error a provider throws to classify its failure. `transient` failures (connection refused,
 * HTTP 429/5xx, a timeout) are retried by the feedback service; others are not.
 */
export class FeedbackError extends Error {
  override readonly name = 'FeedbackError';

  constructor(
    message: string,
    readonly reason: Exclude<FeedbackFailureReason, 'timeout' | 'unsupported' | 'leak'> = 'error',
    readonly transient = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
