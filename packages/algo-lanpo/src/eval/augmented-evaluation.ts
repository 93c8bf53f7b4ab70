import {
  type ContextTemplates,
  contextPrompt,
  type EvaluationSummary,
  evaluatePolicy,
  type FeedbackClient,
  type Policy,
  type Problem,
  type SamplingParams,
  type WeightedReward,
  z,
} from '@trellis/core';
import type { AbstractionOptions } from '../abstraction/abstraction-options';
import { emptyCounts, RelevantAbstraction } from '../abstraction/relevant-abstraction';
import type { ExperiencePool } from '../pool/experience-pool';

/** What the second answer of a feedback-augmented evaluation is conditioned on. */
export const augmentModes = z.enum(['reflection', 'abstraction', 'both']);
export type AugmentMode = z.output<typeof augmentModes>;

/** Inputs of {@link augmentedEvaluation}. */
export interface AugmentedEvaluationInput {
  readonly policy: Policy;
  readonly problems: readonly Problem[];
  /** The reward whose score (> 0.5) means correct. */
  readonly accuracy: WeightedReward;
  /** Sampling of both answers (greedy for the trainer's and `trellis eval`'s pass@1). */
  readonly sampling: SamplingParams;
  /** The (restored) experience pool: abstraction draws on its global store. */
  readonly pool: ExperiencePool;
  readonly feedback: FeedbackClient;
  readonly abstraction: AbstractionOptions;
  readonly templates: ContextTemplates;
  /** `reflection`: on the zero-shot answer; `abstraction`: principles from the pool; `both` (default). */
  readonly mode?: AugmentMode;
  /** Answers per problem, zero-shot and augmented alike (default 1); reflection shows the first zero-shot one. */
  readonly samples?: number;
  /** Called with (done, total) over both passes (total = 2 x problems). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Both answers' summaries and the metrics an eval record carries. */
export interface AugmentedEvaluation {
  readonly zeroShot: EvaluationSummary;
  readonly augmented: EvaluationSummary;
  /** `eval/accuracy` (zero-shot), `eval/accuracy_augmented`, `eval/problems`, `eval/augmented_principles` (share of problems that got principles). */
  readonly metrics: Record<string, number>;
}

/**
 * LANPO's feedback-augmented inference [C]: answer every problem once (zero-shot); then answer
 * again with a context built like a training context: reflection on the zero-shot answer (no
 * verdict, reward or gold answer) and/or principles abstracted from relevant pool trajectories
 * (pre-filter, relevance, abstraction through the guarded feedback service). Abstraction uses a
 * fresh cache, so evaluating leaves the training state untouched.
 */
export async function augmentedEvaluation(input: AugmentedEvaluationInput): Promise<AugmentedEvaluation> {
  const mode = input.mode ?? 'both';
  const base = { accuracy: input.accuracy, samples: input.samples ?? 1, sampling: input.sampling };
  const total = 2 * input.problems.length;
  const progress = (offset: number) =>
    input.onProgress ? { onProgress: (done: number) => input.onProgress?.(offset + done, total) } : {};
  const zeroShot = await evaluatePolicy(input.policy, input.problems, { ...base, ...progress(0) });
  const abstraction = new RelevantAbstraction({ ...input.abstraction, cacheSteps: 0 });
  const counts = emptyCounts();
  const contexts: string[] = [];
  let withPrinciples = 0;
  for (const [i, problem] of input.problems.entries()) {
    const principles =
      mode === 'reflection' ? '' : await abstraction.principlesFor(problem, input.pool, input.feedback, 0, counts);
    if (principles) withPrinciples++;
    const own = zeroShot.results[i]?.completions[0] ?? '';
    const attempts = mode === 'abstraction' ? [] : [own];
    contexts.push(contextPrompt(problem.prompt, { attempts, principles }, input.templates));
  }
  const augmented = await evaluatePolicy(input.policy, input.problems, {
    ...base,
    ...progress(input.problems.length),
    request: (_problem, i) => ({ prompt: contexts[i] as string }),
  });
  const n = Math.max(1, input.problems.length);
  return {
    zeroShot,
    augmented,
    metrics: {
      'eval/accuracy': zeroShot.passAt1,
      'eval/accuracy_augmented': augmented.passAt1,
      'eval/problems': zeroShot.problems,
      'eval/augmented_principles': withPrinciples / n,
    },
  };
}
