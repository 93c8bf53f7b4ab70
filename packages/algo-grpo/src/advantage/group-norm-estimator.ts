import {
  type AdvantageEstimator,
  type AdvantageInput,
  type AdvantageOutput,
  inject,
  injectable,
  Tokens,
  type z,
} from '@trellis/core';
import { degenerateGroupFraction } from './degenerate-group-fraction';
import { type GrpoAdvantageOptions, grpoAdvantages } from './grpo-advantages';

/**
 * Shared body of the group-normalised estimators (`grpo`, `dr-grpo`, `dapo`, `gspo`): per-sequence
 * `grpoAdvantages`, plus the `degenerate_group_frac` metric (groups with equal rewards or one
 * member: zero advantage). The catalog classes come from `groupNormEstimatorClass`.
 */
export abstract class GroupNormEstimator implements AdvantageEstimator {
  abstract readonly id: string;
  readonly requires = [] as const;
  /** Advantages compare a group's samples: the trainer refuses `groupSize: 1`. */
  readonly groupRelative = true;

  protected constructor(readonly options: GrpoAdvantageOptions) {}

  /** `[N]` rewards and group ids -> `[N]` per-sequence advantages. */
  estimate(input: AdvantageInput): AdvantageOutput {
    return {
      perSequence: grpoAdvantages(input.rewards, input.groupIndex, this.options),
      metrics: { degenerate_group_frac: degenerateGroupFraction(input.rewards, input.groupIndex) },
    };
  }
}

/** A catalog class made by `groupNormEstimatorClass`: `new C(options)` parses `options` with its schema. */
export type GroupNormEstimatorClass<Input> = new (options: Input) => GroupNormEstimator;

/**
 * A catalog class (`service`) for a group-normalised estimator: an `@injectable()` subclass of
 * `GroupNormEstimator` with this `id`, whose constructor takes the choice's options
 * (`@inject(Tokens.ChoiceOptions)`, explicit because esbuild drops decorator metadata) and parses
 * them with `schema`. Each call returns a distinct class, so `instanceof` tells recipes apart.
 *
 * @param id catalog id, also the instance's `id` (e.g. `dapo`).
 * @param schema options schema whose output is `GrpoAdvantageOptions` (defaults included).
 * @param name class name shown in errors and stack traces (e.g. `DapoEstimator`).
 */
export function groupNormEstimatorClass<S extends z.ZodType<GrpoAdvantageOptions>>(
  id: string,
  schema: S,
  name: string,
): GroupNormEstimatorClass<z.input<S>> {
  @injectable()
  class Estimator extends GroupNormEstimator {
    readonly id = id;

    constructor(@inject(Tokens.ChoiceOptions) options: z.input<S>) {
      super(schema.parse(options ?? {}));
    }
  }
  Object.defineProperty(Estimator, 'name', { value: name });
  return Estimator;
}
