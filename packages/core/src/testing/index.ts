export type { AdvantageConformanceOptions } from './advantage-conformance';
export { describeAdvantageConformance, randomAdvantageInput, sequenceAdvantages } from './advantage-conformance';
export type { FeedbackConformanceCase, FeedbackConformanceOptions } from './feedback-conformance';
export { conformanceRequest, describeFeedbackConformance } from './feedback-conformance';
export { makeProblem, makeRollout } from './fixtures';
export type { RewardConformanceOptions } from './reward-conformance';
export { describeRewardConformance } from './reward-conformance';
