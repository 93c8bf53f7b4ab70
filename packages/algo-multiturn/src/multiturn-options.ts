import { contextTemplatesSchema, z } from '@trellis/core';

/** When a prompt gets feedback and a regeneration turn. */
export const TRIGGER_MODES = ['all-failed', 'never'] as const;
export type TriggerMode = (typeof TRIGGER_MODES)[number];

/**
 * Options of the `multiturn` rollout strategy (MulFeRL, arXiv 2601.22900; ALGORITHMS.md section 5).
 * Every option is documented in the package README.
 */
export const multiturnOptions = z
  .object({
    /** Regeneration turns after the first (the release uses at most 2). */
    turns: z.number().int().min(1).max(8).default(2),
    /** Samples per prompt in every turn (K). Default: `trainer.groupSize`. */
    samples: z.number().int().min(1).optional(),
    trigger: z
      .object({
        /**
         * `all-failed` (MulFeRL): a prompt whose K first-turn samples all failed gets feedback and a
         * regeneration turn. `never`: no feedback, plain GRPO groups (the ablation).
         */
        mode: z.enum(TRIGGER_MODES).default('all-failed'),
        /** Reward name whose raw score decides success (default: `trainer.accuracyReward`), never the weighted total. */
        reward: z.string().min(1).optional(),
        /** A sample is solved when that reward's score is at least this. */
        threshold: z.number().default(1),
      })
      .strict()
      .default({ mode: 'all-failed', threshold: 1 }),
    feedback: z
      .object({
        /** Feedback provider name (config `feedback[i].name`, default its `use`); default: the first that writes critiques. */
        provider: z.string().min(1).optional(),
        /** Failed attempts per critique call; the critiques are then merged by one `merge` call. */
        chunkSize: z.number().int().min(1).default(2),
      })
      .strict()
      .default({ chunkSize: 2 }),
    /**
     * Prompt of the first turn. `turn` (MulFeRL): every prompt asks the model to begin with a
     * `<feedback>` block (core's `turnPrompt`). `plain`: the problem's own prompt, as GRPO and the
     * held-out evaluation use it; regeneration turns always use the `turn` layout with the block
     * prefilled.
     */
    firstTurn: z.enum(['turn', 'plain']).default('turn'),
    /** `kind` of the contrastive pairs (the loss term that trains them matches on it). */
    pairKind: z.string().min(1).default('fco'),
    /** The context layout (`turn` instruction, `feedback` block); default: core's, which the base model was pretrained on. */
    templates: contextTemplatesSchema.optional(),
  })
  .strict();

export type MultiturnOptions = z.output<typeof multiturnOptions>;
