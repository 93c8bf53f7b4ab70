import { describeRolloutStrategyConformance } from '@trellis/core/testing';
import { describe, expect, it } from 'vitest';
import plugin, { lanpoCatalog } from './index';

// Reflection only: the suite builds the strategy in a container without feedback providers (its
// `feedback` option only reaches `context.feedback`), and with abstraction enabled the strategy
// refuses such a config at init. Abstraction is covered by lanpo-rollout-strategy.test.ts.
describeRolloutStrategyConformance('lanpo (reflection only)', { plugin, use: 'lanpo', options: { reflectionShare: 1 } });

describe('algo-lanpo manifest', () => {
  it('provides exactly what its catalog binds', () => {
    expect(plugin.provides).toEqual({ rollout: ['lanpo'], advantage: ['lanpo'] });
    expect(lanpoCatalog.map((e) => `${e.slot}:${e.id}`)).toEqual(['rollout:lanpo', 'advantage:lanpo']);
  });
});
