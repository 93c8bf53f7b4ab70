import {
  type ConfiguredFeedback,
  type Feedback,
  type FeedbackProvider,
  type FeedbackRequest,
  FeedbackService,
  feedbackBlock,
  type Problem,
  type ResolvedConfig,
  RewardScorer,
  Rng,
  type Rollout,
  type RolloutContext,
} from '@trellis/core';
import { makeProblem, ScriptedGenerationPolicy, type ScriptedReplyInput } from '@trellis/core/testing';
import { describe, expect, it } from 'vitest';
import { MultiturnStrategy } from './multiturn-strategy';

/**
 * Golden branching. Turn t answers end with the marker `w<t>`; the critic quotes the markers it
 * sees, so a reply knows its turn from the prefilled feedback. Per problem and turn the script
 * says which of the K = 4 samples answer right:
 * - solved: all right in turn 0 (not triggered); mixed0: half right in turn 0 (not triggered);
 * - pairs1: none in turn 0, all in turn 1 -> pairs; grpo1: none, then half -> a GRPO group;
 * - pairs2: none, none, then all in turn 2 -> pairs against the turn-0 answers; dropped: never.
 */
const SCRIPT: Record<string, number[]> = {
  solved: [4],
  mixed0: [2],
  pairs1: [0, 4],
  grpo1: [0, 2],
  pairs2: [0, 0, 4],
  dropped: [0, 0, 0],
};
const problems: Problem[] = Object.keys(SCRIPT).map((id, i) =>
  makeProblem({ id, question: `${i} + 10`, prompt: `Q ${id}: ${i} + 10 =`, answer: String(i + 10) }),
);

const turnOf = (request: ScriptedReplyInput['request']) => {
  const m = /w(\d)/g;
  const seen = [...(request.prefill ?? '').matchAll(m)].map((x) => Number(x[1]));
  return seen.length ? Math.max(...seen) + 1 : 0;
};

/** Answer right for the first `right` of each problem's K requests in the call. */
function reply(input: ScriptedReplyInput): string {
  const problem = problems.find((p) => input.request.prompt.startsWith(p.prompt)) as Problem;
  const turn = turnOf(input.request);
  const right = SCRIPT[problem.id]?.[turn] ?? 0;
  const k = input.index % 4;
  return ` ${k < right ? problem.answer : '0'} w${turn}`;
}

/** Critiques quote the attempts' markers; merges join; it also writes the gold answer once (for the guard). */
class ScriptedCritic implements FeedbackProvider {
  readonly id = 'critic';
  readonly kinds = ['critique', 'merge'] as const;
  readonly requests: FeedbackRequest[] = [];
  constructor(private readonly leak = false) {}
  async provide(request: FeedbackRequest): Promise<Feedback> {
    this.requests.push(request);
    if (request.kind === 'merge') return { kind: 'merge', text: (request.feedbacks ?? []).join(' + ') };
    const marks = (request.attempts ?? []).map((a) => /w\d/.exec(a.text)?.[0] ?? '?');
    const gold = this.leak ? ' the answer is 12' : '';
    return { kind: 'critique', text: `Issue: ${marks.join(',')} FIXED${gold}` };
  }
}

const settings = {
  timeoutMs: 1000,
  retries: 0,
  backoffMs: 1,
  maxBackoffMs: 1,
  concurrency: 8,
  cacheSize: 0,
  onLeak: 'redact' as const,
};
/** `math-accuracy`: the answer appears in the generated text; `fixed`: the text says FIXED (only a prefill does). */
const scorer = () =>
  new RewardScorer([
    {
      name: 'math-accuracy',
      weight: 1,
      timeoutMs: 1000,
      reward: {
        id: 'math-accuracy',
        score: ({ problem, rollout }) => ({ score: rollout.completionText.includes(` ${problem.answer} `) ? 1 : 0 }),
      },
    },
    {
      name: 'fixed',
      weight: 1,
      timeoutMs: 1000,
      reward: { id: 'fixed', score: ({ rollout }) => ({ score: rollout.completionText.includes('FIXED') ? 1 : 0 }) },
    },
  ]);

const config = {
  trainer: { accuracyReward: 'math-accuracy' },
  rewards: [{ use: 'math-accuracy' }, { use: 'fixed' }],
} as unknown as Pick<ResolvedConfig, 'rewards' | 'trainer'>;

async function collect(options: Record<string, unknown> = {}, critic = new ScriptedCritic()) {
  const policy = new ScriptedGenerationPolicy(reply);
  const metrics: Record<string, number[]> = {};
  const counts: Record<string, number> = {};
  const service = new FeedbackService([{ name: 'critic', provider: critic, ...settings } as ConfiguredFeedback]);
  const rewards = scorer();
  const ctx: RolloutContext = {
    step: 1,
    idPrefix: 's1c0:',
    policy,
    sampling: { temperature: 1, maxNewTokens: 40, seed: 3 },
    groupSize: 4,
    rng: Rng.fromSeed(5),
    feedback: service,
    score: (problem, rollouts) => rewards.score(problem, rollouts),
    metric: (name, value) => {
      metrics[name] = [...(metrics[name] ?? []), value];
    },
    count: (name, by = 1) => {
      counts[name] = (counts[name] ?? 0) + by;
    },
  };
  const strategy = new MultiturnStrategy(options, config);
  const out = await strategy.collect(problems, ctx);
  return { out, policy, metrics, counts, critic, service, strategy };
}

const byGroup = (rollouts: readonly Rollout[]) => rollouts.map((r) => r.id);

describe('MultiturnStrategy branching (golden)', () => {
  it('all solved -> pairs, mixed -> GRPO, all failed -> next turn, still failed -> dropped', async () => {
    const { out, counts, metrics } = await collect();
    const groups = Object.fromEntries(out.groups.map((g) => [g.id, g]));
    expect(Object.keys(groups)).toEqual([
      's1c0:g0', // solved: turn 0, plain GRPO
      's1c0:g1', // mixed0: turn 0, plain GRPO
      's1c0:g2', // pairs1: base answers, pair-only
      's1c0:g2t1', // pairs1: regenerated, pair-only
      's1c0:g3t1', // grpo1: regenerated group, GRPO
      's1c0:g4', // pairs2: base answers, pair-only
      's1c0:g4t2', // pairs2: second regeneration, pair-only
    ]);
    const pgOf = (id: string) => groups[id]?.rollouts.map((r) => r.policyGradient !== false);
    expect(pgOf('s1c0:g0')).toEqual([true, true, true, true]);
    expect(pgOf('s1c0:g1')).toEqual([true, true, true, true]);
    expect(pgOf('s1c0:g3t1')).toEqual([true, true, true, true]);
    for (const id of ['s1c0:g2', 's1c0:g2t1', 's1c0:g4', 's1c0:g4t2']) expect(pgOf(id)).toEqual([false, false, false, false]);
    expect(groups['s1c0:g3t1']?.rollouts.map((r) => r.rewardComponents['math-accuracy'])).toEqual([1, 1, 0, 0]);
    expect(out.pairs).toEqual([
      ...[0, 1, 2, 3].map((k) => ({ chosen: `s1c0:g2t1-${k}`, rejected: `s1c0:g2-${k}`, kind: 'fco' })),
      ...[0, 1, 2, 3].map((k) => ({ chosen: `s1c0:g4t2-${k}`, rejected: `s1c0:g4-${k}`, kind: 'fco' })),
    ]);
    expect(groups['s1c0:g4t2']?.rollouts.every((r) => r.turn === 2 && r.contextKind === 'feedback')).toBe(true);
    expect(counts).toMatchObject({
      'multiturn/triggered': 4,
      'multiturn/regen_groups_trained': 1,
      'multiturn/pairs': 8,
      'multiturn/dropped': 1,
      // Per triggered prompt and turn: 2 critiques (chunks of two of K = 4) + 1 merge.
      // Turn 1: 4 prompts; turn 2: pairs2 and dropped.
      'multiturn/feedback_calls': 3 * (4 + 2),
      'multiturn/feedback_leaks': 0,
      'multiturn/feedback_failures': 0,
    });
    expect(metrics['multiturn/trigger_rate']).toEqual([4 / 6]);
    expect(metrics['multiturn/solve_rate/turn0']).toEqual([(4 + 2) / 24]);
    expect(metrics['multiturn/solve_rate/turn1']).toEqual([(4 + 2) / 16]);
    expect(metrics['multiturn/solve_rate/turn2']).toEqual([4 / 8]);
  });

  it('prefills the feedback block (core layout), masks it out of the loss and keeps it out of the rewards', async () => {
    const { out, policy } = await collect();
    const regen = out.groups.find((g) => g.id === 's1c0:g2t1')?.rollouts[0] as Rollout;
    const request = policy.calls[1]?.requests.find((r) => r.prompt.startsWith('Q pairs1'));
    expect(request?.prompt).toBe('Q pairs1: 2 + 10 =Begin with a <feedback> block.\n');
    expect(request?.prefill).toBe(feedbackBlock('Issue: w0,w0 FIXED + Issue: w0,w0 FIXED'));
    expect(regen.prefill).toBe(request?.prefill);
    const n = regen.prefillLength as number;
    expect(n).toBe(request?.prefill?.length);
    expect(regen.lossMask.slice(0, n).every((m) => m === 0)).toBe(true);
    expect(regen.lossMask.slice(n).every((m) => m === 1)).toBe(true);
    expect(regen.completionText).toBe(' 12 w1');
    expect(regen.context).toBe('Issue: w0,w0 FIXED + Issue: w0,w0 FIXED');
    // The prefill says FIXED; the reward that looks for it never sees it.
    expect(out.groups.flatMap((g) => g.rollouts).every((r) => r.rewardComponents.fixed === 0)).toBe(true);
    // The first turn has the same prompt and no prefill.
    expect(policy.calls[0]?.requests[0]).toEqual({ prompt: 'Q solved: 0 + 10 =Begin with a <feedback> block.\n' });
  });

  it('critiques the latest failed attempts in chunks, never shows the provider the gold answer, and counts leaks', async () => {
    const critic = new ScriptedCritic(true);
    const { counts, critic: seen, out } = await collect({}, critic);
    const critiques = seen.requests.filter((r) => r.kind === 'critique');
    expect(critiques.every((r) => r.attempts?.length === 2)).toBe(true);
    expect(seen.requests.every((r) => r.problem.answer === undefined && r.guard === undefined)).toBe(true);
    // Turn-2 critiques of pairs2 see the turn-1 attempts.
    expect(critiques.filter((r) => r.problem.id === 'pairs2').map((r) => r.attempts?.map((a) => a.text))).toEqual([
      [' 0 w0', ' 0 w0'],
      [' 0 w0', ' 0 w0'],
      [' 0 w1', ' 0 w1'],
      [' 0 w1', ' 0 w1'],
    ]);
    // pairs1's gold answer is 12: its two critiques leak it and the guard redacts them (the merge
    // then joins redacted texts); other problems' answers differ, so theirs do not leak.
    expect(counts['multiturn/feedback_leaks']).toBe(2);
    const pairs1 = out.groups.find((g) => g.id === 's1c0:g2t1')?.rollouts[0] as Rollout;
    expect(pairs1.prefill).toContain('the answer is');
    expect(pairs1.prefill).not.toMatch(/\b12\b/);
    const grpo1 = out.groups.find((g) => g.id === 's1c0:g3t1')?.rollouts[0] as Rollout;
    expect(grpo1.prefill).toMatch(/\b12\b/);
  });

  it('honours turns, samples, trigger mode and provider options', async () => {
    const one = await collect({ turns: 1 });
    expect(one.counts['multiturn/dropped']).toBe(2);
    expect(one.out.pairs).toHaveLength(4);
    const never = await collect({ trigger: { mode: 'never' } });
    expect(never.out.groups.map((g) => g.id)).toEqual(problems.map((_, i) => `s1c0:g${i}`));
    expect(never.out.pairs).toEqual([]);
    expect(never.policy.calls).toHaveLength(1);
    const plain = await collect({ firstTurn: 'plain' });
    expect(plain.policy.calls[0]?.requests[0]).toEqual({ prompt: 'Q solved: 0 + 10 =' });
    expect(plain.policy.calls[1]?.requests[0]?.prompt).toBe('Q pairs1: 2 + 10 =Begin with a <feedback> block.\n');
    expect(plain.out.pairs).toHaveLength(8);
    const k2 = await collect({ samples: 2 });
    expect(k2.out.groups.every((g) => g.rollouts.length === 2)).toBe(true);
    const unknown = await collect({ feedback: { provider: 'nobody' } });
    expect(unknown.counts['multiturn/feedback_failures']).toBe(8);
    expect(unknown.counts['multiturn/dropped']).toBe(4);
    expect(() => new MultiturnStrategy({ trigger: { reward: 'nope' } }, config)).toThrow(
      /trigger.reward: 'nope' names no configured reward/,
    );
    expect(() => new MultiturnStrategy({ turns: 0 }, config)).toThrow();
  });

  it('keeps run totals in state() and takes them back with restore()', async () => {
    const { strategy } = await collect();
    expect(strategy.state()).toEqual({ steps: 1, prompts: 6, triggered: 4, pairs: 8, dropped: 1 });
    const fresh = new MultiturnStrategy({}, config);
    fresh.restore(JSON.parse(JSON.stringify(strategy.state())));
    expect(fresh.state()).toEqual(strategy.state());
    fresh.restore(null);
    expect(fresh.state()).toEqual({ steps: 0, prompts: 0, triggered: 0, pairs: 0, dropped: 0 });
  });
});

describe('MultiturnStrategy ids', () => {
  it('keeps group and rollout ids unique', async () => {
    const { out } = await collect();
    const ids = out.groups.flatMap((g) => [g.id, ...byGroup(g.rollouts)]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
