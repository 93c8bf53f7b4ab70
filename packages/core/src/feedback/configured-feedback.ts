import type { FeedbackProvider } from './feedback-provider';

/** What the service does when a guard finds the gold answer in a feedback text. */
export type LeakPolicy = 'redact' | 'reject' | 'allow';

/** Call settings of one configured provider (config `feedback[i]`, defaults from `trainer.feedback`). */
export interface FeedbackCallSettings {
  /** Per-attempt timeout, ms; the provider's `signal` is aborted when it fires. */
  readonly timeoutMs: number;
  /** Extra attempts after a transient failure (timeouts included). */
  readonly retries: number;
  /** Wait before the first retry, ms; doubles per retry up to `maxBackoffMs`. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  /** Most calls to this provider in flight at once. */
  readonly concurrency: number;
  /** Cached answers (LRU, keyed by the whole request); 0 = no cache. */
  readonly cacheSize: number;
  /** `redact` the leaked spans, `reject` the whole feedback, or `allow` it (still counted). */
  readonly onLeak: LeakPolicy;
}

/** A feedback provider as configured: its name (what strategies ask for), instance and settings. */
export interface ConfiguredFeedback extends FeedbackCallSettings {
  /** Config `name`, defaulting to the `use` id. Unique within a run. */
  readonly name: string;
  readonly provider: FeedbackProvider;
}
