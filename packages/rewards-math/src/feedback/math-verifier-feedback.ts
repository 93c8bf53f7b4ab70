import {
  type Feedback,
  type FeedbackKind,
  type FeedbackProvider,
  type FeedbackRequest,
  inject,
  injectable,
  Tokens,
  z,
} from '@trellis/core';
import { evaluateTokens, parseArithmetic } from '../arithmetic/expression';
import { exactNumber } from '../grade/exact-number';
import { normalizeAnswer } from '../normalize/normalize-answer';
import type { Rational } from '../rational/rational';
import { checkSolution } from './check-solution';
import { guardLeak, REDACTION } from './leak-guard';
import { formatCritique, parseCritiques } from './merge-critiques';
import { ordinal } from './ordinal';
import { critiqueParts } from './write-critique';

/** Options of the `math-verifier` feedback provider. */
export const mathVerifierOptions = z
  .object({
    /** Write the corrected value of a wrong step (never when it equals, or might equal, the gold answer). */
    revealStepValues: z.boolean().default(true),
    /** Attempts critiqued per request (MulFeRL critiques failed attempts in pairs). */
    maxAttempts: z.number().int().positive().default(2),
    /** Most numbered fix steps in one feedback. */
    maxFixSteps: z.number().int().min(1).max(9).default(4),
    /** Longest quoted attempt line, characters. */
    maxQuoteChars: z.number().int().min(10).default(60),
    /** On a gold-answer leak: replace each occurrence by `[redacted]`, or drop the whole text. */
    onLeak: z.enum(['redact', 'reject']).default('redact'),
  })
  .strict();

export type MathVerifierOptions = z.output<typeof mathVerifierOptions>;

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Verifier feedback (catalog id `math-verifier`, kinds `critique` and `merge`). A critique
 * checks each attempt's computation lines exactly, finds the first wrong step (and, for an
 * arithmetic question, order-of-operations and wrong-operand steps, unfinished work and a wrong
 * boxed answer) and writes `Issue: ...` then `Fix steps:` 1. 2. ...; a merge combines critiques.
 * The gold answer is never written: values equal to it are not revealed, and a leak guard
 * redacts (or rejects) any text that would still contain it as a token. Counts in `redactions`.
 */
@injectable()
export class MathVerifierFeedback implements FeedbackProvider {
  readonly id = 'math-verifier';
  readonly kinds: readonly FeedbackKind[] = ['critique', 'merge'];
  readonly options: MathVerifierOptions;
  private leaks = 0;

  constructor(@inject(Tokens.ChoiceOptions) options: Partial<MathVerifierOptions> = {}) {
    this.options = mathVerifierOptions.parse(options ?? {});
  }

  /** Feedbacks in which the leak guard found (and redacted or rejected) the gold answer. */
  get redactions(): number {
    return this.leaks;
  }

  async provide(request: FeedbackRequest): Promise<Feedback> {
    if (!this.kinds.includes(request.kind)) throw new Error(`math-verifier: unsupported feedback kind '${request.kind}'`);
    const golds = this.guardedAnswers(request);
    const text = request.kind === 'merge' ? this.merge(request) : this.critique(request, golds);
    return this.guard(request.kind, text, golds);
  }

  /** Answers the text must not contain: the view's answer (unless allowed) and an arithmetic question's value. */
  private guardedAnswers(request: FeedbackRequest): string[] {
    if (request.allowGoldAnswer) return [];
    const out: string[] = [];
    if (request.problem.answer !== undefined && request.problem.answer.trim() !== '') out.push(request.problem.answer);
    const tokens = parseArithmetic(request.problem.question.replace(/=\s*\?\s*$/, ''));
    const value = tokens?.some((t) => t.kind === 'op') ? evaluateTokens(tokens) : undefined;
    if (value) out.push(value.toDisplay());
    return out;
  }

  private critique(request: FeedbackRequest, golds: readonly string[]): string {
    const attempts = (request.attempts ?? []).slice(0, this.options.maxAttempts);
    if (attempts.length === 0) {
      return formatCritique(
        'there is no attempt to check.',
        ['Solve the problem one operation per line.'],
        this.options.maxFixSteps,
      );
    }
    const goldValues = golds.map((g) => exactNumber(normalizeAnswer(g))).filter((v): v is Rational => v !== undefined);
    const goldKnown = goldValues.length > 0 || request.allowGoldAnswer === true;
    const mayReveal = (v: Rational, isLast: boolean) => {
      if (goldValues.some((g) => g.equals(v) || g.equals(v.neg()))) return false;
      return goldKnown || !isLast;
    };
    const settings = { revealStepValues: this.options.revealStepValues, maxQuoteChars: this.options.maxQuoteChars, mayReveal };
    const parts = attempts.map((a) => critiqueParts(checkSolution(a.text, request.problem.question), settings));
    const issue =
      parts.length === 1
        ? capitalise(parts[0]?.issue ?? '')
        : parts.map((p, i) => `In the ${ordinal(i)} attempt, ${p.issue}`).join(' ');
    const withError = parts.find((p) => p.lineIndex !== undefined) ?? parts[0];
    return formatCritique(issue, withError?.fixes ?? [], this.options.maxFixSteps);
  }

  private merge(request: FeedbackRequest): string {
    const { issues, fixes } = parseCritiques(request.feedbacks ?? []);
    if (issues.length === 0) return '';
    return formatCritique(issues.join(' '), fixes, this.options.maxFixSteps);
  }

  private guard(kind: FeedbackKind, text: string, golds: readonly string[]): Feedback {
    let out = text;
    let found = 0;
    for (const g of golds) {
      const r = guardLeak(out, g);
      out = r.text;
      found += r.redactions;
    }
    if (found === 0) return { kind, text };
    this.leaks++;
    if (this.options.onLeak === 'reject') return { kind, text: '', redacted: true };
    return { kind, text: out.replaceAll(`${REDACTION}${REDACTION}`, REDACTION), redacted: true };
  }
}
