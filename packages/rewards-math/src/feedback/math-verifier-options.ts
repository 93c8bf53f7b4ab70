import { z } from '@trellis/core';

/** Options of the `math-verifier` feedback provider. */
export const mathVerifierOptions = z
  .object({
    /** Critique format: `prose` (`Issue:` / `Fix steps:`) or `compact` (one short hint line). */
    format: z.enum(['prose', 'compact']).default('prose'),
    /**
     * Characters a compact critique (and a compact merge) may use. Default: the characters the
     * bound policy's tokenizer round-trips, or printable ASCII and newline without a policy.
     */
    alphabet: z.string().min(1).optional(),
    /** Write the corrected value of a wrong step (never when it is, or could be, the final answer). */
    revealStepValues: z.boolean().default(true),
    /** Attempts critiqued per request (MulFeRL critiques failed attempts in pairs). */
    maxAttempts: z.number().int().positive().default(2),
    /** Most numbered fix steps in one prose feedback (and hint lines in a compact merge). */
    maxFixSteps: z.number().int().min(1).max(9).default(4),
    /** Longest quoted attempt line, characters. */
    maxQuoteChars: z.number().int().min(10).default(60),
  })
  .strict();

export type MathVerifierOptions = z.output<typeof mathVerifierOptions>;
