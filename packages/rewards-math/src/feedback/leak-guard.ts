import { exactNumber } from '../grade/exact-number';
import { normalizeAnswer } from '../normalize/normalize-answer';
import type { Rational } from '../rational/rational';

/** What replaces a redacted gold-answer token. */
export const REDACTION = '[redacted]';

/** Result of {@link guardLeak}. */
export interface GuardResult {
  readonly text: string;
  /** Number of spans replaced by REDACTION. */
  readonly redactions: number;
}

const NUMBER_TOKEN = /(?<![\d.])\d(?:\d|,(?=\d{3}))*(?:\.\d+)?(?![\d]|\.\d)/g;
const LIST_MARKER = /^(\s*)(\d+)\.(?=\s)/;

function absValue(v: Rational): Rational {
  return v.num < 0n ? v.neg() : v;
}

/**
 * Whether `text` contains the gold answer as a token: for a numeric gold, any number token
 * (whole number, not part of a longer one; thousands commas allowed) of equal absolute value;
 * otherwise the raw or normalised gold as a substring (golds of 2+ characters). Ordered-list
 * markers at the start of a line (`1. `) are not counted.
 */
export function containsGold(text: string, gold: string): boolean {
  return guardLeak(text, gold).redactions > 0;
}

/**
 * Replace every occurrence of the gold answer in `text` (see `containsGold` for what counts) by
 * REDACTION and count them.
 */
export function guardLeak(text: string, gold: string): GuardResult {
  const g = gold.trim();
  if (g === '') return { text, redactions: 0 };
  const value = exactNumber(normalizeAnswer(g));
  let redactions = 0;
  if (value) {
    const target = absValue(value);
    const out = text
      .split('\n')
      .map((line) => {
        const marker = LIST_MARKER.exec(line);
        const head = marker ? (marker[0] as string) : '';
        const body = line.slice(head.length).replace(NUMBER_TOKEN, (tok) => {
          const v = exactNumber(tok.replace(/,/g, ''));
          if (v && absValue(v).equals(target)) {
            redactions++;
            return REDACTION;
          }
          return tok;
        });
        return head + body;
      })
      .join('\n');
    return { text: out, redactions };
  }
  let out = text;
  for (const form of new Set([g, normalizeAnswer(g)])) {
    if (form.length < 2) continue;
    const parts = out.split(form);
    redactions += parts.length - 1;
    out = parts.join(REDACTION);
  }
  return { text: out, redactions };
}
