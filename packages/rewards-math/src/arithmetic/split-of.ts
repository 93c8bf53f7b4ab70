import type { Split } from '@trellis/core';

/** 32-bit FNV-1a followed by a murmur3-style finaliser: a well-mixed hash of a string. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The split a canonical question belongs to: `test` when its hash, as a fraction of 2^32, is
 * below `testFraction`. A pure function of the text, so the splits are disjoint by construction.
 */
export function splitOf(question: string, testFraction: number): Split {
  return hash32(question) / 2 ** 32 < testFraction ? 'test' : 'train';
}
