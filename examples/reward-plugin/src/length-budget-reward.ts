import { inject, injectable, type Reward, type RewardInput, type RewardOutput, Tokens, z } from '@trellis/core';

export const lengthBudgetOptions = z
  .object({
    /** Completions up to this many characters score 1. */
    budget: z.number().int().positive().default(200),
    /** Characters past the budget at which the score reaches 0 (linear decay). */
    slack: z.number().int().positive().default(100),
  })
  .strict();

export type LengthBudgetOptions = z.output<typeof lengthBudgetOptions>;

/** 1 within the character budget, decaying linearly to 0 over `slack` extra characters. */
@injectable()
export class LengthBudgetReward implements Reward {
  readonly id = 'length-budget';

  constructor(@inject(Tokens.ChoiceOptions) private readonly options: LengthBudgetOptions) {}

  score({ rollout }: RewardInput): RewardOutput {
    const over = Math.max(0, rollout.completionText.length - this.options.budget);
    const score = Math.max(0, 1 - over / this.options.slack);
    return { score, components: { chars: rollout.completionText.length } };
  }
}
