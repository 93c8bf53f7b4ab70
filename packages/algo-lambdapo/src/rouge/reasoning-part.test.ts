import { describe, expect, it } from 'vitest';
import { reasoningPart } from './reasoning-part';

describe('reasoningPart', () => {
  const boxed = /\\boxed\{/g;

  it('cuts before the last match', () => {
    expect(reasoningPart('a \\boxed{1} b \\boxed{2}', boxed)).toBe('a \\boxed{1} b ');
    expect(reasoningPart('7*3=21\n\\boxed{21}', boxed)).toBe('7*3=21\n');
  });

  it('keeps the whole text without a match or without a pattern', () => {
    expect(reasoningPart('no answer here', boxed)).toBe('no answer here');
    expect(reasoningPart('x \\boxed{1}', null)).toBe('x \\boxed{1}');
  });

  it('supports other markers, e.g. GSM8K #### lines', () => {
    expect(reasoningPart('48+24 = 72\n#### 72', /^####/gm)).toBe('48+24 = 72\n');
  });
});
