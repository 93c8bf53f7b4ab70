/** What a leak guard found in one text. */
export interface LeakScan {
  /** The text with every leaked span replaced by `[redacted]`. */
  readonly text: string;
  /** Number of leaked spans found. */
  readonly leaks: number;
}

/** What replaces a redacted span. */
export const REDACTED = '[redacted]';

/**
 * Finds gold answers in feedback text (slot `guard`, config key `leakGuards`). The feedback
 * service runs every configured guard over each feedback text before anyone sees it; with none
 * configured it uses core's `literal` guard. Guards must be pure and fast (no I/O).
 */
export interface LeakGuard {
  readonly id: string;
  /** Every occurrence of any of `answers` in `text`, in whatever forms this guard recognises. */
  scan(text: string, answers: readonly string[]): LeakScan;
}
