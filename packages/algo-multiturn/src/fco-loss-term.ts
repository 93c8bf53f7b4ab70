import {
  inject,
  injectable,
  type LossTerm,
  type LossTermInput,
  type LossWithMetrics,
  pairPreferenceLoss,
  SEQUENCE_LOG_PROB_NORMS,
  Tokens,
  z,
} from '@trellis/core';

/**
 * Options of the FCO loss term (MulFeRL's cross-turn contrastive signal; ALGORITHMS.md section 5).
 * Defaults are the authors' release: tau 0.005, margin 0, weight 0.01, mean log-probs.
 */
export const fcoOptions = z
  .object({
    /** Inverse temperature on Delta (> 0). */
    tau: z.number().positive().default(0.005),
    /** Margin m: the loss is `-log sigmoid(tau (Delta - m))`. */
    margin: z.number().default(0),
    /** lambda: the term's weight in the total loss. */
    weight: z.number().min(0).default(0.01),
    /** `mean`: ell = masked mean log-prob of the answer (the release); `sum`: masked sum (an older release). */
    norm: z.enum(SEQUENCE_LOG_PROB_NORMS).default('mean'),
    /** Which pairs it trains (`RolloutPair.kind`); the multiturn strategy's `pairKind`. */
    pairKind: z.string().min(1).default('fco'),
  })
  .strict();

export type FcoOptions = z.output<typeof fcoOptions>;

/**
 * FCO: for each pair (chosen = an answer regenerated under feedback, rejected = the base answer to
 * the original prompt), `Delta = [ell_theta(c) - ell_ref(c)] - [ell_theta(r) - ell_ref(r)]` with
 * the frozen initial policy as reference, and `L = lambda * -mean log sigmoid(tau (Delta - m))`.
 * Each side is scored under its own prompt (the trainer computes every rollout's log-probs under
 * the prompt that produced it); prefilled feedback tokens are masked out of ell. Metrics:
 * `loss/fco` (weighted), `loss/fco/fco_loss` (unweighted), `loss/fco/delta_mean`,
 * `loss/fco/accuracy` (share of pairs with Delta > m), `loss/fco/pairs` (the last four are means over
 * the minibatches that held pairs).
 */
@injectable()
export class FcoLossTerm implements LossTerm {
  readonly id = 'fco';
  readonly requires = ['refLogProbs'] as const;
  readonly options: FcoOptions;

  constructor(@inject(Tokens.ChoiceOptions) options: z.input<typeof fcoOptions> = {}) {
    this.options = fcoOptions.parse(options ?? {});
  }

  compute(input: LossTermInput): LossWithMetrics {
    const { tau, margin, norm, weight, pairKind } = this.options;
    if (!input.refLogProbs) throw new Error('fco: the trainer gave no reference log-probs (the term requires refLogProbs)');
    const pairs = input.pairs.filter((p) => p.pair.kind === pairKind);
    const out = pairPreferenceLoss(
      input.logProbs,
      input.refLogProbs,
      input.mask,
      { chosen: pairs.map((p) => p.chosen), rejected: pairs.map((p) => p.rejected) },
      { tau, margin, norm, weight },
    );
    // Diagnostics only where there are pairs, so minibatches without any do not pull the means to 0.
    if (pairs.length === 0) return { loss: out.loss, metrics: {} };
    return {
      loss: out.loss,
      metrics: { fco_loss: out.unweighted, delta_mean: out.deltaMean, accuracy: out.accuracy, pairs: out.pairs },
    };
  }
}
