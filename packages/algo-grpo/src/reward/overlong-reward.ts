import {
  inject,
  injectable,
  optional,
  type ResolvedConfig,
  type Reward,
  type RewardInput,
  type RewardOutput,
  Tokens,
  z,
} from '@trellis/core';

import { overlongPenalty } from './overlong-penalty';

/** Share of `L_max` used as the soft-punishment buffer when `cacheLength` is not set (DAPO: 4096 of 20480). */
export const DEFAULT_CACHE_FRACTION = 0.2;

/** Options of the `overlong` reward. Lengths are completion tokens. */
export const overlongOptions = z
  .object({
    /** `L_max`: completions longer than this score -1. Default: `trainer.sampling.maxNewTokens`. */
    maxLength: z.number().int().positive().optional(),
    /** `L_cache`: buffer before `L_max` over which the penalty ramps 0 -> -1. Default: 20% of `L_max` (at least 1). */
    cacheLength: z.number().int().positive().optional(),
  })
  .strict()
  .refine((o) => o.maxLength === undefined || o.cacheLength === undefined || o.cacheLength <= o.maxLength, {
    message: 'cacheLength must not exceed maxLength',
    path: ['cacheLength'],
  });

export type OverlongOptions = z.output<typeof overlongOptions>;

/**
 * DAPO overlong reward shaping (catalog id `overlong`): scores a rollout by its completion length
 * in tokens (`completionIds.length`) with `overlongPenalty`; add it next to the task reward.
 */
@injectable()
export class OverlongReward implements Reward {
  readonly id = 'overlong';
  /** Resolved `L_max` and `L_cache`, tokens. */
  readonly maxLength: number;
  readonly cacheLength: number;

  constructor(
    @inject(Tokens.ChoiceOptions) options: z.input<typeof overlongOptions>,
    @inject(Tokens.Config) @optional() config?: ResolvedConfig,
  ) {
    const parsed = overlongOptions.parse(options ?? {});
    const maxLength = parsed.maxLength ?? config?.trainer.sampling.maxNewTokens;
    if (maxLength === undefined) throw new Error('overlong: set options.maxLength (no trainer config to default from)');
    const cacheLength = parsed.cacheLength ?? Math.max(1, Math.round(DEFAULT_CACHE_FRACTION * maxLength));
    if (cacheLength > maxLength) {
      throw new Error(`overlong: cacheLength (${cacheLength}) must not exceed maxLength (${maxLength})`);
    }
    this.maxLength = maxLength;
    this.cacheLength = cacheLength;
  }

  /** 0, a linear penalty in the buffer, or -1 past `maxLength`; `components.length` is `|y|` in tokens. */
  score({ rollout }: RewardInput): RewardOutput {
    const length = rollout.completionIds.length;
    return { score: overlongPenalty(length, this.maxLength, this.cacheLength), components: { length } };
  }
}
