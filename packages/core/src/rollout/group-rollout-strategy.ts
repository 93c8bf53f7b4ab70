import { injectable } from 'inversify';
import type { Problem } from '../records/problem';
import type { RolloutGroup } from '../records/rollout';
import { rolloutFromResult } from './rollout-from-result';
import type { CollectedRollouts, RolloutContext, RolloutStrategy } from './rollout-strategy';

/** The default strategy: G independent samples of each problem's prompt, all generated in one batch. */
@injectable()
export class GroupRolloutStrategy implements RolloutStrategy {
  readonly id = 'groups';

  async collect(problems: readonly Problem[], ctx: RolloutContext): Promise<CollectedRollouts> {
    const requests = problems.flatMap((p) => Array.from({ length: ctx.groupSize }, () => ({ prompt: p.prompt })));
    const results = await ctx.policy.generate(requests, ctx.sampling);
    const groups: RolloutGroup[] = problems.map((problem, g) => {
      const groupId = `${ctx.idPrefix}g${g}`;
      const rollouts = Array.from({ length: ctx.groupSize }, (_, k) => {
        const result = results[g * ctx.groupSize + k];
        if (!result) throw new Error(`policy returned ${results.length} results for ${requests.length} requests`);
        return rolloutFromResult(problem, result, { id: `${groupId}-${k}`, groupId });
      });
      return { id: groupId, problem, rollouts };
    });
    return { groups };
  }
}
