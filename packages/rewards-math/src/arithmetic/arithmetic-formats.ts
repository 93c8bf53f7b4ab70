import {
  type ContextParts,
  type ContextTemplates,
  contextPrompt,
  feedbackBlock,
  type Rng,
  type SupervisedExample,
  turnPrompt,
} from '@trellis/core';
import { abstractPrinciples } from '../feedback/abstraction';
import { MathVerifierFeedback } from '../feedback/math-verifier-feedback';
import type { ArithmeticFormat } from './arithmetic-format-names';
import { corruptArithmeticSolution } from './corrupt-solution';
import type { ArithmeticItem } from './generate-arithmetic';

/** What building one example needs from the task. */
export interface FormatDeps {
  /** The problem's prompt (task template applied). */
  readonly prompt: (item: ArithmeticItem) => string;
  /** Draw another problem of the same split. */
  readonly draw: (rng: Rng) => ArithmeticItem;
  /** The problem id of an item (the task's `Problem.id`). */
  readonly idOf: (item: ArithmeticItem) => string;
  readonly corruptedShare: number;
  readonly templates: ContextTemplates;
  /** A model's own attempt at a pool problem (a failed one when `failed`), when a pool is set. */
  readonly own?: (rng: Rng, failed: boolean) => { item: ArithmeticItem; text: string } | undefined;
  /** Share of attempt, feedback and regeneration examples whose attempt comes from `own`. */
  readonly ownShare: number;
}

/** Formats whose attempt (shown, or critiqued) may come from the model's own attempt pool. */
const OWN_FORMATS: ReadonlySet<ArithmeticFormat> = new Set([
  'attempt',
  'attempts',
  'feedback-prose',
  'feedback-compact',
  'turn-regen',
]);
const FAILED_ONLY: ReadonlySet<ArithmeticFormat> = new Set(['feedback-prose', 'feedback-compact', 'turn-regen']);

/** Draws per corrupted solution or per shape-matched reference before giving up. */
const MAX_TRIES = 200;

const prose = new MathVerifierFeedback({ format: 'prose' });
const compact = new MathVerifierFeedback({ format: 'compact' });

/** Operators and parentheses of a question: problems of one shape need the same rules. */
export function shapeOf(question: string): string {
  const ops = [...new Set(question.replace(/[^-+*/]/g, ''))].sort().join('');
  return `${ops}${question.includes('(') ? '()' : ''}`;
}

/** A corrupted solution of `item` (the reference itself if none can be made). */
function corrupted(item: ArithmeticItem, rng: Rng): string {
  for (let t = 0; t < MAX_TRIES; t++) {
    const c = corruptArithmeticSolution(item.question, rng);
    if (c) return c.solution;
  }
  return item.solution;
}

/** An attempt at `item`: corrupted with probability `share`, else the reference solution. */
function attempt(item: ArithmeticItem, rng: Rng, share: number): string {
  return rng.next() < share ? corrupted(item, rng) : item.solution;
}

/** The verifier's critique of `text` (default: a corrupted attempt) at `item`; no gold answer is ever passed. */
function critique(item: ArithmeticItem, rng: Rng, style: 'prose' | 'compact', text = corrupted(item, rng)): string {
  const request = {
    kind: 'critique' as const,
    problem: { id: 'pretrain', question: item.question },
    attempts: [{ text }],
  };
  return (style === 'prose' ? prose : compact).critique(request);
}

/** Principles from two other problems' reference solutions, of the same shape as `item` or not. */
function principles(item: ArithmeticItem, rng: Rng, deps: FormatDeps, relevant: boolean): string {
  const shape = shapeOf(item.question);
  const refs: { question: string; text: string }[] = [];
  for (let t = 0; t < MAX_TRIES && refs.length < 2; t++) {
    const other = deps.draw(rng);
    if (other.question === item.question || (shapeOf(other.question) === shape) !== relevant) continue;
    refs.push({ question: other.question, text: attempt(other, rng, deps.corruptedShare) });
  }
  return abstractPrinciples(refs);
}

/**
 * One supervised example of `format` for `drawn`: the prompt with its context, and the reference
 * solution as target (after an empty `<feedback>` block in `turn-first`). In the formats that show
 * or critique an attempt, with probability `ownShare` the problem and its attempt come from the
 * model's own attempt pool instead (a failed attempt for critiques).
 */
export function formatExample(format: ArithmeticFormat, drawn: ArithmeticItem, rng: Rng, deps: FormatDeps): SupervisedExample {
  const own =
    deps.own && OWN_FORMATS.has(format) && rng.next() < deps.ownShare ? deps.own(rng, FAILED_ONLY.has(format)) : undefined;
  const item = own?.item ?? drawn;
  const shown = () => own?.text ?? attempt(item, rng, deps.corruptedShare);
  const critiqued = (style: 'prose' | 'compact') => critique(item, rng, style, own?.text);
  const prompt = deps.prompt(item);
  const example = (p: string, target = item.solution): SupervisedExample => ({
    problemId: deps.idOf(item),
    format,
    prompt: p,
    target,
  });
  const withContext = (parts: ContextParts) => example(contextPrompt(prompt, parts, deps.templates));
  switch (format) {
    case 'plain':
      return example(prompt);
    case 'attempt':
      return withContext({ attempts: [shown()] });
    case 'attempts':
      return withContext({ attempts: [shown(), attempt(item, rng, deps.corruptedShare)] });
    case 'attempt-other': {
      let other = deps.draw(rng);
      for (let t = 0; t < MAX_TRIES && other.question === item.question; t++) other = deps.draw(rng);
      return withContext({ attempts: [attempt(other, rng, deps.corruptedShare)] });
    }
    case 'feedback-prose':
      return withContext({ feedback: critiqued('prose') });
    case 'feedback-compact':
      return withContext({ feedback: critiqued('compact') });
    case 'principles-relevant':
    case 'principles-irrelevant': {
      const text = principles(item, rng, deps, format === 'principles-relevant');
      return text ? withContext({ principles: text }) : example(prompt);
    }
    case 'turn-first': {
      const turn = turnPrompt(prompt, undefined, deps.templates);
      return example(turn.prompt, feedbackBlock('', deps.templates) + item.solution);
    }
    case 'turn-regen': {
      const turn = turnPrompt(prompt, critiqued(rng.next() < 0.5 ? 'prose' : 'compact'), deps.templates);
      return example(turn.prompt + turn.prefill);
    }
  }
}

/** Draw one format by `weights` (relative, 0 = never). */
export function drawFormat(weights: Readonly<Partial<Record<ArithmeticFormat, number>>>, rng: Rng): ArithmeticFormat {
  const entries = Object.entries(weights).filter(([, w]) => (w ?? 0) > 0) as [ArithmeticFormat, number][];
  const total = entries.reduce((a, [, w]) => a + w, 0);
  let u = rng.next() * total;
  for (const [f, w] of entries) {
    u -= w;
    if (u < 0) return f;
  }
  return (entries[entries.length - 1] as [ArithmeticFormat, number])[0];
}
