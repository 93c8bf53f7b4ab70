import { Rng } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { lcsLengthDp } from './lcs-length-dp';
import { mathWordTokens } from './math-word-tokens';
import { reasoningPart } from './reasoning-part';
import { rougeL } from './rouge-l-score';

const words = (s: string) => s.split(' ');

describe('rougeL', () => {
  it("matches Lin (2004)'s example", () => {
    const reference = words('police killed the gunman');
    expect(rougeL(words('police kill the gunman'), reference)).toEqual({ lcs: 3, precision: 0.75, recall: 0.75, f: 0.75 });
    expect(rougeL(words('the gunman kill police'), reference)).toEqual({ lcs: 2, precision: 0.5, recall: 0.5, f: 0.5 });
  });

  it('computes precision, recall and F-beta by hand', () => {
    // LCS of [a b c d e f] and [a x c e] is [a c e].
    const s = rougeL(words('a b c d e f'), words('a x c e'));
    expect(s.lcs).toBe(3);
    expect(s.precision).toBeCloseTo(0.5, 12);
    expect(s.recall).toBeCloseTo(0.75, 12);
    expect(s.f).toBeCloseTo(0.6, 12);
    // F_2 = 5 P R / (4 P + R) = 5 * 0.375 / 2.75
    expect(rougeL(words('a b c d e f'), words('a x c e'), 2).f).toBeCloseTo(1.875 / 2.75, 12);
    expect(rougeL([], words('a b')).f).toBe(0);
    expect(rougeL(words('a b'), []).f).toBe(0);
  });

  it('scores a reordered arithmetic solution (hand-computed LCS 6 of 10)', () => {
    const ref = mathWordTokens(reasoningPart('7*3=21\n12+21=33\n\\boxed{33}', /\\boxed\{/g)).tokens;
    const cand = mathWordTokens(reasoningPart('3*7=21\n21+12=33\n\\boxed{33}', /\\boxed\{/g)).tokens;
    expect(ref).toHaveLength(10);
    const s = rougeL(cand, ref);
    expect(s.lcs).toBe(6);
    expect(s.f).toBeCloseTo(0.6, 12);
  });

  it('agrees with the plain DP on random token strings', () => {
    const rng = Rng.fromSeed(43);
    const vocab = ['x', '=', '+', '1', '2', 'the', 'so', '*', '3'];
    for (let t = 0; t < 50; t++) {
      const a = Array.from({ length: rng.int(120) }, () => rng.pick(vocab));
      const b = Array.from({ length: rng.int(120) }, () => rng.pick(vocab));
      const ids = (xs: string[]) => xs.map((x) => vocab.indexOf(x));
      expect(rougeL(a, b).lcs).toBe(lcsLengthDp(ids(a), ids(b)));
    }
  });
});
