import * as tf from '@tensorflow/tfjs-core';
import type { AdvantageEstimator } from '../advantage/advantage-estimator';
import type { TrainerConfig } from '../config/trainer-config';
import type { LossTerm } from '../objective/loss-term';
import type { PolicyObjective } from '../objective/policy-objective';
import type { Policy } from '../policy/policy';
import { batchRollouts, type Rollout, type RolloutBatch } from '../records/rollout';
import type { Rng } from '../rng/rng';
import type { MetricAccumulator } from './metric-accumulator';
import { clipAndApply } from './optimizer-step';
import { advantageRows, buildAdvantageInput, maxCompletionLength, paddedTensor, scoreLogProbs } from './rollout-tensors';

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
    const temperature = config.sampling.temperature;
    const chunk = config.minibatchSize > 0 ? config.minibatchSize : 64;
    const size = config.minibatchSize > 0 ? config.minibatchSize : rollouts.length;
    // With one epoch over one minibatch the policy being trained is the one that sampled, so the
    // behaviour log-probs (equal to a recomputation within float32 rounding) serve as old log-probs.
    const onPolicy =
      config.oldLogProbs === 'behaviour' || (config.oldLogProbs === 'auto' && config.ppoEpochs === 1 && size >= rollouts.length);
    const old = onPolicy ? rollouts.map((r) => [...r.behaviourLogProbs]) : scoreLogProbs(policy, rollouts, temperature, chunk);
    const ref = this.withRef && reference ? scoreLogProbs(reference, rollouts, temperature, chunk) : undefined;
    const advOut = estimator.estimate(buildAdvantageInput(rollouts, estimator.requires, old, ref));
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
        const rows = order.slice(s, s + size);
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
        const lp = policy.logProbs(
          {
            promptIds: part.map((r) => r.promptIds),
            completionIds: part.map((r) => r.completionIds),
            temperature: config.sampling.temperature,
          },
          { entropy: true },
        );
        const logProbs = lp.logProbs.shape[1] === width ? lp.logProbs : tf.slice(lp.logProbs, [0, 0], [part.length, width]);
        const entropy =
          lp.entropy && lp.entropy.shape[1] !== width ? tf.slice(lp.entropy, [0, 0], [part.length, width]) : lp.entropy;
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
