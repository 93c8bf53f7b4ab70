import type { Problem } from '../records/problem';
import type { Rollout } from '../records/rollout';

/** A problem with sensible defaults for tests. */
export function makeProblem(partial: Partial<Problem> = {}): Problem {
  return {
    id: 'p0',
    question: 'What is 2 + 3?',
    prompt: 'Q: What is 2 + 3?\nA:',
    answer: '5',
    solution: '2 + 3 = 5\n\\boxed{5}',
    split: 'train',
    ...partial,
  };
}

/** A rollout whose completion is `text`, tokenised one id per character (for tests only). */
export function makeRollout(text: string, partial: Partial<Rollout> = {}): Rollout {
  const ids = Array.from(text, (c) => c.charCodeAt(0) % 256);
  return {
    id: 'r0',
    problemId: 'p0',
    groupId: 'g0',
    subGroup: '',
    turn: 0,
    contextKind: 'none',
    promptIds: [1, 2, 3],
    completionIds: ids,
    completionText: text,
    lossMask: ids.map(() => 1),
    behaviourLogProbs: ids.map(() => -1),
    temperature: 1,
    finishReason: 'eos',
    rewardComponents: {},
    reward: 0,
    ...partial,
  };
}
