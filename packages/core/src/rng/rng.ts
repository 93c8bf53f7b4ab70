/** 32-bit FNV-1a of a string: used to derive child-stream seeds from names. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** splitmix32 step: a well-mixed 32-bit output from a 32-bit counter. */
function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Serialisable RNG state: the 4-word xoshiro128** state plus the stream's key. */
export interface RngState {
  readonly key: readonly number[];
  readonly s: readonly [number, number, number, number];
}

/**
 * Seeded, splittable pseudo-random generator (xoshiro128**). One seed in the config drives the
 * whole run; `split(name)` derives an independent stream from this stream's *key* (not from its
 * current position), so adding a consumer never shifts the numbers another consumer sees.
 */
export class Rng {
  private s: [number, number, number, number];
  private readonly key: readonly number[];

  private constructor(key: readonly number[], s?: readonly [number, number, number, number]) {
    this.key = key;
    if (s) {
      this.s = [s[0], s[1], s[2], s[3]];
    } else {
      let h = 0x2545f491;
      for (const k of key) h = splitmix32(h ^ k);
      const a = splitmix32(h);
      const b = splitmix32(a ^ 0x68e31da4);
      const c = splitmix32(b ^ 0xb5297a4d);
      const d = splitmix32(c ^ 0x1b56c4e9);
      this.s = [a, b, c, d === 0 && a === 0 && b === 0 && c === 0 ? 1 : d];
    }
  }

  /** A root stream for an integer seed (any safe integer). */
  static fromSeed(seed: number): Rng {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 2 ** 32) >>> 0;
    return new Rng([lo, hi]);
  }

  /** Rebuild a stream from `state()`. */
  static restore(state: RngState): Rng {
    return new Rng(state.key, state.s);
  }

  /** An independent child stream named `name` (e.g. `sampling`, `task`, `dropout`). */
  split(name: string): Rng {
    return new Rng([...this.key, hashString(name)]);
  }

  /** Current state, JSON-serialisable. */
  state(): RngState {
    return { key: [...this.key], s: [this.s[0], this.s[1], this.s[2], this.s[3]] };
  }

  /** Next uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`int(n) needs a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [lo, hi] inclusive. */
  intBetween(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** Standard normal sample (Box-Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** One element chosen uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() from an empty list');
    return items[this.int(items.length)] as T;
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i] as T;
      out[i] = out[j] as T;
      out[j] = tmp;
    }
    return out;
  }

  /** A fresh 31-bit seed for libraries that take an integer seed. */
  seed(): number {
    return this.nextUint32() >>> 1;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
