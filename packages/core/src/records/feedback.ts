import type { Problem } from './problem';

/**
 * Kinds of language feedback:
 * - `reflection`: critique of the policy's own earlier attempts at the same problem (reward-agnostic);
 * - `abstraction`: transferable principles distilled from other problems' trajectories;
 * - `critique`: a verifier's or teacher's structured critique of failed attempts (`Issue:` / `Fix steps:`);
 * - `merge`: combine several critiques into one;
 * - `relevance`: score (0..1) how relevant a candidate trajectory is to a problem.
 */
export type FeedbackKind = 'reflection' | 'abstraction' | 'critique' | 'merge' | 'relevance';

/** Every feedback kind, in a fixed order. */
export const FEEDBACK_KINDS: readonly FeedbackKind[] = ['reflection', 'abstraction', 'critique', 'merge', 'relevance'];

/** The problem as a feedback provider may see it: no gold answer unless explicitly allowed. */
export interface ProblemView {
  readonly id: string;
  readonly question: string;
  /** Present only when the request sets `allowGoldAnswer`. */
  readonly answer?: string;
  readonly solution?: string;
}

/** One earlier attempt shown to a feedback provider. Rewards are never included. */
export interface Attempt {
  readonly text: string;
}

/** A trajectory of another problem (kinds `abstraction` and `relevance`). */
export interface Reference {
  readonly question: string;
  readonly text: string;
}

/**
 * Data only the leak guard sees. The feedback service removes it from the request before any
 * provider is called, so a provider (and the model behind it) never receives it.
 */
export interface FeedbackGuardData {
  /** Gold answers whose appearance in the feedback, in any equivalent form, is a leak. */
  readonly answers: readonly string[];
}

export interface FeedbackRequest {
  readonly kind: FeedbackKind;
  readonly problem: ProblemView;
  /** Attempts to reflect on or critique (kind reflection, critique). */
  readonly attempts?: readonly Attempt[];
  /** Feedback texts to merge (kind merge). */
  readonly feedbacks?: readonly string[];
  /** Trajectories of other problems (kind abstraction, relevance). */
  readonly references?: readonly Reference[];
  /** Whether the provider may see and mention the gold answer. Default false. */
  readonly allowGoldAnswer?: boolean;
  /** Guard-only data; stripped by the feedback service before the provider is called. */
  readonly guard?: FeedbackGuardData;
}

export interface Feedback {
  readonly kind: FeedbackKind;
  /** The feedback text; empty when the provider has nothing to say. */
  readonly text: string;
  /** For `relevance`: a score in [0, 1]. */
  readonly score?: number;
  /** Set when a leak guard removed gold-answer content from `text`. */
  readonly redacted?: boolean;
}

/** Build the answer-free view of a problem for feedback requests. */
export function problemView(problem: Problem, allowGoldAnswer = false): ProblemView {
  const base = { id: problem.id, question: problem.question };
  if (!allowGoldAnswer) return base;
  return { ...base, answer: problem.answer, ...(problem.solution ? { solution: problem.solution } : {}) };
}

/** The parts of a request besides its kind and problem. */
export type FeedbackRequestParts = Omit<FeedbackRequest, 'kind' | 'problem' | 'guard'>;

/**
 * A request about `problem`: its answer-free view for the provider, and its gold answer as
 * guard-only data (so the leak guard can catch the answer even in word problems, where the
 * question alone does not give it away).
 */
export function feedbackRequest(problem: Problem, kind: FeedbackKind, parts: FeedbackRequestParts = {}): FeedbackRequest {
  return {
    ...parts,
    kind,
    problem: problemView(problem, parts.allowGoldAnswer === true),
    guard: { answers: problem.answer.trim() === '' ? [] : [problem.answer] },
  };
}
