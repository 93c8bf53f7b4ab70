import { ConfigError, type FeedbackClient, feedbackRequest, listOf, type Problem, z } from '@trellis/core';
import { ExperiencePool, type GlobalEntry } from '../pool/experience-pool';
import type { AbstractionOptions } from './abstraction-options';
import { questionSimilarity } from './question-similarity';

/** Counters of one `principlesFor` call, added to the step's metrics by the strategy. */
export interface AbstractionCounts {
  cacheHits: number;
  candidates: number;
  relevanceRequests: number;
  relevanceFailed: number;
  kept: number;
  abstractionRequests: number;
  abstractionFailed: number;
}

export const emptyCounts = (): AbstractionCounts => ({
  cacheHits: 0,
  candidates: 0,
  relevanceRequests: 0,
  relevanceFailed: 0,
  kept: 0,
  abstractionRequests: 0,
  abstractionFailed: 0,
});

/** Serialised abstraction cache, least recently written first. */
export const abstractionCacheSchema = z.array(
  z.object({ problemId: z.string(), text: z.string(), step: z.number().int() }).strict(),
);
export type AbstractionCacheState = z.output<typeof abstractionCacheSchema>;

/**
 * Relevant abstraction (inter-sample): candidates are the pool's global-store trajectories of
 * other problems, pre-filtered by `questionSimilarity`; each is judged by a `relevance` request
 * through the guarded feedback service and kept at `relevanceThreshold` or above; the kept ones go
 * into one `abstraction` request whose text (principles, no specific answers) is the context.
 * Raw trajectories are never shown. Results, empty ones included, are cached per problem for
 * `cacheSteps` steps.
 */
export class RelevantAbstraction {
  private cache = new Map<string, { text: string; step: number }>();

  constructor(private readonly options: AbstractionOptions) {}

  /** Refuse, with the fix, a config whose feedback providers cannot do what this needs. */
  check(feedback: FeedbackClient): void {
    const { provider, relevanceFilter } = this.options;
    const kinds = relevanceFilter ? (['relevance', 'abstraction'] as const) : (['abstraction'] as const);
    for (const kind of kinds) {
      if (feedback.supports(kind, provider)) continue;
      const who = provider ? `provider '${provider}'` : 'no configured feedback provider';
      throw new ConfigError(
        `rollout.options.abstraction: ${who} answers '${kind}' requests (configured: ${listOf(feedback.names)}); ` +
          `add one, e.g. feedback: [{ use: math-verifier }] or [{ use: policy }], or set rollout.options.reflectionShare: 1 (reflection only)`,
      );
    }
  }

  /** Principles for `problem` at `step` (empty string: none relevant, or the provider failed). */
  async principlesFor(
    problem: Problem,
    pool: ExperiencePool,
    feedback: FeedbackClient,
    step: number,
    counts: AbstractionCounts,
  ): Promise<string> {
    const o = this.options;
    const hit = this.cache.get(problem.id);
    if (hit && o.cacheSteps > 0 && step - hit.step < o.cacheSteps) {
      counts.cacheHits++;
      return hit.text;
    }
    const candidates = this.candidates(problem, pool.others(problem.id));
    counts.candidates += candidates.length;
    const kept = o.relevanceFilter ? await this.relevant(problem, candidates, feedback, counts) : candidates;
    counts.kept += kept.length;
    let text = '';
    if (kept.length > 0) {
      counts.abstractionRequests++;
      const references = kept.slice(0, o.maxReferences).map(ExperiencePool.reference);
      const result = await feedback.request(feedbackRequest(problem, 'abstraction', { references }), this.call());
      if (result.ok) text = result.feedback.text.trim();
      else counts.abstractionFailed++;
      // A failed request is not cached: it is asked again next time.
      if (!result.ok) return '';
    }
    this.remember(problem.id, text, step);
    return text;
  }

  /** Cheap pre-filter: the most similar trajectories (ties: newest first), above `minSimilarity`. */
  private candidates(problem: Problem, others: readonly GlobalEntry[]): GlobalEntry[] {
    const scored = others.map((entry, i) => ({ entry, i, s: questionSimilarity(problem.question, entry.question) }));
    return scored
      .filter((c) => c.s >= this.options.minSimilarity)
      .sort((a, b) => b.s - a.s || b.i - a.i)
      .slice(0, this.options.candidates)
      .map((c) => c.entry);
  }

  private async relevant(
    problem: Problem,
    candidates: readonly GlobalEntry[],
    feedback: FeedbackClient,
    counts: AbstractionCounts,
  ): Promise<GlobalEntry[]> {
    counts.relevanceRequests += candidates.length;
    const results = await Promise.all(
      candidates.map((c) =>
        feedback.request(feedbackRequest(problem, 'relevance', { references: [ExperiencePool.reference(c)] }), this.call()),
      ),
    );
    return candidates.filter((_, i) => {
      const r = results[i];
      if (!r?.ok || r.feedback.score === undefined) {
        counts.relevanceFailed++;
        return false;
      }
      return r.feedback.score >= this.options.relevanceThreshold;
    });
  }

  private call() {
    return this.options.provider ? { provider: this.options.provider } : {};
  }

  private remember(problemId: string, text: string, step: number): void {
    if (this.options.cacheSteps === 0) return;
    this.cache.delete(problemId);
    this.cache.set(problemId, { text, step });
    while (this.cache.size > this.options.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
  }

  state(): AbstractionCacheState {
    return [...this.cache.entries()].map(([problemId, v]) => ({ problemId, text: v.text, step: v.step }));
  }

  restore(state: AbstractionCacheState): void {
    this.cache = new Map(state.slice(-this.options.cacheSize).map((e) => [e.problemId, { text: e.text, step: e.step }]));
  }
}
