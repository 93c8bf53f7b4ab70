import { existsSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { contextTemplatesSchema, type ResolveOptionsContext, z } from '@trellis/core';
import { ARITHMETIC_FORMATS } from './arithmetic-format-names';

/** Options of the `arithmetic` task (catalog id `arithmetic`). */
export const arithmeticOptions = z
  .object({
    /** Fewest binary operations per problem (= solution lines before `\boxed{}`). */
    minSteps: z.number().int().min(1).max(8).default(2),
    /** Most binary operations per problem. */
    maxSteps: z.number().int().min(1).max(8).default(3),
    /** Fewest digits per operand (1-digit operands are 1..9, d-digit ones 10^(d-1)..10^d-1). */
    minDigits: z.number().int().min(1).max(6).default(1),
    /** Most digits per operand. */
    maxDigits: z.number().int().min(1).max(6).default(2),
    /** Operators to draw from (uniformly). `/` only ever yields exact integer quotients. */
    operators: z
      .array(z.enum(['+', '-', '*', '/']))
      .min(1)
      .default(['+', '-', '*']),
    /** Probability that a problem with 2+ operations gets one parenthesised group that changes its value. */
    parentheses: z.number().min(0).max(1).default(0.3),
    /** Allow negative intermediate results and answers (written `3-12=-9`, `5-(-9)=14`). */
    allowNegative: z.boolean().default(false),
    /** Bound on the smaller factor of every multiplication and on every divisor (9: one factor is a digit). */
    maxMultiplier: z.number().int().positive().default(9),
    /** Bound on |every intermediate result| (and the answer); problems over it are redrawn. */
    maxIntermediate: z.number().int().positive().default(999),
    /** Share of the expression space assigned to `test` by a hash of the expression (disjoint by construction). */
    testFraction: z.number().gt(0).lt(1).default(0.1),
    /** Seed of the fixed `list(split)` order. */
    seed: z.number().int().default(1234),
    /** Problems returned by `list(split)` when no limit is given. */
    listSize: z.number().int().positive().default(500),
    /** Prompt template; `{question}` is replaced by the expression. Its characters must be in ARITHMETIC_ALPHABET. */
    promptTemplate: z.string().includes('{question}').default('{question}=?\n'),
    /**
     * Pretraining prompt formats and their mixture weights (relative; 0 = off). Each pretraining
     * batch draws one format by these weights (so its sequences have similar lengths); the target
     * is always the reference solution. See ARITHMETIC_FORMATS for what each shows.
     */
    pretrainFormats: z
      .partialRecord(z.enum(ARITHMETIC_FORMATS), z.number().min(0))
      .default({ plain: 1 })
      .refine((w) => Object.values(w).some((v) => (v ?? 0) > 0), { message: 'at least one format needs a weight > 0' }),
    /** Share of attempts shown in attempt formats that are corrupted (the rest are correct reference solutions). */
    corruptedAttempts: z.number().min(0).max(1).default(0.5),
    /**
     * A pool of the model's own attempts for the attempt and critique formats: `path` is a
     * `trellis eval -o` JSONL (relative to the config file; only problems of the pretraining split
     * are used), `share` the probability that an `attempt`, `attempts`, `feedback-*` or
     * `turn-regen` example takes its problem and attempt from the pool (a failed attempt for the
     * critiques) instead of corrupting a reference solution. Verdicts are never shown.
     */
    ownAttempts: z
      .object({ path: z.string().min(1), share: z.number().min(0).max(1).default(0.5) })
      .strict()
      .optional(),
    /** The context layout (core's `contextPrompt` templates). */
    contextTemplates: contextTemplatesSchema.default(contextTemplatesSchema.parse({})),
  })
  .strict()
  .refine((o) => o.minSteps <= o.maxSteps, { message: 'minSteps must not exceed maxSteps', path: ['minSteps'] })
  .refine((o) => o.minDigits <= o.maxDigits, { message: 'minDigits must not exceed maxDigits', path: ['minDigits'] });

export type ArithmeticOptions = z.output<typeof arithmeticOptions>;

/** Make `ownAttempts.path` absolute (relative to the config file that set it) and check it is a file. */
export function resolveArithmeticOptions(options: Record<string, unknown>, ctx: ResolveOptionsContext): Record<string, unknown> {
  const o = options as ArithmeticOptions;
  if (!o.ownAttempts) return options;
  const key = ['ownAttempts', 'path'];
  const path = ctx.resolvePath(key, o.ownAttempts.path);
  const where = isAbsolute(o.ownAttempts.path) ? '' : ` (resolved against ${ctx.dirOf(key)}: ${path})`;
  if (!existsSync(path) || !statSync(path).isFile())
    ctx.fail(key, `own-attempt pool ${o.ownAttempts.path} is not a file${where}`);
  return { ...o, ownAttempts: { ...o.ownAttempts, path } };
}
