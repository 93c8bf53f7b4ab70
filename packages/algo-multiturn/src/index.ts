import { type CatalogEntry, CORE_API_VERSION, catalogModule, definePlugin } from '@trellis/core';
import pkg from '../package.json' with { type: 'json' };
import { FcoLossTerm, fcoOptions } from './fco-loss-term';
import { MultiturnConsoleSink, multiturnConsoleOptions } from './multiturn-console-sink';
import { multiturnOptions } from './multiturn-options';
import { MultiturnStrategy } from './multiturn-strategy';

export type { FcoOptions } from './fco-loss-term';
export { FcoLossTerm, fcoOptions } from './fco-loss-term';
export { MultiturnConsoleSink, multiturnConsoleOptions, multiturnLine } from './multiturn-console-sink';
export type { MultiturnOptions, TriggerMode } from './multiturn-options';
export { multiturnOptions, TRIGGER_MODES } from './multiturn-options';
export type { MultiturnState } from './multiturn-strategy';
export { MultiturnStrategy } from './multiturn-strategy';
export type { TurnFeedback, TurnFeedbackOptions } from './turn-feedback';
export { turnFeedback } from './turn-feedback';
export type { TurnOutcome } from './turn-outcome';
export { turnOutcome } from './turn-outcome';

/** Every catalog entry of this plugin: the `multiturn` rollout strategy and the `fco` loss term. */
export const multiturnCatalog: readonly CatalogEntry[] = [
  {
    slot: 'rollout',
    id: 'multiturn',
    description:
      'MulFeRL: all-failed prompts get verbal feedback (critiques + merge) and up to `turns` regeneration turns with it prefilled; all solved -> FCO pairs, mixed -> GRPO, all failed -> next turn or dropped.',
    optionsSchema: multiturnOptions,
    service: MultiturnStrategy,
  },
  {
    slot: 'loss',
    id: 'fco',
    description:
      'MulFeRL FCO: -lambda mean log sigmoid(tau (Delta - m)) over regenerated-vs-base pairs, against the frozen initial policy.',
    optionsSchema: fcoOptions,
    service: FcoLossTerm,
  },
  {
    slot: 'metrics',
    id: 'multiturn-console',
    description:
      'Prints one line of multi-turn metrics per step (trigger and solve rates, pairs, Delta, FCO, feedback calls and leaks).',
    optionsSchema: multiturnConsoleOptions,
    service: MultiturnConsoleSink,
  },
];

/** Plugin manifest of @trellis/algo-multiturn. Registers nothing until `createModule` is called. */
export default definePlugin({
  id: 'algo-multiturn',
  packageName: pkg.name,
  version: pkg.version,
  description: pkg.description,
  coreApi: CORE_API_VERSION,
  provides: { rollout: ['multiturn'], loss: ['fco'], metrics: ['multiturn-console'] },
  createModule: () => catalogModule(multiturnCatalog),
});
