import { describe, expect, it } from 'vitest';
import { planGroup } from './plan-group';

const both = { reflection: true, abstraction: true };

describe('planGroup', () => {
  it('no context yet: the whole group from scratch', () => {
    expect(planGroup(8, { awareFraction: 0.5, reflectionShare: 0.5 }, { reflection: false, abstraction: false })).toEqual({
      none: 8,
      reflection: 0,
      abstraction: 0,
    });
  });

  it('default 0.5 / 0.5 on G = 8: 4 from scratch, 2 reflection, 2 abstraction', () => {
    expect(planGroup(8, { awareFraction: 0.5, reflectionShare: 0.5 }, both)).toEqual({ none: 4, reflection: 2, abstraction: 2 });
  });

  it('fractions round half up to whole samples', () => {
    expect(planGroup(8, { awareFraction: 0.3, reflectionShare: 0.5 }, both)).toEqual({ none: 6, reflection: 1, abstraction: 1 });
    expect(planGroup(5, { awareFraction: 0.5, reflectionShare: 0.5 }, both)).toEqual({ none: 2, reflection: 2, abstraction: 1 });
    expect(planGroup(8, { awareFraction: 0.75, reflectionShare: 0.25 }, both)).toEqual({
      none: 2,
      reflection: 2,
      abstraction: 4,
    });
    expect(planGroup(8, { awareFraction: 1, reflectionShare: 0.5 }, both)).toEqual({ none: 0, reflection: 4, abstraction: 4 });
    expect(planGroup(8, { awareFraction: 0, reflectionShare: 0.5 }, both)).toEqual({ none: 8, reflection: 0, abstraction: 0 });
  });

  it('an unavailable kind gives its samples to the other enabled kind', () => {
    const mix = { awareFraction: 0.5, reflectionShare: 0.5 };
    expect(planGroup(8, mix, { reflection: true, abstraction: false })).toEqual({ none: 4, reflection: 4, abstraction: 0 });
    expect(planGroup(8, mix, { reflection: false, abstraction: true })).toEqual({ none: 4, reflection: 0, abstraction: 4 });
  });

  it('a share of 0 or 1 disables a kind (the ablations), even when only that kind is available', () => {
    expect(planGroup(8, { awareFraction: 0.5, reflectionShare: 1 }, both)).toEqual({ none: 4, reflection: 4, abstraction: 0 });
    expect(planGroup(8, { awareFraction: 0.5, reflectionShare: 1 }, { reflection: false, abstraction: true })).toEqual({
      none: 8,
      reflection: 0,
      abstraction: 0,
    });
    expect(planGroup(8, { awareFraction: 0.5, reflectionShare: 0 }, { reflection: true, abstraction: false })).toEqual({
      none: 8,
      reflection: 0,
      abstraction: 0,
    });
  });
});
