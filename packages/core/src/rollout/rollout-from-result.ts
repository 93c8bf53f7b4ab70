import type { GenerationResult } from '../records/generation';
import type { Problem } from '../records/problem';
import type { ContextKind, Rollout } from '../records/rollout';

/** Where a rollout sits: its ids, turn and context. */
export interface RolloutPlacement {
  readonly id: string;
  readonly groupId: string;
  readonly subGroup?: string;
  readonly turn?: number;
  readonly contextKind?: ContextKind;
  readonly context?: string;
}

/**
 * Turn a generation result into an unscored rollout. Prefilled tokens are masked out of the loss;
 * every sampled token is trained on.
 */
export function rolloutFromResult(problem: Problem, result: GenerationResult, at: RolloutPlacement): Rollout {
  return {
    id: at.id,
    problemId: problem.id,
    groupId: at.groupId,
    subGroup: at.subGroup ?? '',
    turn: at.turn ?? 0,
    contextKind: at.contextKind ?? 'none',
    ...(at.context !== undefined ? { context: at.context } : {}),
    promptIds: result.promptIds,
    completionIds: result.completionIds,
    completionText: result.text,
    lossMask: result.completionIds.map((_, t) => (t < result.prefillLength ? 0 : 1)),
    behaviourLogProbs: result.logProbs,
    temperature: result.temperature,
    finishReason: result.finishReason,
    ...(result.promptTruncated ? { promptTruncated: result.promptTruncated } : {}),
    rewardComponents: {},
    reward: 0,
  };
}
