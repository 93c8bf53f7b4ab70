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
  /**
   * The request's `prefill` (the text the completion was forced to start with). Needed when the
   * result has a prefill: the rollout's `completionText` is the generated text only.
   */
  readonly prefill?: string;
  /**
   * Decodes token ids (e.g. `policy.tokenizer.decode`); used to recover the generated text when the
   * decoded completion does not start with `prefill` verbatim (a tokenizer that normalises text).
   */
  readonly decode?: (ids: readonly number[]) => string;
  /** `false`: the rollout feeds only pair loss terms (see `Rollout.policyGradient`). */
  readonly policyGradient?: boolean;
}

/** The generated part of `result.text`: the decoded completion without its prefill. */
function generatedText(result: GenerationResult, at: RolloutPlacement): string {
  if (result.prefillLength === 0) return result.text;
  if (at.prefill !== undefined && result.text.startsWith(at.prefill)) return result.text.slice(at.prefill.length);
  if (at.decode) return at.decode(result.completionIds.slice(result.prefillLength));
  throw new Error(
    `rollout ${at.id}: the result has ${result.prefillLength} prefill tokens; give the placement the request's prefill (and a decode function) so the generated text can be told from the prefill`,
  );
}

/**
 * Turn a generation result into an unscored rollout. Prefilled tokens are masked out of the loss
 * and left out of `completionText` (kept in `prefill`); every sampled token is trained on.
 */
export function rolloutFromResult(problem: Problem, result: GenerationResult, at: RolloutPlacement): Rollout {
  const prefilled = result.prefillLength > 0;
  const text = generatedText(result, at);
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
    completionText: text,
    ...(prefilled ? { prefill: at.prefill ?? result.text.slice(0, result.text.length - text.length) } : {}),
    ...(prefilled ? { prefillLength: result.prefillLength } : {}),
    lossMask: result.completionIds.map((_, t) => (t < result.prefillLength ? 0 : 1)),
    behaviourLogProbs: result.logProbs,
    temperature: result.temperature,
    finishReason: result.finishReason,
    ...(result.promptTruncated ? { promptTruncated: result.promptTruncated } : {}),
    ...(at.policyGradient === false ? { policyGradient: false } : {}),
    rewardComponents: {},
    reward: 0,
  };
}
