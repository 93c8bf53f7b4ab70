import * as tf from '@tensorflow/tfjs-core';
import type { AdvantageEstimator } from '../advantage/advantage-estimator';
import type { TrainerConfig } from '../config/trainer-config';
import type { LossTerm } from '../objective/loss-term';
import type { PolicyObjective } from '../objective/policy-objective';
import { shapeRewardsWithKl } from '../objective/reward-kl';
import type { Policy } from '../policy/policy';
import { batchRollouts, type Rollout, type RolloutBatch } from '../records/rollout';
import type { Rng } from '../rng/rng';
import type { MetricAccumulator } from './metric-accumulator';
import { clipAndApply } from './optimizer-step';
import {
  advantageRows,
  buildAdvantageInput,
  byTemperature,
  maxCompletionLength,
  paddedTensor,
  scoreLogProbs,
  temperatureRuns,
} from './rollout-tensors';

/** What the update phase needs. */
export interface PolicyUpdateDeps {
  readonly policy: Policy;
  /** Frozen initial policy; required when anything declares `refLogProbs`. */
  readonly reference: Policy | undefined;
  readonly estimator: AdvantageEstimator;
  readonly objective: PolicyObjective;
  readonly lossTerms: readonly LossTerm[];
  readonly optimizer: tf.Optimizer;
  readonly config: TrainerConfig;
}

/** Result of one step's update. */
export interface UpdateResult {
  /** Minibatch updates skipped because the loss or gradient norm was NaN/Inf. */
  readonly nonFinite: number;
  readonly applied: number;
  /** Trained (unmasked) completion tokens, counted once per step. */
  readonly trainedTokens: number;
}

/** True when any part of the update needs reference-policy log-probs. */
export function needsReference(deps: Pick<PolicyUpdateDeps, 'estimator' | 'objective' | 'lossTerms'>): boolean {
  return (
    deps.estimator.requires.includes('refLogProbs') ||
    deps.objective.requires.includes('refLogProbs') ||
    deps.objective.rewardKl !== undefined ||
    deps.lossTerms.some((t) => t.requires.includes('refLogProbs'))
  );
}

/**
 * The update phase of a step: old (and, if required, reference) log-probs once, advantages, then
 * PPO epochs over shuffled minibatches of objective + extra loss terms, each followed by a clipped
 * optimizer step. NaN/Inf losses or gradients skip that minibatch's update.
 */
export class PolicyUpdate {
  private readonly withRef: boolean;

  constructor(private readonly deps: PolicyUpdateDeps) {
    this.withRef = needsReference(deps);
    if (this.withRef && !deps.reference) throw new Error('a reference policy is required but none was given');
  }

  run(batch: RolloutBatch, rng: Rng, metrics: MetricAccumulator): UpdateResult {
    const { policy, reference, estimator, config } = this.deps;
    const rollouts = batchRollouts(batch).filter((r) => r.completionIds.length > 0);
    const trainedTokens = rollouts.reduce((a, r) => a + r.lossMask.reduce((x, y) => x + y, 0), 0);
    if (rollouts.length === 0) return { nonFinite: 0, applied: 0, trainedTokens };
    const chunk = config.minibatchSize > 0 ? config.minibatchSize : 64;
    const size = config.minibatchSize > 0 ? config.minibatchSize : rollouts.length;
    // With one epoch over one minibatch the policy being trained is the one that sampled, so the
    // behaviour log-probs (equal to a recomputation within float32 rounding) serve as old log-probs.
    const onPolicy =
      config.oldLogProbs === 'behaviour' || (config.oldLogProbs === 'auto' && config.ppoEpochs === 1 && size >= rollouts.length);
    const old = onPolicy ? rollouts.map((r) => [...r.behaviourLogProbs]) : scoreLogProbs(policy, rollouts, chunk);
    const ref = this.withRef && reference ? scoreLogProbs(reference, rollouts, chunk) : undefined;
    const rewardKl = this.deps.objective.rewardKl;
    const shaping =
      rewardKl && ref
        ? shapeRewardsWithKl(
            rollouts.map((r) => r.reward),
            old,
            ref,
            rollouts.map((r) => r.lossMask),
            rewardKl,
          )
        : undefined;
    if (shaping) {
      metrics.add('reward/kl', shaping.meanKl);
      metrics.add(
        'reward/kl_penalty',
        shaping.penalty.reduce((a, row) => a + row.reduce((x, y) => x + y, 0), 0) / rollouts.length,
      );
    }
    const advOut = estimator.estimate(buildAdvantageInput(rollouts, estimator.requires, old, ref, shaping));
    const adv = advantageRows(advOut, rollouts);
    for (const [k, v] of Object.entries(advOut.metrics ?? {})) metrics.add(`advantage/${k}`, v);
    const flat = adv.flatMap((row, i) => row.filter((_, t) => rollouts[i]?.lossMask[t]));
    if (flat.length) metrics.add('advantage/abs_mean', flat.reduce((a, v) => a + Math.abs(v), 0) / flat.length);

    const ids = new Map(rollouts.map((r, i) => [r.id, i]));
    let nonFinite = 0;
    let applied = 0;
    for (let epoch = 0; epoch < config.ppoEpochs; epoch++) {
      const order = rng.shuffle(rollouts.map((_, i) => i));
      for (let s = 0; s < order.length; s += size) {
        const rows = byTemperature(rollouts, order.slice(s, s + size));
        const ok = this.minibatch(rows, rollouts, old, ref, adv, batch, ids, metrics);
        if (ok) applied++;
        else nonFinite++;
      }
    }
    return { nonFinite, applied, trainedTokens };
  }

  private minibatch(
    rows: readonly number[],
    all: readonly Rollout[],
    old: readonly number[][],
    ref: readonly number[][] | undefined,
    adv: readonly number[][],
    batch: RolloutBatch,
    ids: ReadonlyMap<string, number>,
    metrics: MetricAccumulator,
  ): boolean {
    const { policy, objective, lossTerms, optimizer, config } = this.deps;
    const part = rows.map((i) => all[i] as Rollout);
    const pick = (m: readonly number[][]) => rows.map((i) => m[i] as number[]);
    const width = maxCompletionLength(part);
    const position = new Map(rows.map((r, k) => [r, k]));
    const pairs = batch.pairs.flatMap((pair) => {
      const c = position.get(ids.get(pair.chosen) ?? -1);
      const r = position.get(ids.get(pair.rejected) ?? -1);
      return c === undefined || r === undefined ? [] : [{ chosen: c, rejected: r, pair }];
    });
    const kept: Record<string, tf.Scalar> = {};
    const inputs = {
      oldLogProbs: paddedTensor(pick(old), width),
      refLogProbs: ref ? paddedTensor(pick(ref), width) : undefined,
      advantages: paddedTensor(pick(adv as number[][]), width),
      mask: paddedTensor(
        part.map((r) => r.lossMask),
        width,
      ),
      rows: tf.range(0, part.length, 1, 'int32') as tf.Tensor1D,
    };
    try {
      const { value, grads } = tf.variableGrads(() => {
        const { logProbs, entropy } = minibatchLogProbs(policy, part, width);
        const main = objective.compute({ ...inputs, logProbs, ...(entropy ? { entropy } : {}) });
        for (const [k, m] of Object.entries(main.metrics)) kept[`actor/${k}`] = tf.keep(m);
        let loss = main.loss;
        for (const term of lossTerms) {
          const out = term.compute({
            rollouts: part,
            logProbs,
            mask: inputs.mask,
            refLogProbs: inputs.refLogProbs,
            pairs,
            rows: inputs.rows,
          });
          for (const [k, m] of Object.entries(out.metrics)) kept[`loss/${term.id}/${k}`] = tf.keep(m);
          kept[`loss/${term.id}`] = tf.keep(out.loss);
          loss = tf.add(loss, out.loss) as tf.Scalar;
        }
        return loss;
      }, policy.trainableVariables());
      // Read the metrics before freeing the loss: an objective may report the loss tensor itself
      // as a metric (e.g. pg_loss when no KL or entropy term is added).
      const lossValue = value.dataSync()[0] as number;
      for (const [k, m] of Object.entries(kept)) metrics.add(k, m.dataSync()[0] as number);
      value.dispose();
      if (!Number.isFinite(lossValue)) {
        tf.dispose(Object.values(grads));
        return false;
      }
      metrics.add('actor/loss', lossValue);
      const step = clipAndApply(optimizer, grads, config.maxGradNorm);
      metrics.add('actor/grad_norm', step.gradNorm);
      return step.applied;
    } finally {
      tf.dispose(Object.values(kept));
      tf.dispose([inputs.oldLogProbs, inputs.advantages, inputs.mask, inputs.rows]);
      if (inputs.refLogProbs) inputs.refLogProbs.dispose();
    }
  }
}

/** `[rows, width]` tensor of a `logProbs` output field, cut or zero-padded to `width` columns. */
function toWidth(t: tf.Tensor2D, width: number): tf.Tensor2D {
  const w = t.shape[1];
  if (w === width) return t;
  if (w > width) return tf.slice(t, [0, 0], [t.shape[0], width]);
  return tf.pad(t, [
    [0, 0],
    [0, width - w],
  ]);
}

/**
 * Differentiable `[B, width]` log-probs (and entropies) of a minibatch, each rollout scored at the
 * temperature it was sampled at: one `logProbs` call per run of equal temperature (the rows come
 * ordered by temperature), stacked in row order.
 */
function minibatchLogProbs(
  policy: Policy,
  part: readonly Rollout[],
  width: number,
): { logProbs: tf.Tensor2D; entropy: tf.Tensor2D | undefined } {
  const runs = temperatureRuns(
    part,
    part.map((_, i) => i),
  );
  const outs = runs.map((run) => {
    const rs = run.rows.map((i) => part[i] as Rollout);
    const lp = policy.logProbs(
      { promptIds: rs.map((r) => r.promptIds), completionIds: rs.map((r) => r.completionIds), temperature: run.temperature },
      { entropy: true },
    );
    return { logProbs: toWidth(lp.logProbs, width), entropy: lp.entropy ? toWidth(lp.entropy, width) : undefined };
  });
  if (outs.length === 1) return outs[0] as { logProbs: tf.Tensor2D; entropy: tf.Tensor2D | undefined };
  const entropies = outs.map((o) => o.entropy);
  return {
    logProbs: tf.concat(outs.map((o) => o.logProbs)) as tf.Tensor2D,
    entropy: entropies.every((e) => e !== undefined) ? (tf.concat(entropies as tf.Tensor2D[]) as tf.Tensor2D) : undefined,
  };
}
