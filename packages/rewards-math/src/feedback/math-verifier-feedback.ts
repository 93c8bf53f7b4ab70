import {
  type Feedback,
  FeedbackError,
  type FeedbackKind,
  type FeedbackProvider,
  type FeedbackRequest,
  inject,
  injectable,
  optional,
  type ProvideOptions,
  type Tokenizer,
  Tokens,
} from '@trellis/core';
import { abstractPrinciples } from './abstraction';
import { checkSolution } from './check-solution';
import { PRINTABLE_ASCII, tokenizerAlphabet } from './feedback-alphabet';
import { type MathVerifierOptions, mathVerifierOptions } from './math-verifier-options';
import { formatCritique, mergeHints, parseCritiques } from './merge-critiques';
import { ordinal } from './ordinal';
import { describeRelevance, relevance } from './relevance';
import { revealPolicy } from './reveal-policy';
import { compactHint } from './write-compact';
import { critiqueParts } from './write-critique';

export type { MathVerifierOptions } from './math-verifier-options';
export { mathVerifierOptions } from './math-verifier-options';

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Why `math-verifier` declines `reflection`. */
export const REFLECTION_DECLINED =
  "math-verifier does not write 'reflection' feedback: a rule-based checker can only judge each step right or wrong, " +
  'and saying so reveals the verdict that reward-agnostic reflection must hide; use the policy or openai provider for reflection';

/**
 * Rule-based verifier feedback (catalog id `math-verifier`), kinds `critique`, `merge`,
 * `relevance` and `abstraction`:
 * - `critique`: checks each attempt's computation lines exactly (and, for an arithmetic
 *   question, order of operations, operands, unfinished work, the boxed answer) and writes the
 *   first problem found, as prose (`Issue:` / `Fix steps:`) or as one compact hint;
 * - `merge`: combines critiques (prose) or hint lines (compact);
 * - `relevance`: a structural score in [0, 1] for exactly one reference (see `relevance`);
 * - `abstraction`: digit-free principles from the references' trajectories.
 * `reflection` is declined (see REFLECTION_DECLINED). The provider never receives the gold
 * answer through the feedback service; it never writes the value it computes itself for an
 * arithmetic question, nor a corrected value that could be the final answer. Redaction and the
 * leak policy belong to the service and its leak guards (rewards-math's `math-answer`).
 */
@injectable()
export class MathVerifierFeedback implements FeedbackProvider {
  readonly id = 'math-verifier';
  readonly kinds: readonly FeedbackKind[] = ['critique', 'merge', 'relevance', 'abstraction'];
  readonly options: MathVerifierOptions;
  /** The characters compact feedback may use. */
  readonly alphabet: string;

  constructor(
    @inject(Tokens.ChoiceOptions) options: Partial<MathVerifierOptions> = {},
    @inject(Tokens.Tokenizer) @optional() tokenizer?: Tokenizer,
  ) {
    this.options = mathVerifierOptions.parse(options ?? {});
    this.alphabet = this.options.alphabet ?? (tokenizer ? tokenizerAlphabet(tokenizer) : PRINTABLE_ASCII);
  }

  async provide(request: FeedbackRequest, options: ProvideOptions = {}): Promise<Feedback> {
    options.signal?.throwIfAborted();
    switch (request.kind) {
      case 'critique':
        return { kind: 'critique', text: this.critique(request) };
      case 'merge':
        return { kind: 'merge', text: this.merge(request) };
      case 'relevance':
        return this.relevance(request);
      case 'abstraction':
        return { kind: 'abstraction', text: abstractPrinciples(request.references ?? []) };
      case 'reflection':
        throw new FeedbackError(REFLECTION_DECLINED);
      default:
        throw new FeedbackError(`math-verifier: unknown feedback kind '${String(request.kind)}'`);
    }
  }

  /** The critique `provide` writes for a `critique` request (synchronous; no guard applied here). */
  critique(request: FeedbackRequest): string {
    const attempts = (request.attempts ?? []).slice(0, this.options.maxAttempts);
    const question = request.problem.question;
    const checked = attempts.map((a) => {
      const check = checkSolution(a.text, question);
      return { check, policy: revealPolicy(request, check, a.text) };
    });
    if (this.options.format === 'compact') {
      const first = checked.find((c) => c.check.error?.lineIndex !== undefined) ?? checked[0];
      return compactHint(first?.check, {
        revealStepValues: this.options.revealStepValues,
        alphabet: this.alphabet,
        policy: first?.policy ?? revealPolicy(request, { steps: [] }, ''),
      });
    }
    if (checked.length === 0) {
      return formatCritique(
        'There is no attempt to check.',
        ['Solve the problem with a single operation per line.'],
        this.options.maxFixSteps,
      );
    }
    const parts = checked.map((c) =>
      critiqueParts(c.check, {
        revealStepValues: this.options.revealStepValues,
        maxQuoteChars: this.options.maxQuoteChars,
        policy: c.policy,
      }),
    );
    const issue =
      parts.length === 1
        ? capitalise(parts[0]?.issue ?? '')
        : parts.map((p, i) => `In the ${ordinal(i)} attempt, ${p.issue}`).join(' ');
    const withError = parts.find((p) => p.lineIndex !== undefined) ?? parts[0];
    return formatCritique(issue, withError?.fixes ?? [], this.options.maxFixSteps);
  }

  /** The merged feedback `provide` writes for a `merge` request. */
  merge(request: FeedbackRequest): string {
    const texts = request.feedbacks ?? [];
    if (this.options.format === 'compact') return mergeHints(texts, this.alphabet, this.options.maxFixSteps);
    const { issues, fixes } = parseCritiques(texts);
    if (issues.length === 0) return '';
    return formatCritique(issues.join(' '), fixes, this.options.maxFixSteps);
  }

  private relevance(request: FeedbackRequest): Feedback {
    const refs = request.references ?? [];
    if (refs.length !== 1) {
      throw new FeedbackError(`math-verifier: a relevance request needs exactly one reference, got ${refs.length}`);
    }
    const r = relevance(request.problem.question, refs[0] as (typeof refs)[number]);
    return { kind: 'relevance', text: describeRelevance(r), score: r.score };
  }
}
