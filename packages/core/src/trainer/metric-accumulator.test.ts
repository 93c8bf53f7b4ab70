import { describe, expect, it } from 'vitest';
import { MetricAccumulator } from './metric-accumulator';

describe('MetricAccumulator', () => {
  it('reports the mean of added observations', () => {
    const m = new MetricAccumulator();
    m.add('loss', 1);
    m.add('loss', 2);
    m.add('loss', 6);
    m.add('kl', 0.5);
    expect(m.values()).toEqual({ loss: 3, kl: 0.5 });
  });

  it('reports the sum of counters (default increment 1)', () => {
    const m = new MetricAccumulator();
    m.count('rollout/sequences', 16);
    m.count('rollout/sequences', 8);
    m.count('events');
    m.count('events');
    expect(m.values()).toEqual({ 'rollout/sequences': 24, events: 2 });
  });

  it('keeps means and counters side by side', () => {
    const m = new MetricAccumulator();
    m.add('actor/loss', 2);
    m.add('actor/loss', 4);
    m.count('rollout/groups', 3);
    m.count('rollout/groups', 3);
    expect(m.values()).toEqual({ 'actor/loss': 3, 'rollout/groups': 6 });
  });

  it('ignores non-finite observations (they neither add nor count towards the mean)', () => {
    const m = new MetricAccumulator();
    m.add('x', 2);
    m.add('x', Number.NaN);
    m.add('x', Number.POSITIVE_INFINITY);
    m.add('x', Number.NEGATIVE_INFINITY);
    m.add('x', 4);
    m.add('only-nan', Number.NaN);
    expect(m.values()).toEqual({ x: 3 });
  });

  it('is empty when nothing was recorded', () => {
    expect(new MetricAccumulator().values()).toEqual({});
  });
});
