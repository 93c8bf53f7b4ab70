import type { FeedbackRequest } from '../records/feedback';
import type { TemplateVariable } from './render-template';

/** How request parts are laid out in prompt templates. */
export interface LayoutSettings {
  /** Most attempts shown (the latest ones). */
  readonly maxAttempts: number;
  /** Longest attempt, reference or feedback text shown, characters (longer ones keep their end). */
  readonly maxChars: number;
}

const clip = (s: string, max: number) => (s.length > max ? `...${s.slice(s.length - max + 3)}` : s);

/**
 * Template values of a request: `{question}`; `{attempts}` as `Attempt 1:` blocks and `{attempt}`
 * the latest one; `{feedbacks}` as `Feedback 1:` blocks; `{references}` as `Problem:` /
 * `Solution:` blocks and `{reference_question}` / `{reference}` the first one; `{answer}` the gold
 * answer only when the request allows it, else empty.
 */
export function templateValues(request: FeedbackRequest, s: LayoutSettings): Record<TemplateVariable, string> {
  const attempts = (request.attempts ?? []).slice(-s.maxAttempts).map((a) => clip(a.text.trim(), s.maxChars));
  const feedbacks = (request.feedbacks ?? []).map((f) => clip(f.trim(), s.maxChars));
  const refs = (request.references ?? []).map((r) => ({
    q: clip(r.question.trim(), s.maxChars),
    t: clip(r.text.trim(), s.maxChars),
  }));
  return {
    question: request.problem.question.trim(),
    attempts: attempts.map((a, i) => `Attempt ${i + 1}:\n${a}`).join('\n\n'),
    attempt: attempts[attempts.length - 1] ?? '',
    feedbacks: feedbacks.map((f, i) => `Feedback ${i + 1}:\n${f}`).join('\n\n'),
    references: refs.map((r) => `Problem: ${r.q}\nSolution:\n${r.t}`).join('\n\n'),
    reference_question: refs[0]?.q ?? '',
    reference: refs[0]?.t ?? '',
    answer: request.allowGoldAnswer ? (request.problem.answer ?? '') : '',
  };
}
