import { type Problem, type Rng, type TaskSource, z } from '@trellis/core';
import type { ExperiencePool } from '../pool/experience-pool';

export const scheduleStateSchema = z.object({ drawn: z.number().int().min(0) }).strict();
export type ScheduleState = z.output<typeof scheduleStateSchema>;

/**
 * Which problems a step trains on: the trainer's draws, or (with `trainingSetSize` N > 0) the next
 * problems of a finite training set cycled pass after pass, each pass in its own order shuffled
 * from `seed.split('pass-<k>')`; then, with `replayFraction`, some replaced by problems already in the pool.
 * `drawn` (problems handed out from the cycle so far) is the whole state.
 */
export class ProblemSchedule {
  private drawn = 0;
  private set: Problem[] | undefined;
  private readonly orders = new Map<number, number[]>();

  constructor(
    private readonly options: { readonly trainingSetSize: number; readonly replayFraction: number },
    private readonly task: TaskSource | undefined,
    /** Root of the pass orders (split per pass; never drawn from). */
    private readonly seed: Rng,
  ) {}

  /** The problems to train on instead of `given`; reports how many were replayed. */
  next(given: readonly Problem[], pool: ExperiencePool, rng: Rng): { problems: Problem[]; replayed: number } {
    let problems = this.options.trainingSetSize > 0 ? this.fromCycle(given.length) : [...given];
    const want = Math.round(this.options.replayFraction * problems.length);
    if (want === 0) return { problems, replayed: 0 };
    const inBatch = new Set(problems.map((p) => p.id));
    const candidates = pool.problems().filter((p) => !inBatch.has(p.id));
    const chosen: Problem[] = [];
    while (chosen.length < want && candidates.length > 0) {
      chosen.push(candidates.splice(rng.int(candidates.length), 1)[0] as Problem);
    }
    problems = [...chosen, ...problems.slice(chosen.length)];
    return { problems, replayed: chosen.length };
  }

  private fromCycle(n: number): Problem[] {
    const set = this.trainingSet();
    const out: Problem[] = [];
    for (let k = 0; k < n; k++, this.drawn++) {
      const pass = Math.floor(this.drawn / set.length);
      out.push(set[this.order(pass, set.length)[this.drawn % set.length] as number] as Problem);
    }
    return out;
  }

  private trainingSet(): Problem[] {
    if (this.set) return this.set;
    const n = this.options.trainingSetSize;
    if (!this.task) throw new Error('internal: a finite training set needs the task source');
    const set = this.task.list('train', n);
    if (set.length === 0) {
      throw new Error(`rollout.options.problems.trainingSetSize: ${n}, but task '${this.task.id}' lists no 'train' problems`);
    }
    this.set = set;
    return set;
  }

  private order(pass: number, size: number): number[] {
    const cached = this.orders.get(pass);
    if (cached) return cached;
    const order = this.seed.split(`pass-${pass}`).shuffle(Array.from({ length: size }, (_, i) => i));
    this.orders.clear();
    this.orders.set(pass, order);
    return order;
  }

  state(): ScheduleState {
    return { drawn: this.drawn };
  }

  restore(state: ScheduleState): void {
    this.drawn = state.drawn;
  }
}
