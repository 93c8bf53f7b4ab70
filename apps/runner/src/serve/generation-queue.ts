import { GenerateBatcher, type GenerationResult, type Policy } from '@trellis/core';
import type { GenerationPlan } from './generation-plan';
import { OpenAiError } from './openai-error';

/** Counters of a {@link GenerationQueue}. */
export interface QueueCounters {
  /** Rows admitted and not finished (waiting or generating). */
  readonly queuedRows: number;
  /** Requests refused because the queue was full (429). */
  readonly rejected: number;
  /** `policy.generate` calls made (each one merged batch). */
  readonly generateCalls: number;
  /** Rows generated over all calls. */
  readonly generatedRows: number;
  /** Largest merged batch, rows. */
  readonly largestBatch: number;
}

/**
 * The one {@link GenerateBatcher} of a server plus admission control: at most `maxQueue` rows
 * (choices) may be waiting or generating; a request that would go over is refused with 429.
 */
export class GenerationQueue {
  private readonly batcher: GenerateBatcher;
  private rows = 0;
  private rejected = 0;
  private calls = 0;
  private generated = 0;
  private largest = 0;
  private idle: (() => void)[] = [];

  constructor(
    policy: Policy,
    private readonly maxQueue: number,
    options: { readonly maxBatch: number; readonly waitMs: number },
  ) {
    const counted: Policy = {
      get tokenizer() {
        return policy.tokenizer;
      },
      get maxContext() {
        return policy.maxContext;
      },
      encodePrompt: (p) => policy.encodePrompt(p),
      generate: (requests, sampling) => {
        this.calls++;
        this.generated += requests.length;
        this.largest = Math.max(this.largest, requests.length);
        return policy.generate(requests, sampling);
      },
      logProbs: (b, o) => policy.logProbs(b, o),
      trainableVariables: () => policy.trainableVariables(),
      snapshot: () => policy.snapshot(),
      save: (d) => policy.save(d),
      load: (d) => policy.load(d),
      dispose: () => policy.dispose(),
    };
    this.batcher = new GenerateBatcher(counted, { maxRows: options.maxBatch, waitMs: options.waitMs });
  }

  /**
   * Admit `plan` (throws synchronously: a 429 {@link OpenAiError} when the queue is full, a 400
   * when the plan alone has more rows than the queue takes) and resolve to its results, in row
   * order.
   */
  submit(plan: GenerationPlan): Promise<GenerationResult[]> {
    const n = plan.requests.length;
    if (n > this.maxQueue) {
      throw OpenAiError.invalid('n', `This request asks for ${n} choices; this server queues at most ${this.maxQueue}.`);
    }
    if (this.rows + n > this.maxQueue) {
      this.rejected++;
      throw new OpenAiError(
        429,
        `The server is busy: ${this.rows} generation rows are queued (limit ${this.maxQueue}). Please retry shortly.`,
        null,
        'queue_full',
        'rate_limit_exceeded',
      );
    }
    this.rows += n;
    return this.batcher.generate(plan.requests, plan.sampling).finally(() => {
      this.rows -= n;
      if (this.rows === 0) for (const resolve of this.idle.splice(0)) resolve();
    });
  }

  /** Resolves once no row is waiting or generating. */
  drained(): Promise<void> {
    return this.rows === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }

  /** Current counters. */
  counters(): QueueCounters {
    return {
      queuedRows: this.rows,
      rejected: this.rejected,
      generateCalls: this.calls,
      generatedRows: this.generated,
      largestBatch: this.largest,
    };
  }
}
