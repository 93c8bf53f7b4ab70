import type { GenerationRequest, GenerationResult, SamplingParams } from '../records/generation';
import { Rng } from '../rng/rng';
import type { Policy } from './policy';

interface Pending {
  readonly requests: readonly GenerationRequest[];
  readonly sampling: SamplingParams;
  readonly resolve: (r: GenerationResult[]) => void;
  readonly reject: (e: unknown) => void;
}

/** Settings of a {@link GenerateBatcher}. */
export interface GenerateBatcherOptions {
  /** Most rows in one merged `generate` call (default 64). */
  readonly maxRows?: number;
  /**
   * Gathering window, ms (default 0: only the current event-loop turn). Before each merged call,
   * while fewer than `maxRows` rows are queued, the batcher waits for more callers until none has
   * arrived for `waitMs` (at most `4 * waitMs` in all); it goes at once when `maxRows` rows are
   * queued. The wait starts when the batcher is free, so callers released by one call can join
   * those that queued up during it.
   */
  readonly waitMs?: number;
}

const samplingKey = (s: SamplingParams) =>
  JSON.stringify([
    s.greedy === true,
    s.greedy ? 0 : s.temperature,
    s.topK ?? 0,
    s.topP ?? 1,
    s.maxNewTokens,
    s.stop ?? [],
    s.stopTokenIds ?? [],
  ]);

/**
 * Merges concurrent `generate` calls with the same sampling settings into shared `policy.generate`
 * calls, one at a time. A call with a seed gets a per-request seed for each of its requests
 * (derived from the call's seed and the request's index), so its samples do not depend on which
 * other calls it shares a batch with. If a merged call throws, each caller is retried alone, so
 * one bad request fails only its own caller.
 */
export class GenerateBatcher {
  private queue: Pending[] = [];
  private running = false;
  private scheduled = false;
  /** Told of every new caller while a gathering wait is in progress. */
  private arrived: (() => void) | undefined;

  constructor(
    private readonly policy: Policy,
    private readonly options: GenerateBatcherOptions = {},
  ) {}

  /** Same contract as `Policy.generate`. */
  generate(requests: readonly GenerationRequest[], sampling: SamplingParams): Promise<GenerationResult[]> {
    if (requests.length === 0) return Promise.resolve([]);
    const seeded = sampling.seed === undefined ? requests : withSeeds(requests, sampling.seed);
    return new Promise((resolve, reject) => {
      this.queue.push({ requests: seeded, sampling, resolve, reject });
      this.arrived?.();
      this.schedule();
    });
  }

  /** Callers waiting for a batch. */
  get pending(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    const go = () => {
      this.scheduled = false;
      void this.flush();
    };
    setImmediate(go);
  }

  private get maxRows(): number {
    return this.options.maxRows ?? 64;
  }

  private queuedRows(): number {
    return this.queue.reduce((n, p) => n + p.requests.length, 0);
  }

  /** The gathering window of `waitMs` (resolves at once when it is 0 or `maxRows` rows are queued). */
  private gather(): Promise<void> {
    const waitMs = this.options.waitMs ?? 0;
    if (waitMs <= 0 || this.queuedRows() >= this.maxRows) return Promise.resolve();
    const deadline = performance.now() + 4 * waitMs;
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        clearTimeout(timer);
        this.arrived = undefined;
        resolve();
      };
      const quiet = () => {
        clearTimeout(timer);
        if (this.queuedRows() >= this.maxRows) return done();
        timer = setTimeout(done, Math.max(0, Math.min(waitMs, deadline - performance.now())));
      };
      this.arrived = quiet;
      quiet();
    });
  }

  private async flush(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        await this.gather();
        const first = this.queue[0] as Pending;
        const key = samplingKey(first.sampling);
        const maxRows = this.maxRows;
        const batch: Pending[] = [];
        let rows = 0;
        this.queue = this.queue.filter((p) => {
          if (samplingKey(p.sampling) !== key || (batch.length > 0 && rows + p.requests.length > maxRows)) return true;
          batch.push(p);
          rows += p.requests.length;
          return false;
        });
        await this.run(batch);
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.running = false;
    }
  }

  private async run(batch: readonly Pending[]): Promise<void> {
    const sampling = { ...(batch[0] as Pending).sampling };
    try {
      const results = await this.policy.generate(
        batch.flatMap((p) => p.requests),
        sampling,
      );
      let at = 0;
      for (const p of batch) {
        p.resolve(results.slice(at, at + p.requests.length));
        at += p.requests.length;
      }
    } catch (e) {
      if (batch.length === 1) {
        (batch[0] as Pending).reject(e);
        return;
      }
      for (const p of batch) {
        try {
          p.resolve(await this.policy.generate(p.requests, p.sampling));
        } catch (err) {
          p.reject(err);
        }
      }
    }
  }
}

function withSeeds(requests: readonly GenerationRequest[], seed: number): GenerationRequest[] {
  const root = Rng.fromSeed(seed).split('batched-request');
  return requests.map((r, i) => (r.seed !== undefined ? r : { ...r, seed: root.split(String(i)).nextUint32() }));
}
