import { z } from 'zod';
import { formatPath } from '../config/format-issues';
import type { TrainerState } from './trainer-checkpoint';

const count = z.number().int().min(0);
const nonNegative = z.number().min(0);
/** Accuracies are fractions; JSON drops `undefined`, older writers may have written `null`. */
const accuracy = z
  .number()
  .min(0)
  .max(1)
  .nullish()
  .transform((v) => v ?? undefined);

/** Schema of `trainer-state.json` (zod numbers are finite: NaN/Infinity cannot pass). */
export const trainerStateSchema = z.object({
  step: count,
  offsets: z.object({ metrics: count, samples: count }),
  nonFiniteInARow: count,
  elapsedMs: nonNegative,
  initialAccuracy: accuracy,
  lastAccuracy: accuracy,
  strategy: z.unknown().optional(),
  contributions: z.array(z.unknown()),
  totals: z.object({ generatedTokens: nonNegative, trainedTokens: nonNegative, generateMs: nonNegative, trainMs: nonNegative }),
});

/**
 * Parse and validate the text of a `trainer-state.json`; throws an Error naming `source` and every
 * broken field (`step: expected number, received string`, `offsets.metrics: too small`, ...).
 */
export function parseTrainerState(text: string, source: string): TrainerState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source} is not valid JSON (${(e as Error).message})`);
  }
  const parsed = trainerStateSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
    throw new Error(`${source} is invalid: ${issues.join('; ')}`);
  }
  return { ...parsed.data, strategy: parsed.data.strategy };
}
