import { feedbackRequest } from '@trellis/core';
import { describeFeedbackConformance, makeProblem } from '@trellis/core/testing';
import { OpenaiFeedback, openaiFeedbackOptions } from '@trellis/feedback-openai';
import { CharTokenizer, createPolicy, initBackend, type TfjsPolicy } from '@trellis/policy-tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './start-server';
import { gatedPolicy } from './test-support';

// The openai provider against real `trellis serve` instances over HTTP: one that answers (a tiny
// random model with a long context, so the prompts fit) and one whose model never returns.
let policy: TfjsPolicy;
let live: RunningServer;
let stalled: RunningServer;
let gate: ReturnType<typeof gatedPolicy>;

beforeAll(async () => {
  await initBackend('wasm');
  policy = createPolicy({ dModel: 32, nLayers: 1, nHeads: 2, maxContext: 2048 }, new CharTokenizer(), { seed: 9, workers: 0 });
  live = await startServer({ policy, modelId: 'teacher' });
  gate = gatedPolicy(policy);
  stalled = await startServer({ policy: gate, modelId: 'teacher' });
});

afterAll(async () => {
  await live?.close();
  gate?.open();
  await stalled?.close();
  policy?.dispose();
});

const provider = (url: string) =>
  new OpenaiFeedback(
    openaiFeedbackOptions.parse({
      baseURL: `${url}/v1`,
      model: 'teacher',
      maxTokens: 12,
      // A random model writes no relevance scores; the parse path is tested with the policy provider.
      kinds: ['critique', 'merge', 'reflection', 'abstraction'],
    }),
  );

const cases = [
  { problem: makeProblem({ id: 'a1', question: 'What is 12+7*3?', answer: '33' }), attempts: ['12+7=19\n19*3=57\n\\boxed{57}'] },
  {
    problem: makeProblem({ id: 'w1', question: 'Tom has 24 apples and buys 6 more. How many now?', answer: '30' }),
    attempts: ['24+6=31\n\\boxed{31}'],
  },
];

describeFeedbackConformance('openai against trellis serve', {
  create: () => provider(live.url),
  cases,
  hanging: () => provider(stalled.url),
});

describe('openai feedback against trellis serve', () => {
  it('gets the generated text back over real HTTP', async () => {
    const out = await provider(live.url).provide(feedbackRequest(cases[0]!.problem, 'critique', { attempts: [{ text: '57' }] }));
    expect(out.kind).toBe('critique');
    expect(out.text.length).toBeGreaterThan(0);
    expect(live.stats().requests).toBeGreaterThan(0);
  });
});
