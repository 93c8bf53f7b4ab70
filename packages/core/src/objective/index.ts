// Shared policy-gradient objective: clipped surrogate, KL estimators, aggregation, `clip` objective.
export { AGGREGATION_MODES, aggregateTokens, maskedMean } from './aggregation';
export type { AggregationMode } from './aggregation';
export { KL_ESTIMATORS, KL_LOG_RATIO_BOUND, klPerToken } from './kl-estimators';
export type { KlEstimator } from './kl-estimators';
export { LOG_RATIO_BOUND, RATIO_KINDS, clippedSurrogate } from './clipped-surrogate';
export type { RatioKind, SurrogateOptions, SurrogateTerms } from './clipped-surrogate';
export { policyLoss } from './policy-loss';
export type { KlLossOptions, PolicyLossOptions } from './policy-loss';
export {
  aggregateTokensReference,
  clippedSurrogateReference,
  klTokenReference,
  policyLossReference,
} from './policy-loss-reference';
export type { PlainLoss, PlainObjectiveInput } from './policy-loss-reference';
export { ClipObjective, clipObjectiveOptions, klOptions, toPolicyLossOptions } from './clip-objective';
export type { ClipObjectiveOptions } from './clip-objective';
