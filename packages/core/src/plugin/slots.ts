/**
 * Extension slots. Single slots take one `use:` choice; multi slots take a list.
 * The config key of each slot is given in `SLOT_CONFIG_KEYS`.
 */
export const SINGLE_SLOTS = ['policy', 'task', 'rollout', 'advantage', 'objective'] as const;
export const MULTI_SLOTS = ['reward', 'feedback', 'guard', 'loss', 'contribution', 'metrics'] as const;

export type SingleSlot = (typeof SINGLE_SLOTS)[number];
export type MultiSlot = (typeof MULTI_SLOTS)[number];
export type SlotName = SingleSlot | MultiSlot;

export const ALL_SLOTS: readonly SlotName[] = [...SINGLE_SLOTS, ...MULTI_SLOTS];

/** Config key for each slot (multi slots use plural list keys). */
export const SLOT_CONFIG_KEYS = {
  policy: 'policy',
  task: 'task',
  rollout: 'rollout',
  advantage: 'advantage',
  objective: 'objective',
  reward: 'rewards',
  feedback: 'feedback',
  guard: 'leakGuards',
  loss: 'losses',
  contribution: 'contributions',
  metrics: 'metrics',
} as const satisfies Record<SlotName, string>;

export function isSlotName(s: string): s is SlotName {
  return (ALL_SLOTS as readonly string[]).includes(s);
}
