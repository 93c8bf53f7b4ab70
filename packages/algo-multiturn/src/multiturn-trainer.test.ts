import {
  CORE_API_VERSION,
  catalogModule,
  composeContainer,
  corePlugin,
  createTrainer,
  definePlugin,
  injectable,
  type PluginManifest,
  type Reward,
  type RewardInput,
  type RewardOutput,
} from '@trellis/core';
import { ensureTfBackend } from '@trellis/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import multiturnPlugin from './index';

beforeAll(ensureTfBackend);

/** Solved exactly when the sample was regenerated under feedback: every prompt triggers, every regeneration pairs. */
@injectable()
class RegenSolves implements Reward {
  readonly id = 'regen-solves';
  score({ rollout }: RewardInput): RewardOutput {
    return { score: rollout.contextKind === 'feedback' ? 1 : 0 };
  }
}

const testPlugin = definePlugin({
  id: 'multiturn-trainer-test',
  packageName: '@test/multiturn-trainer',
  version: '0.0.0',
  coreApi: CORE_API_VERSION,
  provides: { reward: ['regen-solves'] },
  createModule: () => catalogModule([{ slot: 'reward', id: 'regen-solves', description: '', service: RegenSolves }]),
});

describe('multiturn + fco through the core trainer (tiny transformer, math-verifier feedback)', () => {
  it('forms pairs every step, trains FCO on all of them (none dropped) and keeps numTensors flat', async () => {
    const config = {
      seed: 2,
      policy: {
        use: 'transformer',
        options: { backend: 'cpu', seed: 5, model: { dModel: 16, nLayers: 1, nHeads: 2, maxContext: 384 } },
      },
      task: { use: 'arithmetic' },
      rollout: { use: 'multiturn', options: { turns: 1 } },
      advantage: { use: 'grpo' },
      rewards: [{ use: 'regen-solves' }],
      feedback: [{ use: 'math-verifier', options: { format: 'compact' } }],
      losses: [{ use: 'fco', options: { tau: 1, weight: 1 } }],
      trainer: {
        steps: 3,
        problemsPerStep: 2,
        groupSize: 2,
        learningRate: 0.01,
        evalEvery: 0,
        evalProblems: 1,
        accuracyReward: 'regen-solves',
        sampling: { maxNewTokens: 6 },
      },
    };
    // The workspace plugins this test composes with, loaded by name as the runner's built-ins are
    // (this package depends on none of them).
    const load = (name: string) => () => import(/* @vite-ignore */ `@trellis/${name}`) as Promise<{ default: PluginManifest }>;
    const builtins = { 'policy-tfjs': load('policy-tfjs'), 'rewards-math': load('rewards-math'), 'algo-grpo': load('algo-grpo') };
    const manifests = [corePlugin, multiturnPlugin, testPlugin] as PluginManifest[];
    const exp = await composeContainer(config, { manifests, builtins });
    const records: { kind: string; step: number; values: Record<string, number> }[] = [];
    const trainer = await createTrainer(exp.container, { sinks: [{ id: 'memory', write: (r) => void records.push(r) }] });
    await trainer.train();
    const steps = records.filter((r) => r.kind === 'step');
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3]);
    for (const s of steps) {
      const v = s.values;
      expect(v['multiturn/trigger_rate'], `step ${s.step}`).toBe(1);
      expect(v['multiturn/solve_rate/turn1']).toBe(1);
      expect(v['multiturn/pairs']).toBe(4);
      expect(v['update/pairs']).toBe(4);
      expect(v['update/dropped_pairs']).toBe(0);
      expect(v['loss/fco/pairs']).toBe(4);
      expect(v['multiturn/feedback_calls']).toBeGreaterThan(0);
      expect(v['multiturn/feedback_leaks']).toBe(0);
      expect(v['loss/fco/fco_loss']).toBeTypeOf('number');
    }
    // Step 1 trains the policy that is still the reference: Delta = 0, loss = log 2.
    expect(steps[0]?.values['loss/fco/delta_mean']).toBeCloseTo(0, 4);
    expect(steps[0]?.values['loss/fco/fco_loss']).toBeCloseTo(Math.LN2, 4);
    // Later steps have moved away from the reference, towards the chosen answers.
    expect(Math.abs(steps[2]?.values['loss/fco/delta_mean'] ?? 0)).toBeGreaterThan(0);
    expect(steps[2]?.values['memory/num_tensors']).toBe(steps[1]?.values['memory/num_tensors']);
  });
});
