import { z } from 'zod';

/** Sampling settings used for rollouts and evaluation. */
export const samplingSchema = z
  .object({
    /** Softmax temperature for rollouts. */
    temperature: z.number().positive().default(1),
    /** Top-k truncation (0 = off). */
    topK: z.number().int().min(0).default(0),
    /** Nucleus mass (1 = off). */
    topP: z.number().gt(0).max(1).default(1),
    /** Maximum completion tokens. */
    maxNewTokens: z.number().int().positive().default(64),
    /** Stop strings (the completion ends after the first one produced). */
    stop: z.array(z.string()).default([]),
  })
  .strict();

/** Defaults for every feedback provider's call settings (each `feedback[i]` may override them). */
export const feedbackDefaultsSchema = z
  .object({
    /** Per-attempt timeout, ms (the provider's abort signal fires then). */
    timeoutMs: z.number().int().positive().default(30_000),
    /** Extra attempts after a transient failure (timeout, connection error, HTTP 429/5xx). */
    retries: z.number().int().min(0).default(2),
    /** Wait before the first retry, ms; doubles per retry. */
    backoffMs: z.number().int().min(0).default(250),
    /** Longest wait between retries, ms. */
    maxBackoffMs: z.number().int().min(0).default(5_000),
    /** Most calls in flight per provider. */
    concurrency: z.number().int().positive().default(8),
    /** LRU cache entries per provider, keyed by the whole request (0 = off). */
    cacheSize: z.number().int().min(0).default(0),
    /** On a gold-answer leak: `redact` the spans, `reject` the feedback, or `allow` it (counted either way). */
    onLeak: z.enum(['redact', 'reject', 'allow']).default('redact'),
  })
  .strict();

/** Training-loop settings (`trainer:` in the experiment file). Units in each comment. */
export const trainerSchema = z
  .object({
    /** Number of RL steps. */
    steps: z.number().int().positive().default(100),
    /** Problems sampled per step (prompts). */
    problemsPerStep: z.number().int().positive().default(16),
    /** Samples per problem (G). */
    groupSize: z.number().int().positive().default(8),
    /** PPO epochs over each step's batch. */
    ppoEpochs: z.number().int().positive().default(1),
    /**
     * Old-policy log-probs for the ratio: `recompute` scores the batch once per step; `behaviour`
     * reuses the sampler's log-probs; `auto` reuses them when the update is on-policy (1 epoch,
     * one minibatch), where the two agree to float32 rounding, and recomputes otherwise.
     */
    oldLogProbs: z.enum(['auto', 'recompute', 'behaviour']).default('auto'),
    /** Rollouts per minibatch (0 = whole batch). */
    minibatchSize: z.number().int().min(0).default(0),
    /** Adam learning rate (peak). */
    learningRate: z.number().positive().default(1e-4),
    /** Adam betas and epsilon. */
    adamBeta1: z.number().min(0).max(1).default(0.9),
    adamBeta2: z.number().min(0).max(1).default(0.999),
    adamEpsilon: z.number().positive().default(1e-8),
    /** Linear warm-up length in steps. */
    warmupSteps: z.number().int().min(0).default(0),
    /** LR schedule after warm-up. */
    schedule: z.enum(['constant', 'cosine']).default('constant'),
    /** Clip gradients to this global L2 norm (0 = off). */
    maxGradNorm: z.number().min(0).default(1),
    /** Rollout sampling settings. */
    sampling: samplingSchema.default(samplingSchema.parse({})),
    /** Call settings every feedback provider starts from. */
    feedback: feedbackDefaultsSchema.default(feedbackDefaultsSchema.parse({})),
    /** Timeout per reward call, ms. */
    rewardTimeoutMs: z.number().int().positive().default(5000),
    /**
     * Largest |score| accepted from one reward call; a larger one (it would overflow the batch
     * statistics) scores 0 and is counted in `reward_failures/<name>/out_of_range`.
     */
    maxAbsReward: z.number().positive().default(1e6),
    /** Stop the run after this many consecutive non-finite losses/gradients. */
    maxNonFiniteSteps: z.number().int().positive().default(5),
    /** Write a checkpoint every N steps (0 = only at the end). */
    checkpointEvery: z.number().int().min(0).default(10),
    /** Held-out evaluation every N steps (0 = only at start and end). */
    evalEvery: z.number().int().min(0).default(10),
    /** Held-out problems per evaluation. */
    evalProblems: z.number().int().positive().default(200),
    /** Name of the reward whose score (> 0.5) counts as "correct" for accuracy metrics. */
    accuracyReward: z.string().min(1).default('math-accuracy'),
    /** Complete checkpoints kept on disk (older ones are removed). */
    keepCheckpoints: z.number().int().positive().default(2),
    /** Prompt/completion samples written to samples.jsonl per step. */
    samplesPerStep: z.number().int().min(0).default(4),
  })
  .strict();

export type TrainerConfig = z.output<typeof trainerSchema>;
export type FeedbackDefaults = z.output<typeof feedbackDefaultsSchema>;
export type SamplingConfig = z.output<typeof samplingSchema>;
