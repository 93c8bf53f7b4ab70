// Test doubles shared by this package's tests (not exported from the package).
import {
  type Feedback,
  type FeedbackKind,
  type FeedbackProvider,
  type FeedbackRequest,
  FeedbackService,
  type GenerationRequest,
  type GenerationResult,
  type Policy,
  type Problem,
  Rng,
  type RolloutContext,
  type SamplingParams,
} from '@trellis/core';

/** A policy that answers each request with `<n>` where n counts calls, and records every prompt. */
export function fakePolicy(answer: (req: GenerationRequest, i: number) => string = (_, i) => `ans${i}`) {
  const calls: { requests: readonly GenerationRequest[]; sampling: SamplingParams }[] = [];
  const policy = {
    async generate(requests: readonly GenerationRequest[], sampling: SamplingParams): Promise<GenerationResult[]> {
      calls.push({ requests, sampling });
      return requests.map((req, i) => ({
        promptIds: Array.from(req.prompt, (c) => c.charCodeAt(0)),
        completionIds: [i + 1, i + 2],
        text: answer(req, i),
        logProbs: [-0.5 - i, -0.25],
        prefillLength: 0,
        temperature: 1,
        finishReason: 'eos' as const,
      }));
    },
  };
  return { policy: policy as unknown as Policy, calls };
}

/** A feedback provider answering `relevance` with `score(request)` and `abstraction` with a fixed text. */
export function scriptedFeedback(
  score: (req: FeedbackRequest) => number,
  principles = 'Principles:\n- work inside parentheses first',
  kinds: FeedbackKind[] = ['relevance', 'abstraction'],
) {
  const seen: FeedbackRequest[] = [];
  const provider: FeedbackProvider = {
    id: 'scripted',
    kinds,
    provide: async (request): Promise<Feedback> => {
      seen.push(request);
      if (request.kind === 'relevance') return { kind: 'relevance', text: '', score: score(request) };
      return { kind: request.kind, text: principles };
    },
  };
  const service = new FeedbackService([
    {
      name: 'scripted',
      provider,
      ...SCRIPTED_ENTRY,
    },
  ]);
  return { service, seen };
}

/** Service settings of a scripted feedback entry: no retries, no cache, leaks redacted. */
export const SCRIPTED_ENTRY = {
  timeoutMs: 1000,
  retries: 0,
  backoffMs: 0,
  maxBackoffMs: 0,
  concurrency: 4,
  cacheSize: 0,
  onLeak: 'redact',
} as const;

/** A rollout context whose `score` gives reward 1 to completions equal to the problem's answer. */
export function rolloutContext(policy: Policy, over: Partial<RolloutContext> = {}) {
  const metrics = new Map<string, number[]>();
  const counts = new Map<string, number>();
  const ctx: RolloutContext = {
    step: 1,
    idPrefix: 's1c0:',
    policy,
    sampling: { temperature: 1, maxNewTokens: 8, seed: 5 },
    groupSize: 8,
    rng: Rng.fromSeed(3),
    feedback: new FeedbackService([]),
    score: async (problem: Problem, rollouts) => {
      for (const r of rollouts) r.reward = r.completionText === problem.answer ? 1 : 0;
    },
    metric: (name, value) => metrics.set(name, [...(metrics.get(name) ?? []), value]),
    count: (name, by = 1) => counts.set(name, (counts.get(name) ?? 0) + by),
    ...over,
  };
  return { ctx, metrics, counts };
}
