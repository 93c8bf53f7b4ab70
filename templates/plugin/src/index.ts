import { CORE_API_VERSION, catalogModule, definePlugin } from '@trellis/core';
import { RankAdvantage, rankAdvantageOptions } from './rank-advantage.js';

export type { RankAdvantageOptions } from './rank-advantage.js';
export { RankAdvantage, rankAdvantageOptions } from './rank-advantage.js';

/**
 * The plugin manifest: what `plugins: [trellis-plugin-rank-advantage]` loads. Importing this file
 * registers nothing; Trellis calls `createModule` when it composes a run.
 */
export default definePlugin({
  id: 'rank-advantage',
  packageName: 'trellis-plugin-rank-advantage',
  version: '0.1.0',
  description: 'Centred within-group reward ranks as advantages.',
  coreApi: CORE_API_VERSION,
  provides: { advantage: ['rank'] },
  createModule: () =>
    catalogModule([
      {
        slot: 'advantage',
        id: 'rank',
        description: 'Centred within-group reward ranks (ties share their mean rank), times scale.',
        optionsSchema: rankAdvantageOptions,
        service: RankAdvantage,
        // No preset: a config choosing `advantage: { use: rank }` gets core's default objective
        // (`clip`: token ratio, eps 0.2, seq-mean-token-mean, k3 KL 0.001). A preset would choose
        // its own, e.g. preset: { objective: { use: 'clip', options: { kl: { estimator: 'none' } } } }.
      },
    ]),
});
