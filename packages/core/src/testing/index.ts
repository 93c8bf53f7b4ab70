export { describeAdvantageConformance, randomAdvantageInput, sequenceAdvantages } from './advantage-conformance';
export type { AdvantageConformanceOptions } from './advantage-conformance';
export { describeFeedbackConformance } from './feedback-conformance';
export type { FeedbackConformanceOptions } from './feedback-conformance';
export { makeProblem, makeRollout } from './fixtures';
export { describeRewardConformance } from './reward-conformance';
export type { RewardConformanceOptions } from './reward-conformance';
