import type { MetricsRecord } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { activeWallSeconds } from './wall-time';

const at = (time: number, kind: MetricsRecord['kind'] = 'step', message?: string) => ({
  kind,
  time,
  ...(message ? { message } : {}),
});

describe('activeWallSeconds', () => {
  it('sums the gaps between records', () => {
    expect(activeWallSeconds([at(1000, 'eval'), at(3000), at(4500), at(4500, 'eval')])).toEqual([0, 2, 3.5, 3.5]);
  });

  it('leaves out the dead time that ends at a resume event', () => {
    // 2 s, 1 s of training, a crash and a restart an hour later, then 1.5 s and 1.5 s more.
    const records = [
      at(1000, 'eval'),
      at(3000),
      at(4000),
      at(3_604_000, 'event', 'resumed from checkpoints/step-000002'),
      at(3_605_500),
      at(3_607_000),
    ];
    expect(activeWallSeconds(records)).toEqual([0, 2, 3, 3, 4.5, 6]);
  });

  it('counts the time of other events, and never goes back', () => {
    expect(activeWallSeconds([at(0), at(5000, 'event', 'config changed'), at(4000), at(6000)])).toEqual([0, 5, 5, 7]);
    expect(activeWallSeconds([at(9000, 'event', 'resumed from x')])).toEqual([0]);
    expect(activeWallSeconds([])).toEqual([]);
  });
});
