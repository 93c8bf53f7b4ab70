import type { Problem, Split } from '../records/problem';
import type { Rng } from '../rng/rng';

/** Where problems come from (a synthetic generator, a JSONL file, ...). */
export interface TaskSource {
  readonly id: string;
  /** Number of problems in a split, or undefined when unbounded (generators). */
  size(split: Split): number | undefined;
  /** Draw `n` problems from a split (with replacement across calls), driven by `rng`. */
  sample(split: Split, n: number, rng: Rng): Problem[];
  /** The first `limit` problems of a split in a fixed order (held-out evaluation). */
  list(split: Split, limit?: number): Problem[];
}
