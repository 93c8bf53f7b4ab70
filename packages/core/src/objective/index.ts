// Shared policy-gradient objective: clipped surrogate, KL estimators, aggregation, `clip` objective.

export type { AggregationMode } from './aggregation';
export { AGGREGATION_MODES, aggregateTokens, maskedMean } from './aggregation';
export type { ClipObjectiveOptions } from './clip-objective';
export { ClipObjective, clipObjectiveOptions, klOptions, toPolicyLossOptions } from './clip-objective';
export type { RatioKind, SurrogateOptions, SurrogateTerms } from './clipped-surrogate';
export { clippedSurrogate, LOG_RATIO_BOUND, RATIO_KINDS } from './clipped-surrogate';
export type { KlEstimator } from './kl-estimators';
export { KL_ESTIMATORS, KL_LOG_RATIO_BOUND, klPerToken } from './kl-estimators';
export type { PairPreferenceOptions, PairPreferenceTensors, PairRows, SequenceLogProbNorm } from './pair-preference-loss';
export { pairPreferenceLoss, SEQUENCE_LOG_PROB_NORMS } from './pair-preference-loss';
export type { PlainPairInput, PlainPairLoss } from './pair-preference-reference';
export { pairPreferenceLossReference } from './pair-preference-reference';
export type { KlLossOptions, PolicyLossOptions } from './policy-loss';
export { policyLoss } from './policy-loss';
export type { PlainLoss, PlainObjectiveInput } from './policy-loss-reference';
export {
  aggregateTokensReference,
  clippedSurrogateReference,
  klTokenReference,
  policyLossReference,
} from './policy-loss-reference';
export type { RewardKlSettings, RewardKlShaping } from './reward-kl';
export { shapeRewardsWithKl, shapeRewardsWithKlTensor } from './reward-kl';
