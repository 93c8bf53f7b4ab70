/**
 * What a regeneration turn's group leads to (MulFeRL): every sample solved -> contrastive pairs
 * against the base answers; some solved -> GRPO within the regenerated group; none solved -> the
 * next turn, or, after the last turn, the prompt is dropped.
 */
export type TurnOutcome = 'pairs' | 'grpo' | 'next-turn' | 'dropped';

/** The outcome of a turn whose samples' success is `solved`; `lastTurn` when no turn follows. */
export function turnOutcome(solved: readonly boolean[], lastTurn: boolean): TurnOutcome {
  const n = solved.filter(Boolean).length;
  if (solved.length > 0 && n === solved.length) return 'pairs';
  if (n > 0) return 'grpo';
  return lastTurn ? 'dropped' : 'next-turn';
}
