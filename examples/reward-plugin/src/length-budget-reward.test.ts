import { describeRewardConformance } from '@trellis/core/testing';
import { LengthBudgetReward } from './length-budget-reward';

describeRewardConformance('example length-budget', {
  create: () => new LengthBudgetReward({ budget: 10, slack: 10 }),
  cases: [
    { completion: 'short', score: 1 },
    { completion: 'x'.repeat(15), score: 0.5 },
    { completion: 'x'.repeat(40), score: 0 },
  ],
});
