import { LRUCache } from 'lru-cache';
import pLimit, { type LimitFunction } from 'p-limit';
import pRetry from 'p-retry';
import type { MetricTarget } from '../metrics/metric-target';
import type { Feedback, FeedbackKind, FeedbackRequest } from '../records/feedback';
import { TimeoutError, withTimeout } from '../trainer/with-timeout';
import type { ConfiguredFeedback } from './configured-feedback';
import { FeedbackError, type FeedbackFailureReason } from './feedback-error';
import type { FeedbackCallOptions, FeedbackClient, FeedbackFailure, FeedbackResult } from './feedback-result';
import type { LeakGuard } from './leak-guard';
import { LiteralLeakGuard } from './literal-leak-guard';
import { stableKey } from './stable-key';

interface Entry {
  readonly config: ConfiguredFeedback;
  readonly limit: LimitFunction;
  readonly cache: LRUCache<string, Feedback> | undefined;
}

type ProviderRequest = Omit<FeedbackRequest, 'guard'>;

const isTransient = (e: unknown) => e instanceof TimeoutError || (e instanceof FeedbackError && e.transient);
const reasonOf = (e: unknown): FeedbackFailureReason =>
  e instanceof TimeoutError ? 'timeout' : e instanceof FeedbackError ? e.reason : 'error';

/**
 * The one way feedback is requested (bound to `Tokens.FeedbackService`, handed to strategies as
 * `RolloutContext.feedback`). Per configured provider: a concurrency limit, an optional LRU cache
 * keyed by the whole request, a per-attempt timeout that aborts the provider's signal, bounded
 * retries with exponential backoff for transient failures, then the leak guards over the text.
 * Guard data never reaches a provider. Every call resolves (never rejects) and is counted;
 * `drainInto` moves the counters into a step's metrics (names in the core README).
 */
export class FeedbackService implements FeedbackClient {
  private readonly entries: Entry[];
  private counters = new Map<string, number>();
  private latencies: number[] = [];
  private readonly totals = new Map<string, number>();

  constructor(
    configured: readonly ConfiguredFeedback[],
    private readonly guards: readonly LeakGuard[] = [new LiteralLeakGuard()],
  ) {
    this.entries = configured.map((config) => ({
      config,
      limit: pLimit(config.concurrency),
      cache: config.cacheSize > 0 ? new LRUCache<string, Feedback>({ max: config.cacheSize }) : undefined,
    }));
  }

  get names(): readonly string[] {
    return this.entries.map((e) => e.config.name);
  }

  supports(kind: FeedbackKind, provider?: string): boolean {
    return typeof this.choose(kind, provider) !== 'string';
  }

  async request(request: FeedbackRequest, options: FeedbackCallOptions = {}): Promise<FeedbackResult> {
    this.bump('requests');
    this.bump(`${request.kind}/requests`);
    const entry = this.choose(request.kind, options.provider);
    if (typeof entry === 'string') return this.fail(request.kind, options.provider, 'unsupported', entry, 0);
    const { guard, ...forProvider } = request;
    const answers = request.allowGoldAnswer ? [] : (guard?.answers ?? []);
    const key = entry.cache ? stableKey(forProvider) : undefined;
    const hit = key !== undefined ? entry.cache?.get(key) : undefined;
    if (hit) {
      this.bump('cache_hits');
      return this.guarded(entry, hit, answers, true, 0);
    }
    let attempts = 0;
    let feedback: Feedback;
    try {
      feedback = await pRetry(
        () => {
          attempts++;
          return entry.limit(() => this.attempt(entry, forProvider));
        },
        {
          retries: entry.config.retries,
          factor: 2,
          minTimeout: entry.config.backoffMs,
          maxTimeout: entry.config.maxBackoffMs,
          shouldRetry: ({ error }) => {
            const retry = isTransient(error);
            if (retry) this.bump('retries');
            return retry;
          },
        },
      );
    } catch (e) {
      return this.fail(request.kind, entry.config.name, reasonOf(e), (e as Error)?.message ?? String(e), attempts);
    }
    const invalid = invalidFeedback(feedback, request.kind);
    if (invalid) return this.fail(request.kind, entry.config.name, 'parse', `${entry.config.name}: ${invalid}`, attempts);
    if (key !== undefined) entry.cache?.set(key, feedback);
    return this.guarded(entry, feedback, answers, false, attempts);
  }

  /** Move this period's counters (as counters) and latencies (as observations) into `target`. */
  drainInto(target: MetricTarget): void {
    for (const [k, v] of this.counters) target.count(`feedback/${k}`, v);
    for (const ms of this.latencies) target.add('feedback/latency_ms', ms);
    this.counters = new Map();
    this.latencies = [];
  }

  /** Counters since the service was created (names without the `feedback/` prefix). */
  totalCounts(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.totals);
  }

  private async attempt(entry: Entry, request: ProviderRequest): Promise<Feedback> {
    const { config } = entry;
    const controller = new AbortController();
    this.bump('calls');
    const started = performance.now();
    try {
      const out = await withTimeout(
        () => config.provider.provide(request, { signal: controller.signal }),
        config.timeoutMs,
        `feedback '${config.name}' (${request.kind})`,
      );
      this.latencies.push(performance.now() - started);
      return out;
    } catch (e) {
      if (e instanceof TimeoutError) {
        this.bump('timeouts');
        controller.abort(e);
      }
      throw e;
    }
  }

  private guarded(
    entry: Entry,
    feedback: Feedback,
    answers: readonly string[],
    cached: boolean,
    attempts: number,
  ): FeedbackResult {
    let text = feedback.text;
    let leaks = 0;
    if (answers.length > 0) {
      for (const g of this.guards) {
        const scan = g.scan(text, answers);
        text = scan.text;
        leaks += scan.leaks;
      }
    }
    const provider = entry.config.name;
    if (leaks === 0) return { ok: true, provider, feedback, leaks, cached, attempts };
    this.bump('leaks');
    this.bump('leaked_spans', leaks);
    switch (entry.config.onLeak) {
      case 'reject':
        return this.fail(
          feedback.kind,
          provider,
          'leak',
          `${provider}: feedback contained the gold answer (${leaks} spans)`,
          attempts,
        );
      case 'allow':
        return { ok: true, provider, feedback, leaks, cached, attempts };
      case 'redact':
        return { ok: true, provider, feedback: { ...feedback, text, redacted: true }, leaks, cached, attempts };
    }
  }

  private choose(kind: FeedbackKind, provider: string | undefined): Entry | string {
    if (provider !== undefined) {
      const e = this.entries.find((x) => x.config.name === provider);
      if (!e) return `no feedback provider named '${provider}'; configured: ${this.names.join(', ') || 'none'}`;
      if (!e.config.provider.kinds.includes(kind)) {
        return `feedback provider '${provider}' does not answer '${kind}' (it answers: ${e.config.provider.kinds.join(', ')})`;
      }
      return e;
    }
    const e = this.entries.find((x) => x.config.provider.kinds.includes(kind));
    return e ?? `no configured feedback provider answers '${kind}' (configured: ${this.names.join(', ') || 'none'})`;
  }

  private fail(
    kind: FeedbackKind,
    provider: string | undefined,
    reason: FeedbackFailureReason,
    message: string,
    attempts: number,
  ): FeedbackFailure {
    this.bump('failures');
    this.bump(`failures/${reason}`);
    this.bump(`${kind}/failures`);
    return { ok: false, provider, reason, message, attempts };
  }

  private bump(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
    this.totals.set(name, (this.totals.get(name) ?? 0) + by);
  }
}

/** Why a provider's answer breaks the contract, or undefined when it is fine. */
function invalidFeedback(f: Feedback, kind: FeedbackKind): string | undefined {
  if (typeof f !== 'object' || f === null || typeof f.text !== 'string') return 'returned no feedback text';
  if (f.kind !== kind) return `answered kind '${f.kind}' to a '${kind}' request`;
  if (kind === 'relevance' && !(typeof f.score === 'number' && f.score >= 0 && f.score <= 1)) {
    return `relevance score ${String(f.score)} is not a number in [0, 1]`;
  }
  return undefined;
}
