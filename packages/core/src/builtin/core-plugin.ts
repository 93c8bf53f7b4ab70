import pkg from '../../package.json' with { type: 'json' };
import { JsonlMetricsSink, jsonlSinkOptions } from '../metrics/jsonl-metrics-sink';
import { ClipObjective, clipObjectiveOptions } from '../objective/clip-objective';
import { catalogModule } from '../plugin/catalog';
import { CORE_API_VERSION, definePlugin } from '../plugin/define-plugin';
import { GroupRolloutStrategy } from '../rollout/group-rollout-strategy';

/**
 * Core's own plugin: the shared clipped objective (`objective: clip`), the default rollout strategy
 * (`rollout: groups`) and a JSONL metrics sink (`metrics: jsonl`).
 */
export const corePlugin = definePlugin({
  id: 'core',
  packageName: pkg.name,
  version: pkg.version,
  description: 'Shared clipped policy-gradient objective, plain-group rollouts, JSONL metrics.',
  coreApi: CORE_API_VERSION,
  provides: { objective: ['clip'], rollout: ['groups'], metrics: ['jsonl'] },
  createModule: () =>
    catalogModule([
      {
        slot: 'objective',
        id: 'clip',
        description: 'PPO-style clipped surrogate: token/sequence ratio, eps low/high, dual clip, KL k1/k2/k3, 4 aggregations.',
        optionsSchema: clipObjectiveOptions,
        service: ClipObjective,
      },
      {
        slot: 'rollout',
        id: 'groups',
        description: 'G independent samples per problem, generated in one batch.',
        service: GroupRolloutStrategy,
      },
      {
        slot: 'metrics',
        id: 'jsonl',
        description: 'Append metrics records to a JSONL file.',
        optionsSchema: jsonlSinkOptions,
        service: JsonlMetricsSink,
      },
    ]),
});
