import { contextPrompt, GroupRolloutStrategy, Rng, type TaskSource } from '@trellis/core';
import { makeProblem } from '@trellis/core/testing';
import { describe, expect, it } from 'vitest';
import { fakePolicy, rolloutContext, scriptedFeedback } from '../test-support/fakes';
import { LanpoRolloutStrategy } from './lanpo-rollout-strategy';

const a = makeProblem({ id: 'a', question: '12+7*3', prompt: '12+7*3=?\n', answer: '33' });
const b = makeProblem({ id: 'b', question: '45+1*9', prompt: '45+1*9=?\n', answer: '54' });
/** Solves `a` (from scratch or with context), never `b`. */
const solvesA = () => fakePolicy((req) => (req.prompt.endsWith(a.prompt) ? '33' : 'wrong'));
const strategy = (options: Record<string, unknown> = {}, task?: TaskSource) =>
  new LanpoRolloutStrategy(options, task, Rng.fromSeed(1));

describe('LanpoRolloutStrategy', () => {
  it('empty pool: whole groups from scratch, then the pool holds the step attempts', async () => {
    const { policy, calls } = solvesA();
    const s = strategy();
    const { ctx, metrics } = rolloutContext(policy, { feedback: scriptedFeedback(() => 1).service });
    const { groups } = await s.collect([a, b], ctx);
    expect(calls[0]?.requests.map((r) => r.prompt)).toEqual([...Array(8).fill(a.prompt), ...Array(8).fill(b.prompt)]);
    expect(groups.flatMap((g) => g.rollouts.map((r) => r.contextKind))).toEqual(Array(16).fill('none'));
    expect(metrics.get('lanpo/reflection_possible')).toEqual([0, 0]);
    expect(s.experience.attempts('a')).toEqual(['33', '33']);
    expect(s.experience.stats()).toEqual({ problems: 2, attempts: 4, global: 1, evictions: 0 });
    expect(metrics.get('lanpo/pool_problems')).toEqual([2]);
  });

  it('awareFraction 0 samples exactly what the plain groups strategy samples, step after step', async () => {
    const s = strategy({ awareFraction: 0 });
    const plain = new GroupRolloutStrategy();
    for (let step = 1; step <= 2; step++) {
      const x = solvesA();
      const y = solvesA();
      const mine = await s.collect([a, b], rolloutContext(x.policy, { step }).ctx);
      const theirs = await plain.collect([a, b], rolloutContext(y.policy, { step }).ctx);
      expect(x.calls).toEqual(y.calls);
      const strip = (r: { subGroup: string; reward: number }) => ({ ...r, subGroup: '', reward: 0 });
      expect(mine.groups.map((g) => g.rollouts.map(strip))).toEqual(theirs.groups.map((g) => g.rollouts.map(strip)));
    }
  });

  it('seen problems: mixed groups, each sample generated and recorded under its own full prompt', async () => {
    const { policy, calls } = solvesA();
    const { service, seen } = scriptedFeedback(() => 0.95);
    const s = strategy();
    await s.collect([a, b], rolloutContext(policy, { feedback: service }).ctx);
    const { ctx, metrics, counts } = rolloutContext(policy, { feedback: service, step: 2, idPrefix: 's2c0:' });
    const { groups } = await s.collect([a, b], ctx);
    const [ga, gb] = groups;
    // a: reflection only (no other problem's trajectory in the global store): 4 + 4.
    expect(ga?.rollouts.map((r) => r.contextKind)).toEqual([...Array(4).fill('none'), ...Array(4).fill('reflection')]);
    // b: 4 from scratch, 2 reflection, 2 abstraction (a's solved trajectory judged relevant).
    expect(gb?.rollouts.map((r) => r.subGroup)).toEqual([
      ...Array(4).fill('none'),
      'reflection',
      'reflection',
      'abstraction',
      'abstraction',
    ]);
    const reflectB = contextPrompt(b.prompt, { attempts: ['wrong'] });
    const abstractB = 'Principles:\n- work inside parentheses first\n45+1*9=?\n';
    const prompts = calls[1]?.requests.map((r) => r.prompt) ?? [];
    expect(prompts.slice(8)).toEqual([...Array(4).fill(b.prompt), reflectB, reflectB, abstractB, abstractB]);
    const results = await policy.generate(calls[1]?.requests ?? [], ctx.sampling);
    groups
      .flatMap((g) => g.rollouts)
      .forEach((r, i) => {
        expect(String.fromCharCode(...r.promptIds)).toBe(prompts[i]);
        expect(r.behaviourLogProbs).toEqual(results[i]?.logProbs);
        expect(r.lossMask).toEqual([1, 1]);
        if (r.contextKind !== 'none') expect(`${r.context}${r.problemId === 'a' ? a.prompt : b.prompt}`).toBe(prompts[i]);
        else expect(r.context).toBeUndefined();
      });
    expect(seen.map((r) => r.kind)).toEqual(['relevance', 'abstraction']);
    expect(seen[0]?.references).toEqual([{ question: '12+7*3', text: '33' }]);
    expect(seen.every((r) => r.guard === undefined && r.problem.answer === undefined)).toBe(true);
    expect(metrics.get('lanpo/reflection_possible')).toEqual([1, 1]);
    expect(metrics.get('lanpo/aware_frac')).toEqual([0.5, 0.5]);
    expect(counts.get('lanpo/samples_abstraction')).toBe(2);
    expect(counts.get('lanpo/relevance_kept')).toBe(1);
    expect(metrics.get('lanpo/reward_reflection')).toEqual([1, 1, 1, 1, 0, 0]);
  });

  it('relevance below the threshold keeps nothing: the abstraction samples go to reflection; principles are cached', async () => {
    const { policy } = solvesA();
    const { service, seen } = scriptedFeedback(() => 0.89);
    const s = strategy();
    await s.collect([a, b], rolloutContext(policy, { feedback: service }).ctx);
    const { groups } = await s.collect([b], rolloutContext(policy, { feedback: service, step: 2 }).ctx);
    expect(groups[0]?.rollouts.map((r) => r.contextKind)).toEqual([...Array(4).fill('none'), ...Array(4).fill('reflection')]);
    expect(seen.map((r) => r.kind)).toEqual(['relevance']);
    const { counts } = rolloutContext(policy);
    await s.collect([b], rolloutContext(policy, { feedback: service, step: 3, count: (n, by = 1) => counts.set(n, by) }).ctx);
    expect(seen).toHaveLength(1);
    expect(counts.get('lanpo/abstraction_cache_hits')).toBe(1);
  });

  it('per-problem context never shows a reward, a verdict or the gold answer of an unsolved problem', async () => {
    const { policy, calls } = solvesA();
    const { service } = scriptedFeedback(() => 1);
    const s = strategy({ awareFraction: 1 });
    for (let step = 1; step <= 3; step++) await s.collect([a, b], rolloutContext(policy, { feedback: service, step }).ctx);
    const bPrompts = calls.flatMap((c) => c.requests.map((r) => r.prompt)).filter((p) => p.endsWith(b.prompt));
    expect(bPrompts.some((p) => p !== b.prompt)).toBe(true);
    for (const p of bPrompts) expect(p).not.toMatch(/54|reward|correct|incorrect|score|[01]\.\d/i);
  });

  it('state() survives JSON and restore() continues identically', async () => {
    const { policy } = solvesA();
    const { service } = scriptedFeedback(() => 0.95);
    const s = strategy();
    await s.collect([a, b], rolloutContext(policy, { feedback: service }).ctx);
    await s.collect([a, b], rolloutContext(policy, { feedback: service, step: 2 }).ctx);
    const copy = strategy();
    copy.restore(JSON.parse(JSON.stringify(s.state())));
    expect(copy.state()).toEqual(s.state());
    const x = fakePolicy();
    const y = fakePolicy();
    await s.collect([a, b], rolloutContext(x.policy, { feedback: service, step: 3 }).ctx);
    await copy.collect([a, b], rolloutContext(y.policy, { feedback: service, step: 3 }).ctx);
    expect(y.calls[0]?.requests).toEqual(x.calls[0]?.requests);
    expect(copy.state()).toEqual(s.state());
    expect(() => copy.restore({ version: 1, pool: {} })).toThrow(/lanpo strategy state: abstractionCache/);
    expect(() => copy.restore({ ...s.state(), pool: { version: 1 } })).toThrow(
      /lanpo strategy state: pool: not a LANPO experience pool/,
    );
  });

  it('trainingSetSize cycles a finite set in a fresh order each pass, resumable mid-pass', async () => {
    const set = ['p0', 'p1', 'p2'].map((id) => makeProblem({ id, prompt: `${id}=?\n` }));
    const task = { id: 'fixed', list: (_split: string, n: number) => set.slice(0, n) } as unknown as TaskSource;
    const options = { problems: { trainingSetSize: 3 }, reflectionShare: 1 };
    const s = strategy(options, task);
    const drawn: string[] = [];
    const given = [makeProblem({ id: 'fresh-1' }), makeProblem({ id: 'fresh-2' })];
    let saved: unknown;
    for (let step = 1; step <= 3; step++) {
      const { groups } = await s.collect(given, rolloutContext(fakePolicy().policy, { step, groupSize: 2 }).ctx);
      drawn.push(...groups.map((g) => g.problem.id));
      if (step === 1) saved = JSON.parse(JSON.stringify(s.state()));
    }
    expect(drawn.slice(0, 3).sort()).toEqual(['p0', 'p1', 'p2']);
    expect(drawn.slice(3).sort()).toEqual(['p0', 'p1', 'p2']);
    const resumed = strategy(options, task);
    resumed.restore(saved);
    const again: string[] = [];
    for (let step = 2; step <= 3; step++) {
      const { groups } = await resumed.collect(given, rolloutContext(fakePolicy().policy, { step, groupSize: 2 }).ctx);
      again.push(...groups.map((g) => g.problem.id));
    }
    expect(again).toEqual(drawn.slice(2));
  });

  it('replayFraction swaps some of the step problems for pool problems not already in the batch', async () => {
    const s = strategy({ problems: { replayFraction: 0.5 }, reflectionShare: 1 });
    const { policy } = fakePolicy();
    await s.collect([a, b], rolloutContext(policy).ctx);
    const fresh = ['f1', 'f2', 'f3', 'f4'].map((id) => makeProblem({ id }));
    const { ctx, counts } = rolloutContext(policy, { step: 2 });
    const { groups } = await s.collect(fresh, ctx);
    const ids = groups.map((g) => g.problem.id);
    expect(ids.slice(2)).toEqual(['f3', 'f4']);
    expect(ids.slice(0, 2).sort()).toEqual(['a', 'b']);
    expect(counts.get('lanpo/replayed')).toBe(2);
    expect(groups[0]?.rollouts.some((r) => r.contextKind === 'reflection')).toBe(true);
  });

  it('refuses abstraction without a provider that answers it, naming the fix; reflection only needs none', async () => {
    const { service } = scriptedFeedback(() => 1, '', ['critique']);
    await expect(new LanpoRolloutStrategy({}, undefined, undefined, service).init()).rejects.toThrow(
      /rollout\.options\.abstraction: no configured feedback provider answers 'relevance'.*math-verifier.*reflectionShare: 1/,
    );
    await expect(new LanpoRolloutStrategy({ reflectionShare: 1 }, undefined, undefined, service).init()).resolves.toBeUndefined();
    expect(() => strategy({ awareFraction: 2 })).toThrow(/awareFraction/);
  });
});

describe('LanpoRolloutStrategy stripContext', () => {
  /** solvesA's policy plus encodePrompt and a logProbs that encodes the prompt length it was given. */
  function scoringPolicy() {
    const base = solvesA();
    const scored: (readonly number[])[] = [];
    const policy = Object.assign(base.policy, {
      encodePrompt: (prompt: string) => Array.from(prompt, (c) => c.charCodeAt(0)),
      logProbs: (batch: { promptIds: readonly (readonly number[])[]; completionIds: readonly (readonly number[])[] }) => {
        scored.push(...batch.promptIds);
        const rows = batch.promptIds.map((p, i) => (batch.completionIds[i] ?? []).map(() => -p.length / 100));
        return { logProbs: { arraySync: () => rows, dispose: () => {} }, mask: { dispose: () => {} } };
      },
    });
    return { ...base, policy, scored };
  }

  it('off (default): feedback-aware samples keep the prompt that produced them and the sampled log-probs', async () => {
    const { policy, scored } = scoringPolicy();
    const s = strategy({ reflectionShare: 1 });
    await s.collect([a], rolloutContext(policy).ctx);
    const { groups } = await s.collect([a], rolloutContext(policy, { step: 2 }).ctx);
    const aware = groups[0]?.rollouts.filter((r) => r.contextKind === 'reflection') ?? [];
    expect(aware).toHaveLength(4);
    for (const r of aware) expect(String.fromCharCode(...r.promptIds)).toBe(`${r.context}${a.prompt}`);
    expect(scored).toEqual([]);
  });

  it('on: feedback-aware samples train under the bare prompt, log-probs recomputed under it', async () => {
    const { policy, scored } = scoringPolicy();
    const s = strategy({ reflectionShare: 1, stripContext: true });
    await s.collect([a], rolloutContext(policy).ctx);
    const { groups } = await s.collect([a], rolloutContext(policy, { step: 2 }).ctx);
    const rollouts = groups[0]?.rollouts ?? [];
    const bare = Array.from(a.prompt, (c) => c.charCodeAt(0));
    expect(scored).toEqual(Array(4).fill(bare));
    for (const r of rollouts.filter((x) => x.contextKind === 'reflection')) {
      expect(r.promptIds).toEqual(bare);
      expect(r.behaviourLogProbs).toEqual([-bare.length / 100, -bare.length / 100]);
      expect(r.context?.startsWith('Attempt 1:')).toBe(true);
    }
    for (const r of rollouts.filter((x) => x.contextKind === 'none')) expect(r.behaviourLogProbs[0]).toBeLessThanOrEqual(-0.5);
  });
});
