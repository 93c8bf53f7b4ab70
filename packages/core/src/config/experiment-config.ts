import { z } from 'zod';
import { pretrainSchema } from './pretrain-config';
import { trainerSchema } from './trainer-config';

/** `{ use, options }`: one choice for a slot. */
export const choiceSchema = z
  .object({
    /** Catalog id to use (see `trellis plugins`). */
    use: z.string().min(1),
    /** Options of that choice; validated by the choice's own schema. */
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

/** A reward choice with its weight in the total reward. */
export const rewardChoiceSchema = choiceSchema
  .extend({
    /** Multiplier in the weighted total reward. */
    weight: z.number().default(1),
    /** Name its scores are logged under (default: the `use` id); must be unique. */
    name: z.string().min(1).optional(),
    /** Per-call timeout, ms (default: `trainer.rewardTimeoutMs`). */
    timeoutMs: z.number().int().positive().optional(),
  })
  .strict();

/** A plugin to load beyond the built-ins: alias, npm package name or path (relative to the config file). */
export const pluginSpecSchema = z.union([
  z.string().min(1),
  z.object({ from: z.string().min(1), options: z.record(z.string(), z.unknown()).default({}) }).strict(),
]);

/** The experiment file. Every key is optional; defaults shown by `trellis config`. */
export const experimentSchema = z
  .object({
    /** Run name (used for the run directory). */
    name: z.string().min(1).default('experiment'),
    /** The one seed that drives every random stream of the run. */
    seed: z.number().int().default(0),
    /** Extra plugins to load (built-in plugins are always available). */
    plugins: z.array(pluginSpecSchema).default([]),
    policy: choiceSchema.optional(),
    task: choiceSchema.optional(),
    rollout: choiceSchema.optional(),
    advantage: choiceSchema.optional(),
    objective: choiceSchema.optional(),
    rewards: z.array(rewardChoiceSchema).default([]),
    feedback: z.array(choiceSchema).default([]),
    losses: z.array(choiceSchema).default([]),
    contributions: z.array(choiceSchema).default([]),
    metrics: z.array(choiceSchema).default([]),
    trainer: trainerSchema.default(trainerSchema.parse({})),
    pretrain: pretrainSchema.default(pretrainSchema.parse({})),
  })
  .strict();

export type ExperimentConfig = z.input<typeof experimentSchema>;
/** The config after parsing, presets and per-choice option defaults. */
export type ResolvedConfig = z.output<typeof experimentSchema>;
export type Choice = z.output<typeof choiceSchema>;
export type RewardChoice = z.output<typeof rewardChoiceSchema>;
export type PluginSpec = z.output<typeof pluginSpecSchema>;
