import { contextTemplatesSchema, DEFAULT_CONTEXT_TEMPLATES, z } from '@trellis/core';
import { abstractionOptions } from '../abstraction/abstraction-options';
import { poolOptions } from '../pool/experience-pool';

/** Which problems a step trains on (`rollout.options.problems`). */
export const problemOptions = z
  .object({
    /**
     * Size N of a finite training set: 0 (default) trains on the task's own draws; N > 0 replaces
     * them by the task's first N `train` problems (`list('train', N)`), cycled in a fresh seeded
     * order each pass, so every problem recurs every N / problemsPerStep steps and reflection
     * becomes possible on a generator task.
     */
    trainingSetSize: z.number().int().min(0).default(0),
    /** Fraction of each step's problems replaced by problems already in the pool (uniform, no repeats), in [0, 1]. */
    replayFraction: z.number().min(0).max(1).default(0),
  })
  .strict();

/** Options of the `lanpo` rollout strategy (`rollout: { use: lanpo, options }`). */
export const lanpoOptions = z
  .object({
    /** Fraction of each group that is feedback-aware once the pool gives the problem any context (rounded half up to samples). */
    awareFraction: z.number().min(0).max(1).default(0.5),
    /** Share of the feedback-aware samples that use reflection; the rest use abstraction. 1 = reflection only, 0 = abstraction only. */
    reflectionShare: z.number().min(0).max(1).default(0.5),
    /** Most recent attempts of the problem a reflection context shows (at most the pool's attemptsPerProblem). */
    reflectionAttempts: z.number().int().min(1).default(1),
    pool: poolOptions.default(poolOptions.parse({})),
    abstraction: abstractionOptions.default(abstractionOptions.parse({})),
    problems: problemOptions.default(problemOptions.parse({})),
    /**
     * The "strip context" off-policy variant [D]: a feedback-aware sample is trained as if it had
     * been generated from the problem's prompt alone: its prompt ids become the bare prompt's and
     * its behaviour log-probs are recomputed under that prompt (never reused from sampling). The
     * shift between the two prompts is not importance-corrected. Off by default.
     */
    stripContext: z.boolean().default(false),
    /**
     * Feedback-augmented evaluation (`LanpoRolloutStrategy.evaluator()`): after the zero-shot
     * answer, answer again with `both` reflection on it and principles from the pool,
     * `reflection` only, `abstraction` only, or `off` (zero-shot only).
     */
    augment: z.enum(['both', 'reflection', 'abstraction', 'off']).default('both'),
    /** The context layout (core's `contextPrompt` templates); keep it equal to the one the base model was pretrained on. */
    templates: contextTemplatesSchema.default(DEFAULT_CONTEXT_TEMPLATES),
  })
  .strict();

export type LanpoOptions = z.output<typeof lanpoOptions>;
