import { CORE_API_VERSION, catalogModule, definePlugin } from '@trellis/core';
import pkg from '../package.json' with { type: 'json' };
import { LengthBudgetReward, lengthBudgetOptions } from './length-budget-reward';

export { LengthBudgetReward, lengthBudgetOptions } from './length-budget-reward';

/** A third-party plugin: lives outside packages/, loaded by path (`plugins: [./reward-plugin]`). */
export default definePlugin({
  id: 'example-reward',
  packageName: pkg.name,
  version: pkg.version,
  description: pkg.description,
  coreApi: CORE_API_VERSION,
  provides: { reward: ['length-budget'] },
  createModule: () =>
    catalogModule([
      {
        slot: 'reward',
        id: 'length-budget',
        description: 'Scores 1 within a character budget, decaying linearly past it.',
        optionsSchema: lengthBudgetOptions,
        service: LengthBudgetReward,
      },
    ]),
});
