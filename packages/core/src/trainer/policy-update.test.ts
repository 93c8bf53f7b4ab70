import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdvantageEstimator, AdvantageInput, AdvantageOutput } from '../advantage/advantage-estimator';
import { trainerSchema } from '../config/trainer-config';
import type { LossTerm, LossTermInput } from '../objective/loss-term';
import type { ObjectiveInput, PolicyObjective } from '../objective/policy-objective';
import type { LossWithMetrics } from '../policy/policy';
import type { Rollout, RolloutBatch, RolloutPair } from '../records/rollout';
import { Rng } from '../rng/rng';
import { makeRollout } from '../testing/fixtures';
import { MetricAccumulator } from './metric-accumulator';
import { PolicyUpdate, trainableRollouts } from './policy-update';
import { BigramPolicy, TinyTokenizer } from './test-support/bigram-policy';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tokenizer = new TinyTokenizer('abcxyz?');

/** A rollout of the bigram policy's alphabet; `pairOnly` sets `policyGradient: false`. */
function rollout(id: string, groupId: string, reward: number, over: Partial<Rollout> = {}): Rollout {
  const text = over.completionText ?? (reward > 0 ? 'abc' : 'xyz');
  const ids = tokenizer.encode(text);
  return makeRollout(text, {
    id,
    groupId,
    promptIds: [1, ...tokenizer.encode('?')],
    completionIds: ids,
    lossMask: ids.map(() => 1),
    behaviourLogProbs: ids.map(() => -2),
    reward,
    ...over,
  });
}

/** Records what the estimator, the objective and a loss term were given. */
function spies() {
  const seen = {
    estimator: [] as AdvantageInput[],
    objective: [] as number[][][],
    advantages: [] as number[][][],
    terms: [] as string[][][],
  };
  const termMasks: number[][][] = [];
  const estimator: AdvantageEstimator = {
    id: 'spy',
    requires: [],
    estimate(input: AdvantageInput): AdvantageOutput {
      seen.estimator.push(input);
      const mean = input.rewards.reduce((a, b) => a + b, 0) / input.rewards.length;
      return { perSequence: input.rewards.map((r) => r - mean) };
    },
  };
  const objective: PolicyObjective = {
    id: 'spy',
    requires: [],
    compute(input: ObjectiveInput): LossWithMetrics {
      seen.objective.push(input.mask.arraySync() as number[][]);
      seen.advantages.push(input.advantages.arraySync() as number[][]);
      const loss = tf.neg(
        tf.div(tf.sum(tf.mul(tf.mul(input.logProbs, input.advantages), input.mask)), tf.maximum(tf.sum(input.mask), 1)),
      );
      return { loss: loss as tf.Scalar, metrics: {} };
    },
  };
  const term: LossTerm = {
    id: 'pairs',
    requires: [],
    compute(input: LossTermInput): LossWithMetrics {
      seen.terms.push(input.pairs.map((p) => [input.rollouts[p.chosen]?.id as string, input.rollouts[p.rejected]?.id as string]));
      termMasks.push(input.mask.arraySync() as number[][]);
      return { loss: tf.mul(tf.sum(input.logProbs), 0) as tf.Scalar, metrics: {} };
    },
  };
  return { seen, termMasks, estimator, objective, term };
}

/** 8 policy-gradient rollouts in two groups, and 4 pairs over 8 pair-only rollouts. */
function pairedBatch(extraPairs: RolloutPair[] = []): RolloutBatch {
  const pg = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => rollout(`pg${i}`, `g${i % 2}`, i % 3 === 0 ? 1 : 0));
  const chosen = [0, 1, 2, 3].map((i) => rollout(`c${i}`, 'gc', 1, { policyGradient: false }));
  const rejected = [0, 1, 2, 3].map((i) => rollout(`r${i}`, 'gr', 0, { policyGradient: false }));
  return {
    step: 1,
    groups: [
      { id: 'g', problem: undefined as never, rollouts: pg },
      { id: 'gr', problem: undefined as never, rollouts: rejected },
      { id: 'gc', problem: undefined as never, rollouts: chosen },
    ],
    pairs: [...[0, 1, 2, 3].map((i) => ({ chosen: `c${i}`, rejected: `r${i}`, kind: 'test' })), ...extraPairs],
  };
}

function update(parts: ReturnType<typeof spies>, trainer: Record<string, unknown>) {
  const policy = new BigramPolicy(tokenizer, 1);
  return new PolicyUpdate({
    policy,
    reference: undefined,
    estimator: parts.estimator,
    objective: parts.objective,
    lossTerms: [parts.term],
    optimizer: tf.train.sgd(0.01),
    config: trainerSchema.parse(trainer),
  });
}

describe('PolicyUpdate with pairs', () => {
  it('never splits a pair across minibatches: every pair reaches the loss term once per epoch', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const parts = spies();
      const metrics = new MetricAccumulator();
      update(parts, { minibatchSize: 3, ppoEpochs: 2 }).run(pairedBatch(), Rng.fromSeed(seed), metrics);
      const perCall = parts.seen.terms;
      expect(perCall.length).toBeGreaterThan(4);
      const seenPairs = perCall.flat().map(([c, r]) => `${c}>${r}`);
      expect(seenPairs.sort()).toEqual(['c0>r0', 'c0>r0', 'c1>r1', 'c1>r1', 'c2>r2', 'c2>r2', 'c3>r3', 'c3>r3']);
      expect(metrics.values()['update/pairs']).toBe(4);
      expect(metrics.values()['update/dropped_pairs']).toBe(0);
    }
  });

  it('keeps pair-only rollouts out of the estimator and the objective mask, but in the loss terms', () => {
    const parts = spies();
    update(parts, {}).run(pairedBatch(), Rng.fromSeed(1), new MetricAccumulator());
    expect(parts.seen.estimator).toHaveLength(1);
    expect(parts.seen.estimator[0]?.rewards).toHaveLength(8);
    expect(parts.seen.objective).toHaveLength(1);
    // One minibatch of 16 rows: the 8 pair-only rows have an all-zero objective mask and advantage.
    const mask = parts.seen.objective[0] as number[][];
    const termMask = parts.termMasks[0] as number[][];
    const adv = parts.seen.advantages[0] as number[][];
    const rows = mask.map((m, i) => ({
      objective: m.reduce((a, b) => a + b, 0),
      term: termMask[i]?.reduce((a, b) => a + b, 0),
      adv: adv[i],
    }));
    expect(rows.filter((r) => r.objective === 0)).toHaveLength(8);
    expect(rows.every((r) => r.term === 3)).toBe(true);
    for (const r of rows) if (r.objective === 0) expect(r.adv?.every((v) => v === 0)).toBe(true);
  });

  it('counts dropped pairs and does not train a pair-only rollout that is in no pair', () => {
    const batch = pairedBatch([{ chosen: 'c0', rejected: 'missing', kind: 'test' }]);
    batch.groups[2]?.rollouts.push(rollout('lonely', 'gc', 1, { policyGradient: false }));
    const { rollouts, pairs, dropped } = trainableRollouts(batch);
    expect(dropped).toBe(1);
    expect(pairs).toHaveLength(4);
    expect(rollouts.map((r) => r.id)).not.toContain('lonely');
    expect(rollouts).toHaveLength(16);
    const metrics = new MetricAccumulator();
    update(spies(), {}).run(batch, Rng.fromSeed(1), metrics);
    expect(metrics.values()['update/dropped_pairs']).toBe(1);
  });

  it('without pairs, minibatches are plain chunks of minibatchSize and no pair metrics are logged', () => {
    const batch = pairedBatch();
    batch.groups = batch.groups.slice(0, 1);
    batch.pairs = [];
    const parts = spies();
    const metrics = new MetricAccumulator();
    update(parts, { minibatchSize: 3 }).run(batch, Rng.fromSeed(9), metrics);
    expect(parts.seen.objective.map((m) => m.length)).toEqual([3, 3, 2]);
    expect(metrics.values()['update/pairs']).toBeUndefined();
  });
});
