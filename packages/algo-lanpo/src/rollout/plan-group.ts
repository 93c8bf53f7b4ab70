/** How one group of G samples is split between context kinds. */
export interface GroupPlan {
  readonly none: number;
  readonly reflection: number;
  readonly abstraction: number;
}

/** The mixing options `planGroup` reads. */
export interface MixingOptions {
  /** Fraction of each group that is feedback-aware once some context is available, in [0, 1]. */
  readonly awareFraction: number;
  /** Share of the feedback-aware samples that use reflection (the rest use abstraction), in [0, 1]. */
  readonly reflectionShare: number;
}

/** What context this problem can have this step. */
export interface Availability {
  /** The pool holds earlier attempts at this problem. */
  readonly reflection: boolean;
  /** Principles from relevant other problems were obtained. */
  readonly abstraction: boolean;
}

/**
 * Split a group of `groupSize` samples: `aware = round(awareFraction * G)` feedback-aware samples
 * when any enabled kind is available (else 0), of which `round(reflectionShare * aware)` use
 * reflection and the rest abstraction. A kind is enabled when its share is above 0 (so
 * `reflectionShare: 1` is "reflection only" and 0 "abstraction only"); when one enabled kind is
 * unavailable its samples go to the other enabled kind, and when none is available the whole group
 * is from scratch. Rounding is half up (`Math.round`).
 */
export function planGroup(groupSize: number, mix: MixingOptions, available: Availability): GroupPlan {
  const canReflect = available.reflection && mix.reflectionShare > 0;
  const canAbstract = available.abstraction && mix.reflectionShare < 1;
  if (!canReflect && !canAbstract) return { none: groupSize, reflection: 0, abstraction: 0 };
  const aware = Math.min(groupSize, Math.max(0, Math.round(mix.awareFraction * groupSize)));
  let reflection = canReflect && canAbstract ? Math.round(mix.reflectionShare * aware) : canReflect ? aware : 0;
  reflection = Math.min(aware, reflection);
  return { none: groupSize - aware, reflection, abstraction: aware - reflection };
}
