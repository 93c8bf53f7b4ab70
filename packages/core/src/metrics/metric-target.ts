/** Where a component reports numbers during a step (the trainer's accumulator implements it). */
export interface MetricTarget {
  /** One observation of `name`; the step record holds the mean of its observations. */
  add(name: string, value: number): void;
  /** Add `by` (default 1) to counter `name`; the step record holds the sum. */
  count(name: string, by?: number): void;
}
