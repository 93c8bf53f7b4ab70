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
  /**
   * Optional: `n` supervised pretraining examples of `split` (prompt with any context, and the
   * target the loss is on). Without it, pretraining uses each sampled problem's `prompt` and
   * `solution`. A task offering several prompt formats draws them here.
   */
  supervised?(split: Split, n: number, rng: Rng): SupervisedExample[];
}

/** One supervised example: the loss is on `target` (+ EOS) only. */
export interface SupervisedExample {
  readonly problemId: string;
  /** Name of the prompt format (e.g. `plain`, `attempt`), for metrics. */
  readonly format: string;
  /** Everything conditioned on: the prompt with its context (and any prefill). */
  readonly prompt: string;
  readonly target: string;
}
