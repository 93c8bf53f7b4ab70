import { FeedbackError } from './feedback-error';

const SCORE = /(?<![\d.])(\d+(?:\.\d+)?|\.\d+)\s*(%|\/\s*(?:10|100)\b)?/;

/**
 * The relevance score in a generated reply: the first number, read as a fraction (`0.85`), a
 * percentage (`85%`) or a mark out of 10 or 100 (`8/10`). Throws a `FeedbackError` with reason
 * `parse` when there is no number or it falls outside [0, 1]; a reply is never silently read as 0.
 */
export function parseRelevance(text: string): number {
  const m = SCORE.exec(text);
  if (!m) throw new FeedbackError(`no relevance score in the reply ${JSON.stringify(text.slice(0, 80))}`, 'parse');
  const value = Number(m[1]);
  const unit = (m[2] ?? '').replace(/\s/g, '');
  const score = unit === '%' ? value / 100 : unit === '/10' ? value / 10 : unit === '/100' ? value / 100 : value;
  if (!(score >= 0 && score <= 1)) {
    throw new FeedbackError(`relevance score ${m[0].trim()} in the reply is not in [0, 1]`, 'parse');
  }
  return score;
}
