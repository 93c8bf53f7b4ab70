/** Averages named numbers over several observations (e.g. minibatches) and sums counters. */
export class MetricAccumulator {
  private readonly sums = new Map<string, number>();
  private readonly counts = new Map<string, number>();
  private readonly totals = new Map<string, number>();

  /** Record one observation of `name`; `value()` reports the mean. */
  add(name: string, value: number): void {
    if (!Number.isFinite(value)) return;
    this.sums.set(name, (this.sums.get(name) ?? 0) + value);
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }

  /** Add to a counter; `value()` reports the sum. */
  count(name: string, by = 1): void {
    if (!Number.isFinite(by)) return;
    this.totals.set(name, (this.totals.get(name) ?? 0) + by);
  }

  /** Means and counters as one record. */
  values(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, s] of this.sums) out[k] = s / (this.counts.get(k) ?? 1);
    for (const [k, v] of this.totals) out[k] = v;
    return out;
  }
}
