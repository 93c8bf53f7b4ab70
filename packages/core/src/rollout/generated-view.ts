import type { Rollout } from '../records/rollout';

/** Number of leading prefilled (forced) completion tokens of a rollout. */
export function prefillLengthOf(rollout: Rollout): number {
  return Math.min(rollout.prefillLength ?? 0, rollout.completionIds.length);
}

/**
 * The rollout as a reward sees it: only what the policy generated. The prefill's tokens are cut
 * from `completionIds`, `lossMask` and `behaviourLogProbs` (`completionText` already holds the
 * generated text only), so neither a grader nor a length penalty counts injected text. Returns the
 * rollout itself when it has no prefill.
 */
export function generatedView(rollout: Rollout): Rollout {
  const n = prefillLengthOf(rollout);
  if (n === 0) return rollout;
  return {
    ...rollout,
    completionIds: rollout.completionIds.slice(n),
    lossMask: rollout.lossMask.slice(n),
    behaviourLogProbs: rollout.behaviourLogProbs.slice(n),
    prefillLength: 0,
  };
}

/** Generated (sampled, not prefilled) completion tokens of a rollout. */
export function generatedLength(rollout: Rollout): number {
  return rollout.completionIds.length - prefillLengthOf(rollout);
}
