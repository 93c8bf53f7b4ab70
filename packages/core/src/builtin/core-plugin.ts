import pkg from '../../package.json' with { type: 'json' };
import { FeedbackAudit, feedbackAuditOptions } from '../feedback/feedback-audit';
import { LiteralLeakGuard } from '../feedback/literal-leak-guard';
import { PolicyFeedback, policyFeedbackOptions } from '../feedback/policy-feedback';
import { JsonlMetricsSink, jsonlSinkOptions } from '../metrics/jsonl-metrics-sink';
import { ClipObjective, clipObjectiveOptions } from '../objective/clip-objective';
import { catalogModule } from '../plugin/catalog';
import { CORE_API_VERSION, definePlugin } from '../plugin/define-plugin';
import { GroupRolloutStrategy } from '../rollout/group-rollout-strategy';

/**
 * Core's own plugin: the shared clipped objective (`objective: clip`) and the plain-group rollout
 * strategy (`rollout: groups`), both slot defaults of a training config, a JSONL metrics sink
 * (`metrics: jsonl`), feedback written by the policy itself (`feedback: policy`), the default leak
 * guard (`leakGuards: literal`) and the feedback audit contribution (`contributions: feedback-audit`).
 */
export const corePlugin = definePlugin({
  id: 'core',
  packageName: pkg.name,
  version: pkg.version,
  description:
    'Shared clipped policy-gradient objective, plain-group rollouts, JSONL metrics, policy-written feedback, literal leak guard, feedback audit.',
  coreApi: CORE_API_VERSION,
  provides: {
    objective: ['clip'],
    rollout: ['groups'],
    metrics: ['jsonl'],
    feedback: ['policy'],
    guard: ['literal'],
    contribution: ['feedback-audit'],
  },
  createModule: () =>
    catalogModule([
      {
        slot: 'objective',
        id: 'clip',
        description: 'PPO-style clipped surrogate: token/sequence ratio, eps low/high, dual clip, KL k1/k2/k3, 4 aggregations.',
        optionsSchema: clipObjectiveOptions,
        service: ClipObjective,
        // The objective of a training config whose advantage (and its preset) names none.
        slotDefault: true,
      },
      {
        slot: 'rollout',
        id: 'groups',
        description: 'G independent samples per problem, generated in one batch.',
        service: GroupRolloutStrategy,
        slotDefault: true,
      },
      {
        slot: 'metrics',
        id: 'jsonl',
        description: 'Append metrics records to a JSONL file.',
        optionsSchema: jsonlSinkOptions,
        service: JsonlMetricsSink,
        // Relative to the config file that sets it; the resolved config holds it absolute.
        resolveOptions: (options, ctx) => ({ ...options, path: ctx.resolvePath(['path'], options.path as string) }),
      },
      {
        slot: 'feedback',
        id: 'policy',
        description: 'The policy writes feedback of every kind through documented, overridable prompt templates.',
        optionsSchema: policyFeedbackOptions,
        service: PolicyFeedback,
      },
      {
        slot: 'guard',
        id: 'literal',
        description: 'Finds the gold answer as written, as a whole token (the default when no guard is configured).',
        service: LiteralLeakGuard,
      },
      {
        slot: 'contribution',
        id: 'feedback-audit',
        description: 'Asks the feedback provider about a few rollouts per step and logs request and outcome to feedback.jsonl.',
        optionsSchema: feedbackAuditOptions,
        service: FeedbackAudit,
      },
    ]),
});
