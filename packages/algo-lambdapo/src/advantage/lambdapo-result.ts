/** Output of both LambdaPO implementations. */
export interface LambdaPoResult {
  /** One advantage per rollout, in batch order. */
  readonly advantages: number[];
  /**
   * Diagnostics over *decisive* pairs (same group, different rewards; each unordered pair once):
   * `pairs` their count, `meanWeight` the mean `w_ij` (NaN when `pairs` is 0) and `agreement` the
   * fraction where the old policy already scores the better response higher (NaN when 0 pairs).
   */
  readonly pairs: number;
  readonly meanWeight: number;
  readonly agreement: number;
}
