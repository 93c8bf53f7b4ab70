import type { MetricsRecord } from '@trellis/core';

/** True for the event a resumed run writes first: `resumed from <checkpoint>`. */
export const isResumeEvent = (r: Pick<MetricsRecord, 'kind' | 'message'>): boolean =>
  r.kind === 'event' && (r.message ?? '').startsWith('resumed from');

/**
 * Seconds of active training at each record: 0 at the first record, then the running sum of the
 * time between consecutive records. The gap that ends at a `resumed from` event (the run was dead
 * between the crash and the restart) is left out, and so is any step back in time (a clock change).
 */
export function activeWallSeconds(records: readonly Pick<MetricsRecord, 'kind' | 'time' | 'message'>[]): number[] {
  const out: number[] = [];
  let total = 0;
  records.forEach((r, i) => {
    const prev = records[i - 1];
    if (prev && !isResumeEvent(r)) total += Math.max(0, r.time - prev.time) / 1000;
    out.push(total);
  });
  return out;
}
