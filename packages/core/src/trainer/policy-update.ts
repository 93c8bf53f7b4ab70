import * as tf from '@tensorflow/tfjs-core';
import type { AdvantageEstimator } from '../advantage/advantage-estimator';
import type { TrainerConfig } from '../config/trainer-config';
import type { LossTerm } from '../objective/loss-term';
import type { PolicyObjective } from '../objective/policy-objective';
import { shapeRewardsWithKl } from '../objective/reward-kl';
import type { Policy } from '../policy/policy';
import { batchRollouts, type Rollout, type RolloutBatch, type RolloutPair } from '../records/rollout';
import type { Rng } from '../rng/rng';
import { packUnits, pairUnits } from '../rollout/minibatch-units';
import type { MetricAccumulator } from './metric-accumulator';
import { clipAndApply } from './optimizer-step';
import { advantageRows, buildAdvantageInput, maxCompletionLength, paddedTensor, scoreLogProbs } from './rollout-tensors';
import { scoringChunk, scoringOrder, scoringRuns, scoringSpread } from './scoring-runs';

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
 * The update phase of a step: old (and, if required, reference) log-probs once, advantages (over
 * the policy-gradient rollouts), then PPO epochs over shuffled minibatches of objective + extra
 * loss terms, each followed by a clipped optimizer step. A minibatch never splits a pair: the
 * shuffle moves the connected rollouts of pairs as one unit (`update/pairs`, and
 * `update/dropped_pairs` for pairs whose rollouts are not in the batch, are counted when the batch
 * has pairs). NaN/Inf losses or gradients skip that minibatch's update.
 */
export class PolicyUpdate {
  private readonly withRef: boolean;

  constructor(private readonly deps: PolicyUpdateDeps) {
    this.withRef = needsReference(deps);
    if (this.withRef && !deps.reference) throw new Error('a reference policy is required but none was given');
  }

  /** Free the reference policy (the frozen snapshot this update owns); the policy is the caller's. */
  dispose(): void {
    this.deps.reference?.dispose();
  }

  run(batch: RolloutBatch, rng: Rng, metrics: MetricAccumulator): UpdateResult {
    const { policy, reference, config } = this.deps;
    const { rollouts, pairs, dropped } = trainableRollouts(batch);
    if (batch.pairs.length > 0) {
      metrics.count('update/pairs', pairs.length);
      metrics.count('update/dropped_pairs', dropped);
    }
    const trainedTokens = rollouts.reduce((a, r) => a + r.lossMask.reduce((x, y) => x + y, 0), 0);
    if (rollouts.length === 0) return { nonFinite: 0, applied: 0, trainedTokens };
    const size = config.minibatchSize > 0 ? config.minibatchSize : rollouts.length;
    // With one epoch over one minibatch the policy being trained is the one that sampled, so the
    // behaviour log-probs (equal to a recomputation within float32 rounding) serve as old log-probs.
    const onPolicy =
      config.oldLogProbs === 'behaviour' || (config.oldLogProbs === 'auto' && config.ppoEpochs === 1 && size >= rollouts.length);
    const scoring = performance.now();
    const old = onPolicy
      ? rollouts.map((r) => [...r.behaviourLogProbs])
      : scoreLogProbs(policy, rollouts, scoringChunk(policy, config.minibatchSize, rollouts.length));
    const ref =
      this.withRef && reference
        ? scoreLogProbs(reference, rollouts, scoringChunk(reference, config.minibatchSize, rollouts.length))
        : undefined;
    metrics.count('time/score_s', (performance.now() - scoring) / 1000);
    const adv = this.advantages(rollouts, old, ref, metrics);
    const flat = adv.flatMap((row, i) =>
      rollouts[i]?.policyGradient === false ? [] : row.filter((_, t) => rollouts[i]?.lossMask[t]),
    );
    if (flat.length) metrics.add('advantage/abs_mean', flat.reduce((a, v) => a + Math.abs(v), 0) / flat.length);
    // The objective trains policy-gradient rollouts only; loss terms see every trained token.
    const pgMask = rollouts.map((r) => (r.policyGradient === false ? r.lossMask.map(() => 0) : [...r.lossMask]));

    const units = pairUnits(
      rollouts.length,
      pairs.map((p) => [p.chosen, p.rejected] as const),
    );
    let nonFinite = 0;
    let applied = 0;
    const optimizing = performance.now();
    for (let epoch = 0; epoch < config.ppoEpochs; epoch++) {
      for (const minibatch of packUnits(rng.shuffle(units), size)) {
        const rows = scoringOrder(rollouts, minibatch);
        const ok = this.minibatch(rows, rollouts, { old, ref, adv, pgMask }, pairs, metrics);
        if (ok) applied++;
        else nonFinite++;
      }
    }
    metrics.count('time/optimize_s', (performance.now() - optimizing) / 1000);
    return { nonFinite, applied, trainedTokens };
  }

  /**
   * Per-token advantage rows: the estimator sees the policy-gradient rollouts only (KL shaping of
   * their rewards first, when the objective asks for it); pair-only rollouts get zeros.
   */
  private advantages(
    rollouts: readonly Rollout[],
    old: readonly number[][],
    ref: readonly number[][] | undefined,
    metrics: MetricAccumulator,
  ): number[][] {
    const { estimator } = this.deps;
    const pgRows = rollouts.flatMap((r, i) => (r.policyGradient === false ? [] : [i]));
    const out: number[][] = rollouts.map((r) => r.lossMask.map(() => 0));
    if (pgRows.length === 0) return out;
    const pg = pgRows.map((i) => rollouts[i] as Rollout);
    const pick = (m: readonly number[][]) => pgRows.map((i) => m[i] as number[]);
    const pgOld = pick(old);
    const pgRef = ref ? pick(ref) : undefined;
    const rewardKl = this.deps.objective.rewardKl;
    const shaping =
      rewardKl && pgRef
        ? shapeRewardsWithKl(
            pg.map((r) => r.reward),
            pgOld,
            pgRef,
            pg.map((r) => r.lossMask),
            rewardKl,
          )
        : undefined;
    if (shaping) {
      metrics.add('reward/kl', shaping.meanKl);
      metrics.add('reward/kl_penalty', shaping.penalty.reduce((a, row) => a + row.reduce((x, y) => x + y, 0), 0) / pg.length);
    }
    const advOut = estimator.estimate(buildAdvantageInput(pg, estimator.requires, pgOld, pgRef, shaping));
    for (const [k, v] of Object.entries(advOut.metrics ?? {})) metrics.add(`advantage/${k}`, v);
    advantageRows(advOut, pg).forEach((row, k) => {
      out[pgRows[k] as number] = row;
    });
    return out;
  }

  private minibatch(
    rows: readonly number[],
    all: readonly Rollout[],
    per: {
      readonly old: readonly number[][];
      readonly ref: readonly number[][] | undefined;
      readonly adv: readonly number[][];
      readonly pgMask: readonly number[][];
    },
    batchPairs: readonly RowPair[],
    metrics: MetricAccumulator,
  ): boolean {
    const { policy, objective, lossTerms, optimizer, config } = this.deps;
    const part = rows.map((i) => all[i] as Rollout);
    const pick = (m: readonly number[][]) => rows.map((i) => m[i] as number[]);
    const width = maxCompletionLength(part);
    const position = new Map(rows.map((r, k) => [r, k]));
    const pairs = batchPairs.flatMap((p) => {
      const c = position.get(p.chosen);
      const r = position.get(p.rejected);
      return c === undefined || r === undefined ? [] : [{ chosen: c, rejected: r, pair: p.pair }];
    });
    const kept: Record<string, tf.Scalar> = {};
    const inputs = {
      oldLogProbs: paddedTensor(pick(per.old), width),
      refLogProbs: per.ref ? paddedTensor(pick(per.ref), width) : undefined,
      advantages: paddedTensor(pick(per.adv as number[][]), width),
      mask: paddedTensor(pick(per.pgMask as number[][]), width),
      termMask: paddedTensor(
        part.map((r) => r.lossMask),
        width,
      ),
      rows: tf.range(0, part.length, 1, 'int32') as tf.Tensor1D,
    };
    try {
      const { value, grads } = tf.variableGrads(() => {
        const { logProbs, entropy } = minibatchLogProbs(policy, part, width);
        const { termMask, rows: rowIndex, ...objectiveInputs } = inputs;
        const main = objective.compute({ ...objectiveInputs, logProbs, ...(entropy ? { entropy } : {}) });
        for (const [k, m] of Object.entries(main.metrics)) kept[`actor/${k}`] = tf.keep(m);
        let loss = main.loss;
        for (const term of lossTerms) {
          const out = term.compute({
            rollouts: part,
            logProbs,
            mask: termMask,
            refLogProbs: inputs.refLogProbs,
            pairs,
            rows: rowIndex,
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
      tf.dispose([inputs.oldLogProbs, inputs.advantages, inputs.mask, inputs.termMask, inputs.rows]);
      if (inputs.refLogProbs) inputs.refLogProbs.dispose();
    }
  }
}

/** A batch pair as rows of the trainable rollouts. */
interface RowPair {
  readonly chosen: number;
  readonly rejected: number;
  readonly pair: RolloutPair;
}

/**
 * The rollouts the update trains and the batch's pairs as their rows: empty completions are
 * skipped, and so are pair-only rollouts (`policyGradient: false`) in no usable pair. A pair is
 * dropped (counted) when a member is missing from the batch (e.g. filtered out) or both name one
 * rollout.
 */
export function trainableRollouts(batch: RolloutBatch): { rollouts: Rollout[]; pairs: RowPair[]; dropped: number } {
  const present = batchRollouts(batch).filter((r) => r.completionIds.length > 0);
  const ids = new Set(present.map((r) => r.id));
  const usable = batch.pairs.filter((p) => p.chosen !== p.rejected && ids.has(p.chosen) && ids.has(p.rejected));
  const paired = new Set(usable.flatMap((p) => [p.chosen, p.rejected]));
  const rollouts = present.filter((r) => r.policyGradient !== false || paired.has(r.id));
  const row = new Map(rollouts.map((r, i) => [r.id, i]));
  const pairs = usable.map((pair) => ({
    chosen: row.get(pair.chosen) as number,
    rejected: row.get(pair.rejected) as number,
    pair,
  }));
  return { rollouts, pairs, dropped: batch.pairs.length - usable.length };
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
 * temperature it was sampled at: one `logProbs` call per run of equal temperature and similar
 * length (any length when the policy packs rows; the rows come in {@link scoringOrder}), stacked
 * in row order.
 */
function minibatchLogProbs(
  policy: Policy,
  part: readonly Rollout[],
  width: number,
): { logProbs: tf.Tensor2D; entropy: tf.Tensor2D | undefined } {
  const runs = scoringRuns(
    part,
    part.map((_, i) => i),
    scoringSpread(policy),
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
