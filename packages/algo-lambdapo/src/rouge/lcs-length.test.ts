import { Rng } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { lcsLength } from './lcs-length';
import { lcsLengthDp } from './lcs-length-dp';

const seq = (rng: Rng, n: number, alphabet: number) => Array.from({ length: n }, () => rng.int(alphabet));
const chars = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

describe('lcsLength (bit-parallel)', () => {
  it('matches hand-computed cases', () => {
    expect(lcsLength(chars('ABCBDAB'), chars('BDCABA'))).toBe(4);
    expect(lcsLength(chars('AGGTAB'), chars('GXTXAYB'))).toBe(4);
    expect(lcsLength(chars('abc'), chars('abc'))).toBe(3);
    expect(lcsLength(chars('abc'), chars('def'))).toBe(0);
    expect(lcsLength([], chars('abc'))).toBe(0);
    expect(lcsLength(chars('abc'), [])).toBe(0);
    expect(lcsLength([7, 7, 7], [7])).toBe(1);
    expect(lcsLength([-1.5, 2, 1e9], [1e9, -1.5, 2])).toBe(2);
  });

  it('agrees with the O(nm) DP on random strings, across 32-bit word boundaries', () => {
    const rng = Rng.fromSeed(41);
    const lengths = [1, 2, 31, 32, 33, 63, 64, 65, 95, 96, 97, 128, 200, 317];
    for (const alphabet of [1, 2, 4, 26, 1000]) {
      for (let trial = 0; trial < 30; trial++) {
        const a = seq(rng, rng.pick(lengths) + rng.int(3), alphabet);
        const b = seq(rng, rng.pick(lengths) + rng.int(3), alphabet);
        expect(lcsLength(a, b), `alphabet ${alphabet}, ${a.length} x ${b.length}`).toBe(lcsLengthDp(a, b));
        expect(lcsLength(b, a)).toBe(lcsLength(a, b));
      }
    }
  });

  it('agrees with the DP on long, similar sequences (edits of one another)', () => {
    const rng = Rng.fromSeed(42);
    for (const alphabet of [3, 50]) {
      const a = seq(rng, 1500, alphabet);
      const b = a.filter(() => rng.next() > 0.1).flatMap((x) => (rng.next() < 0.1 ? [x, rng.int(alphabet)] : [x]));
      expect(lcsLength(a, b)).toBe(lcsLengthDp(a, b));
    }
  });
});
