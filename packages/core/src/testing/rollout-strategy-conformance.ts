import { describe, expect, it } from 'vitest';
import type { ConfiguredFeedback } from '../feedback/configured-feedback';
import type { FeedbackProvider } from '../feedback/feedback-provider';
import { FeedbackService } from '../feedback/feedback-service';
import type { Problem } from '../records/problem';
import type { Rollout } from '../records/rollout';
import { Rng } from '../rng/rng';
import type { CollectedRollouts, RolloutContext, RolloutStrategy } from '../rollout/rollout-strategy';
import { makeProblem } from './fixtures';
import { type ConformanceSubject, itIsBuiltFromItsManifest, subjectFactory } from './plugin-under-test';
import { ScriptedGenerationPolicy, type ScriptedReplyInput } from './scripted-generation-policy';

/** What {@link describeRolloutStrategyConformance} tests, and the world it runs the strategy in. */
export type RolloutStrategyConformanceOptions = ConformanceSubject<RolloutStrategy> & {
  /** Problems of each `collect` call (default: four `a + b` problems). */
  readonly problems?: readonly Problem[];
  /**
   * The scripted policy's reply to a request (default: every other request per call answers the
   * gold answer of the problem whose prompt the request contains, the rest answer `0`).
   */
  readonly reply?: (input: ScriptedReplyInput, problems: readonly Problem[]) => string;
  /** Reward components of a rollout (default: `{ [accuracyReward]: 1 if the completion contains the answer }`). */
  readonly score?: (problem: Problem, rollout: Rollout) => Record<string, number>;
  /** The accuracy reward's name in the default `score` (default `math-accuracy`). */
  readonly accuracyReward?: string;
  /** Feedback providers behind `context.feedback` (default: none), served with short timeouts. */
  readonly feedback?: readonly { readonly name: string; readonly provider: FeedbackProvider }[];
  /** Samples per problem (default 4). */
  readonly groupSize?: number;
};

const defaultProblems = (): Problem[] =>
  [
    [2, 3],
    [4, 4],
    [7, 1],
    [9, 9],
  ].map(([a, b], i) =>
    makeProblem({
      id: `p${i}`,
      question: `${a} + ${b}`,
      prompt: `Q${i}: ${a} + ${b} =`,
      answer: String((a as number) + (b as number)),
    }),
  );

const defaultReply = ({ request, index }: ScriptedReplyInput, problems: readonly Problem[]): string => {
  const problem = problems.find((p) => request.prompt.includes(p.prompt));
  return index % 2 === 0 && problem ? ` ${problem.answer}` : ' 0';
};

/**
 * Contract every RolloutStrategy must meet, tested on the strategy as a run builds it (from the
 * plugin's manifest, through the container) with a scripted policy: well-formed groups (unique ids
 * under `idPrefix`, group and problem ids that match, per-token arrays of one length, 0/1 masks
 * with every prefilled token masked out, `completionText` = the generated text without the
 * prefill, prompt ids exactly as the policy encoded the prompt), pairs that name two distinct
 * rollouts of the output, pair-only rollouts that are in a pair, the problems left unmutated,
 * determinism, and a `state()` that survives JSON and `restore` (the next step then collects the
 * same as without the restart).
 */
export function describeRolloutStrategyConformance(name: string, options: RolloutStrategyConformanceOptions): void {
  const create = subjectFactory(options, 'rollout');
  const problems = options.problems ?? defaultProblems();
  const accuracy = options.accuracyReward ?? 'math-accuracy';
  const score = options.score ?? ((p: Problem, r: Rollout) => ({ [accuracy]: r.completionText.includes(p.answer) ? 1 : 0 }));
  const reply = options.reply ?? defaultReply;

  const run = async (strategy: RolloutStrategy, step: number) => {
    const policy = new ScriptedGenerationPolicy((input) => reply(input, problems));
    const configured: ConfiguredFeedback[] = (options.feedback ?? []).map((f) => ({
      ...f,
      timeoutMs: 2000,
      retries: 0,
      backoffMs: 1,
      maxBackoffMs: 1,
      concurrency: 4,
      cacheSize: 0,
      onLeak: 'redact' as const,
    }));
    const scored = new Set<Rollout>();
    const ctx: RolloutContext = {
      step,
      idPrefix: `s${step}c0:`,
      policy,
      sampling: { temperature: 1, maxNewTokens: 24, seed: 7 + step },
      groupSize: options.groupSize ?? 4,
      rng: Rng.fromSeed(11).split(String(step)),
      feedback: new FeedbackService(configured),
      score: async (problem, rollouts) => {
        for (const r of rollouts) {
          r.rewardComponents = score(problem, r);
          r.reward = Object.values(r.rewardComponents).reduce((a, b) => a + b, 0);
          scored.add(r);
        }
      },
      metric: () => {},
      count: () => {},
    };
    const out = await strategy.collect(problems, ctx);
    return { out, policy, ctx };
  };
  const summary = (out: CollectedRollouts) =>
    JSON.stringify({
      groups: out.groups.map((g) => ({ id: g.id, problem: g.problem.id, rollouts: g.rollouts.map((r) => ({ ...r })) })),
      pairs: out.pairs ?? [],
    });

  describe(`RolloutStrategy conformance: ${name}`, () => {
    itIsBuiltFromItsManifest(options, 'rollout', create);

    it('has a non-empty id and returns well-formed groups', async () => {
      const strategy = await create();
      expect(strategy.id.length).toBeGreaterThan(0);
      const { out, policy, ctx } = await run(strategy, 1);
      const prompts = new Set(policy.calls.flatMap((c) => c.requests.map((r) => JSON.stringify(policy.encodePrompt(r.prompt)))));
      const groupIds = out.groups.map((g) => g.id);
      expect(new Set(groupIds).size, 'group ids are unique').toBe(groupIds.length);
      const rollouts = out.groups.flatMap((g) => g.rollouts);
      expect(new Set(rollouts.map((r) => r.id)).size, 'rollout ids are unique').toBe(rollouts.length);
      for (const g of out.groups) {
        expect(g.id.startsWith(ctx.idPrefix), `group id ${g.id} starts with the idPrefix`).toBe(true);
        expect(problems).toContain(g.problem);
        for (const r of g.rollouts) {
          const what = `rollout ${r.id}`;
          expect(r.id.startsWith(ctx.idPrefix), `${what}: id starts with the idPrefix`).toBe(true);
          expect(r.groupId, `${what}: groupId`).toBe(g.id);
          expect(r.problemId, `${what}: problemId`).toBe(g.problem.id);
          expect(r.lossMask, `${what}: lossMask length`).toHaveLength(r.completionIds.length);
          expect(r.behaviourLogProbs, `${what}: behaviourLogProbs length`).toHaveLength(r.completionIds.length);
          expect(
            r.lossMask.every((m) => m === 0 || m === 1),
            `${what}: mask is 0/1`,
          ).toBe(true);
          const n = r.prefillLength ?? 0;
          expect(
            r.lossMask.slice(0, n).every((m) => m === 0),
            `${what}: prefilled tokens are masked out`,
          ).toBe(true);
          expect(policy.tokenizer.decode(r.completionIds.slice(n)), `${what}: completionText is the generated text`).toBe(
            r.completionText,
          );
          if (n > 0) expect(policy.tokenizer.decode(r.completionIds.slice(0, n)), `${what}: prefill`).toBe(r.prefill);
          expect(prompts.has(JSON.stringify(r.promptIds)), `${what}: promptIds are a prompt the policy was given`).toBe(true);
          expect(Number.isFinite(r.temperature) && r.temperature > 0, `${what}: temperature`).toBe(true);
        }
      }
    });

    it('forms pairs of two distinct rollouts of its output; every pair-only rollout is in a pair', async () => {
      const { out } = await run(await create(), 1);
      const rollouts = out.groups.flatMap((g) => g.rollouts);
      const ids = new Set(rollouts.map((r) => r.id));
      const paired = new Set<string>();
      for (const p of out.pairs ?? []) {
        expect(ids.has(p.chosen), `pair chosen ${p.chosen} is in the output`).toBe(true);
        expect(ids.has(p.rejected), `pair rejected ${p.rejected} is in the output`).toBe(true);
        expect(p.chosen).not.toBe(p.rejected);
        expect(p.kind.length).toBeGreaterThan(0);
        paired.add(p.chosen);
        paired.add(p.rejected);
      }
      for (const r of rollouts)
        if (r.policyGradient === false) expect(paired.has(r.id), `pair-only ${r.id} is in a pair`).toBe(true);
    });

    it('does not mutate the problems and is deterministic', async () => {
      const before = JSON.stringify(problems);
      const a = await run(await create(), 1);
      const b = await run(await create(), 1);
      expect(JSON.stringify(problems)).toBe(before);
      expect(summary(b.out)).toBe(summary(a.out));
    });

    it('saves a JSON state that restore() takes back, and then collects as if never restarted', async () => {
      const first = await create();
      await run(first, 1);
      const saved = JSON.parse(JSON.stringify(first.state?.() ?? null));
      const next = await run(first, 2);
      const restored = await create();
      if (saved !== null) {
        expect(typeof restored.restore, 'a strategy with state() has restore()').toBe('function');
        restored.restore?.(saved);
        expect(JSON.parse(JSON.stringify(restored.state?.() ?? null))).toEqual(saved);
      }
      const again = await run(restored, 2);
      expect(summary(again.out)).toBe(summary(next.out));
    });
  });
}
