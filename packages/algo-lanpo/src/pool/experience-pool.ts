import { type Problem, type Reference, z } from '@trellis/core';

/** Bounds and filling rules of the experience pool (`rollout.options.pool`). */
export const poolOptions = z
  .object({
    /** Most recent attempts kept per problem (FIFO); older ones are dropped. */
    attemptsPerProblem: z.number().int().min(1).default(4),
    /** Problems kept; past it the least recently updated problem is evicted with its attempts. */
    maxProblems: z.number().int().min(1).default(1024),
    /** Trajectories kept in the global store for abstraction (FIFO, at most one per problem). */
    globalSize: z.number().int().min(0).default(256),
    /**
     * Which trajectories enter the global store: `solved` (reward above `solvedReward`; the
     * reward only selects, it is never shown) or `all`.
     */
    globalFrom: z.enum(['solved', 'all']).default('solved'),
    /** Reward a trajectory must exceed to count as solved (total weighted reward). */
    solvedReward: z.number().default(0.5),
    /** Attempts of one group added to the problem's FIFO per step (the first ones of the group); the global store considers the whole group. */
    attemptsPerStep: z.number().int().min(1).default(2),
  })
  .strict();

export type PoolOptions = z.output<typeof poolOptions>;

/** One attempt offered to the pool: its text and its reward (stored apart, never shown). */
export interface ScoredAttempt {
  readonly text: string;
  readonly reward: number;
}

/** A trajectory of the global store. */
export interface GlobalEntry {
  readonly problemId: string;
  readonly question: string;
  readonly text: string;
}

/** Counts for metrics (`lanpo/pool_*`). */
export interface PoolStats {
  readonly problems: number;
  readonly attempts: number;
  readonly global: number;
  /** Problems evicted since the pool was created (cumulative, restored with the pool). */
  readonly evictions: number;
}

const problemSchema = z
  .object({
    id: z.string(),
    prompt: z.string(),
    question: z.string(),
    answer: z.string(),
    solution: z.string().optional(),
    split: z.enum(['train', 'test']),
    meta: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** Serialised form of the pool (`ExperiencePool.toJSON`), saved inside the strategy state. */
export const poolStateSchema = z
  .object({
    version: z.literal(1),
    /** Problems, least recently updated first, with their attempt texts (oldest first). */
    problems: z.array(z.object({ problem: problemSchema, attempts: z.array(z.string()), step: z.number().int() }).strict()),
    /** Rewards of each problem's attempts, parallel to `attempts`; never shown to the policy. */
    rewards: z.record(z.string(), z.array(z.number())),
    /** Global store, oldest first. */
    global: z.array(z.object({ problemId: z.string(), question: z.string(), text: z.string() }).strict()),
    evictions: z.number().int().min(0),
  })
  .strict();

export type PoolState = z.output<typeof poolStateSchema>;

interface ProblemEntry {
  readonly problem: Problem;
  attempts: string[];
  step: number;
}

/**
 * LANPO's dynamic experience pool, filled from on-policy rollouts: per problem, a FIFO of its most
 * recent attempts (text only) for reward-agnostic reflection; a global FIFO of trajectories of
 * many problems for relevant abstraction. Rewards are kept in a separate map that no text
 * accessor reads. Bounded by `PoolOptions`; `toJSON` / `fromJSON` round-trip it exactly.
 */
export class ExperiencePool {
  /** Insertion order = recency of update (least recent first). */
  private readonly entries = new Map<string, ProblemEntry>();
  private readonly rewards = new Map<string, number[]>();
  private global: GlobalEntry[] = [];
  private evictions = 0;

  constructor(readonly options: PoolOptions) {}

  /**
   * Record attempts at `problem` made at `step`: the first `attemptsPerStep` join the problem's
   * FIFO; the first of all `attempts` that qualifies (`globalFrom`) replaces the problem's
   * trajectory in the global store.
   */
  add(problem: Problem, attempts: readonly ScoredAttempt[], step: number): void {
    const o = this.options;
    const taken = attempts.slice(0, o.attemptsPerStep);
    if (taken.length === 0) return;
    const entry = this.entries.get(problem.id) ?? { problem, attempts: [], step };
    this.entries.delete(problem.id);
    entry.attempts = [...entry.attempts, ...taken.map((a) => a.text)].slice(-o.attemptsPerProblem);
    entry.step = step;
    this.entries.set(problem.id, entry);
    const rewards = [...(this.rewards.get(problem.id) ?? []), ...taken.map((a) => a.reward)].slice(-o.attemptsPerProblem);
    this.rewards.set(problem.id, rewards);
    while (this.entries.size > o.maxProblems) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.rewards.delete(oldest);
      this.evictions++;
    }
    const best = o.globalFrom === 'all' ? attempts[0] : attempts.find((a) => a.reward > o.solvedReward);
    if (best && o.globalSize > 0) {
      this.global = this.global.filter((g) => g.problemId !== problem.id);
      this.global.push({ problemId: problem.id, question: problem.question, text: best.text });
      if (this.global.length > o.globalSize) this.global = this.global.slice(-o.globalSize);
    }
  }

  has(problemId: string): boolean {
    return this.entries.has(problemId);
  }

  /** The problem's stored attempt texts, oldest first (empty when unseen). Never rewards. */
  attempts(problemId: string): readonly string[] {
    return this.entries.get(problemId)?.attempts ?? [];
  }

  /** Problems in the pool, least recently updated first (for replay). */
  problems(): Problem[] {
    return [...this.entries.values()].map((e) => e.problem);
  }

  /** Global-store trajectories of problems other than `problemId`, oldest first. */
  others(problemId: string): readonly GlobalEntry[] {
    return this.global.filter((g) => g.problemId !== problemId);
  }

  /** A global entry as a feedback `Reference` (question and trajectory text only). */
  static reference(entry: GlobalEntry): Reference {
    return { question: entry.question, text: entry.text };
  }

  /** Stored rewards of a problem's attempts (for statistics and tests; never put in a prompt). */
  rewardsOf(problemId: string): readonly number[] {
    return this.rewards.get(problemId) ?? [];
  }

  stats(): PoolStats {
    let attempts = 0;
    for (const e of this.entries.values()) attempts += e.attempts.length;
    return { problems: this.entries.size, attempts, global: this.global.length, evictions: this.evictions };
  }

  toJSON(): PoolState {
    return {
      version: 1,
      problems: [...this.entries.values()].map((e) => ({ problem: e.problem, attempts: [...e.attempts], step: e.step })),
      rewards: Object.fromEntries([...this.entries.keys()].map((id) => [id, [...(this.rewards.get(id) ?? [])]])),
      global: this.global.map((g) => ({ ...g })),
      evictions: this.evictions,
    };
  }

  /**
   * Rebuild a pool from `toJSON()` output under `options`; throws an Error naming `source` when
   * the state does not match the schema. A state larger than `options` allow is trimmed as
   * `add` would (oldest first).
   */
  static fromJSON(state: unknown, options: PoolOptions, source = 'strategy state'): ExperiencePool {
    const parsed = poolStateSchema.safeParse(state);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${source}: not a LANPO experience pool: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
    }
    const pool = new ExperiencePool(options);
    const s = parsed.data;
    const kept = s.problems.slice(-options.maxProblems);
    pool.evictions = s.evictions + (s.problems.length - kept.length);
    for (const p of kept) {
      pool.entries.set(p.problem.id, {
        problem: p.problem as Problem,
        attempts: p.attempts.slice(-options.attemptsPerProblem),
        step: p.step,
      });
      pool.rewards.set(p.problem.id, (s.rewards[p.problem.id] ?? []).slice(-options.attemptsPerProblem));
    }
    pool.global = options.globalSize > 0 ? s.global.slice(-options.globalSize) : [];
    return pool;
  }
}
