import { z } from 'zod';

/** Supervised pretraining on the task's reference solutions (`pretrain:` in the experiment file). */
export const pretrainSchema = z
  .object({
    /** Optimizer steps. */
    steps: z.number().int().positive().default(2000),
    /** Problems (prompt + reference solution) per step. */
    batchSize: z.number().int().positive().default(32),
    /** Adam learning rate (peak). */
    learningRate: z.number().positive().default(1e-3),
    /** Linear warm-up length in steps. */
    warmupSteps: z.number().int().min(0).default(100),
    /** LR schedule after warm-up. */
    schedule: z.enum(['constant', 'cosine']).default('cosine'),
    /** Clip gradients to this global L2 norm (0 = off). */
    maxGradNorm: z.number().min(0).default(1),
    /** Held-out greedy evaluation every N steps (0 = only at the end). */
    evalEvery: z.number().int().min(0).default(500),
    /** Held-out problems per evaluation. */
    evalProblems: z.number().int().positive().default(200),
    /** Checkpoint directory written at the end (and at each evaluation); relative to the config file (the resolved config holds it absolute). */
    out: z.string().min(1).default('checkpoints/pretrained'),
  })
  .strict();

export type PretrainConfig = z.output<typeof pretrainSchema>;
