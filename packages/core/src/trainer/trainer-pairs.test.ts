import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { injectable } from 'inversify';
import { beforeAll, describe, expect, it } from 'vitest';
import { corePlugin } from '../builtin/core-plugin';
import type { LossTerm, LossTermInput } from '../objective/loss-term';
import { pairPreferenceLoss } from '../objective/pair-preference-loss';
import { catalogModule } from '../plugin/catalog';
import { composeContainer } from '../plugin/compose-container';
import { CORE_API_VERSION, definePlugin, type PluginManifest } from '../plugin/define-plugin';
import type { LossWithMetrics } from '../policy/policy';
import type { Problem } from '../records/problem';
import type { RolloutPair } from '../records/rollout';
import { GroupRolloutStrategy } from '../rollout/group-rollout-strategy';
import type { CollectedRollouts, RolloutContext, RolloutStrategy } from '../rollout/rollout-strategy';
import { createTrainer } from './create-trainer';
import { RunDirectory } from './run-directory';
import { sayAExperiment } from './test-support/say-a-experiment';
import { trainerTestPlugin } from './test-support/test-plugin';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * Plain groups, then per group: its best-rewarded rollout becomes the chosen side and its worst
 * the rejected side of a pair, both pair-only; it counts its collects in a checkpointed state.
 */
@injectable()
class PairingStrategy implements RolloutStrategy {
  readonly id = 'pairing';
  private collects = 0;
  async collect(problems: readonly Problem[], ctx: RolloutContext): Promise<CollectedRollouts> {
    const { groups } = await new GroupRolloutStrategy().collect(problems, ctx);
    const pairs: RolloutPair[] = [];
    for (const g of groups) {
      await ctx.score(g.problem, g.rollouts);
      const sorted = [...g.rollouts].sort((a, b) => b.reward - a.reward);
      const [best, worst] = [sorted[0], sorted[sorted.length - 1]];
      if (!best || !worst || best.reward === worst.reward) continue;
      best.policyGradient = false;
      worst.policyGradient = false;
      pairs.push({ chosen: best.id, rejected: worst.id, kind: 'pref' });
    }
    this.collects++;
    ctx.metric('pairing/collects', this.collects);
    return { groups, pairs };
  }
  state(): unknown {
    return { collects: this.collects };
  }
  restore(state: unknown): void {
    this.collects = (state as { collects: number }).collects;
  }
}

/** A DPO-style term over the `pref` pairs against the frozen initial policy. */
@injectable()
class PreferenceTerm implements LossTerm {
  readonly id = 'pref';
  readonly requires = ['refLogProbs'] as const;
  compute(input: LossTermInput): LossWithMetrics {
    const pairs = input.pairs.filter((p) => p.pair.kind === 'pref');
    const out = pairPreferenceLoss(
      input.logProbs,
      input.refLogProbs as tf.Tensor2D,
      input.mask,
      { chosen: pairs.map((p) => p.chosen), rejected: pairs.map((p) => p.rejected) },
      { tau: 1, margin: 0, norm: 'mean', weight: 0.5 },
    );
    return { loss: out.loss, metrics: { pairs: out.pairs, delta_mean: out.deltaMean } };
  }
}

const pairsPlugin = definePlugin({
  id: 'pairs-test',
  packageName: '@test/pairs',
  version: '0.0.0',
  coreApi: CORE_API_VERSION,
  provides: { rollout: ['pairing'], loss: ['pref'] },
  createModule: () =>
    catalogModule([
      { slot: 'rollout', id: 'pairing', description: '', service: PairingStrategy },
      { slot: 'loss', id: 'pref', description: '', service: PreferenceTerm },
    ]),
});

const manifests = [corePlugin, trainerTestPlugin, pairsPlugin] as PluginManifest[];
const config = () => ({
  ...sayAExperiment({
    steps: 4,
    problemsPerStep: 4,
    groupSize: 4,
    learningRate: 0.1,
    evalEvery: 0,
    minibatchSize: 3,
    keepCheckpoints: 10,
  }),
  rollout: { use: 'pairing' },
  losses: [{ use: 'pref' }],
});
type Line = { kind: string; step: number; values: Record<string, number> };
const steps = (dir: string): Line[] =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line)
    .filter((l) => l.kind === 'step');

async function train(dir: string, resume = false) {
  const exp = await composeContainer(config(), { manifests, loadBuiltins: false });
  const run = resume ? RunDirectory.open(dir) : await RunDirectory.create(dir, JSON.stringify(exp.config));
  const trainer = await createTrainer(exp.container, { run });
  return trainer.train({ resume, onNotice: () => {} });
}

describe('Trainer with pairs, a loss term and strategy state', () => {
  it('trains the loss term on every pair (none dropped), restores the strategy state on resume, and keeps numTensors flat', async () => {
    const ref = join(mkdtempSync(join(tmpdir(), 'trellis-pairs-')), 'ref');
    await train(ref);
    const a = steps(ref);
    expect(a.map((s) => s.step)).toEqual([1, 2, 3, 4]);
    for (const s of a) {
      expect(s.values['update/pairs'], `step ${s.step}`).toBeGreaterThan(0);
      expect(s.values['update/dropped_pairs']).toBe(0);
      expect(s.values['loss/pref/pairs']).toBeGreaterThan(0);
      expect(s.values['loss/pref']).toBeTypeOf('number');
      expect(s.values['loss/pref/delta_mean']).toBeTypeOf('number');
    }
    expect(a.map((s) => s.values['pairing/collects'])).toEqual([1, 2, 3, 4]);
    const tensors = a.map((s) => s.values['memory/num_tensors']);
    expect(tensors[3]).toBe(tensors[1]);

    // Lose steps 3 and 4 (as a kill after the step-2 checkpoint would), then resume.
    const dir = join(mkdtempSync(join(tmpdir(), 'trellis-pairs-')), 'run');
    cpSync(ref, dir, { recursive: true });
    for (const s of [3, 4]) rmSync(join(dir, 'checkpoints', `step-00000${s}`), { recursive: true });
    rmSync(join(dir, 'checkpoints', 'latest'), { force: true });
    await train(dir, true);
    const events = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
    expect(events).toMatch(/resumed from [^"]*step-000002/);
    const b = steps(dir);
    expect(b.map((s) => s.step)).toEqual([1, 2, 3, 4]);
    expect(b.map((s) => s.values['pairing/collects'])).toEqual([1, 2, 3, 4]);
    a.forEach((s, i) => {
      expect(Math.abs((b[i]?.values['actor/loss'] ?? Number.NaN) - (s.values['actor/loss'] ?? 0)), `step ${s.step}`).toBeLessThan(
        1e-6,
      );
    });
  });
});
