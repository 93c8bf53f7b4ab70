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

/**
 * A feedback provider choice. The call settings default to `trainer.feedback`; strategies ask for
 * a provider by `name` (or take the first that answers the kind).
 */
export const feedbackChoiceSchema = choiceSchema
  .extend({
    /** Name strategies and metrics use (default: the `use` id); must be unique. */
    name: z.string().min(1).optional(),
    /** Per-attempt timeout, ms. */
    timeoutMs: z.number().int().positive().optional(),
    /** Extra attempts after a transient failure (timeout, connection error, HTTP 429/5xx). */
    retries: z.number().int().min(0).optional(),
    /** Most calls to this provider in flight at once. */
    concurrency: z.number().int().positive().optional(),
    /** Answers kept in an LRU cache keyed by the whole request (0 = off). */
    cacheSize: z.number().int().min(0).optional(),
    /** On a gold-answer leak: redact the spans, reject the feedback, or allow it (still counted). */
    onLeak: z.enum(['redact', 'reject', 'allow']).optional(),
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
    feedback: z.array(feedbackChoiceSchema).default([]),
    /** Leak guards run over every feedback text (default: core's `literal`; math tasks preset `math-answer`). */
    leakGuards: z.array(choiceSchema).default([]),
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
export type FeedbackChoice = z.output<typeof feedbackChoiceSchema>;
export type PluginSpec = z.output<typeof pluginSpecSchema>;
