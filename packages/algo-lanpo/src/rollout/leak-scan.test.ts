import { FeedbackService, type Problem, Rng, type Rollout } from '@trellis/core';
import { makeProblem } from '@trellis/core/testing';
import { describe, expect, it } from 'vitest';
import { fakePolicy, rolloutContext, SCRIPTED_ENTRY } from '../test-support/fakes';
import { LanpoRolloutStrategy } from './lanpo-rollout-strategy';

// Issue 11 item 6 at the strategy level: 50 steps of mixed groups over a recurring training set,
// with a provider that writes the target's gold answer into its abstraction (the guarded service
// must redact it). Every prompt shown to the policy is scanned once the model's own attempts (its
// own text, shown unlabelled) are taken out: no reward value, no verdict wording, no gold answer.
const problems: Problem[] = [
  ['7+8*2', '23'],
  ['(4+5)*3', '27'],
  ['9*9-4', '77'],
  ['12+7*3', '33'],
  ['6*38+66', '294'],
  ['45-9*4', '9'],
].map(([q, answer], i) => makeProblem({ id: `p${i}`, question: q, prompt: `${q}=?\n`, answer }));

describe('LANPO contexts over a 50-step run: no reward, verdict or gold answer', () => {
  it('scans every prompt of every step', async () => {
    const outputs = new Set<string>();
    // Right (the gold answer, boxed) or wrong, by a seeded coin per request.
    const coin = Rng.fromSeed(4);
    const { policy, calls } = fakePolicy((req) => {
      const p = problems.find((x) => req.prompt.endsWith(x.prompt)) as Problem;
      const text = coin.next() < 0.4 ? `${p.question}\n\\boxed{${p.answer}}` : `${p.question}\n\\boxed{${Number(p.answer) + 1}}`;
      outputs.add(text);
      return text;
    });
    // A provider that writes the target's gold answer into every abstraction.
    const feedback = new FeedbackService([
      {
        name: 'gold',
        provider: {
          id: 'gold',
          kinds: ['relevance', 'abstraction'],
          provide: async (request) =>
            request.kind === 'relevance'
              ? { kind: 'relevance', text: '', score: 1 }
              : {
                  kind: 'abstraction',
                  text: `Principles:\n- the answer is ${problems.find((p) => p.id === request.problem.id)?.answer}`,
                },
        },
        ...SCRIPTED_ENTRY,
      },
    ]);
    const score = async (problem: Problem, rollouts: Rollout[]) => {
      for (const r of rollouts) r.reward = r.completionText.endsWith(`\\boxed{${problem.answer}}`) ? 1 : 0;
    };
    const strategy = new LanpoRolloutStrategy(
      { awareFraction: 0.75, problems: { trainingSetSize: problems.length }, abstraction: { cacheSteps: 0 } },
      { id: 'fixed', list: () => problems } as never,
      Rng.fromSeed(2),
    );
    for (let step = 1; step <= 50; step++) {
      await strategy.collect(problems.slice(0, 2), rolloutContext(policy, { step, feedback, score }).ctx);
    }
    let aware = 0;
    let principles = 0;
    for (const request of calls.flatMap((c) => c.requests)) {
      const problem = problems.find((p) => request.prompt.endsWith(p.prompt)) as Problem;
      let rest = request.prompt.slice(0, -problem.prompt.length);
      if (rest !== '') aware++;
      if (rest.includes('Principles:')) principles++;
      for (const own of outputs) rest = rest.split(own).join('');
      expect(rest).not.toMatch(/reward|score|correct|incorrect|wrong|verdict|\d\.\d/i);
      expect(rest).not.toMatch(new RegExp(`(?<![0-9])${problem.answer}(?![0-9])`));
    }
    expect(aware).toBeGreaterThan(200);
    expect(principles).toBeGreaterThan(50);
  });
});
