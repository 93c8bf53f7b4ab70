/** A cardinal number written in English words, with its position in the text. */
export interface NumberWordSpan {
  readonly start: number;
  /** End offset (exclusive). */
  readonly end: number;
  readonly value: bigint;
}

const UNITS: Readonly<Record<string, number>> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
};
const TEENS: Readonly<Record<string, number>> = {
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};
const TENS: Readonly<Record<string, number>> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  fourty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};
/** Scale words, also used after digits (`30 thousand`). */
export const SCALES: Readonly<Record<string, bigint>> = {
  thousand: 1000n,
  million: 1_000_000n,
  billion: 1_000_000_000n,
  trillion: 1_000_000_000_000n,
};

type Last = 'none' | 'unit' | 'teen' | 'tens' | 'tens-unit' | 'hundred' | 'scale';

/** Parser state of one number being read word by word. */
class Reader {
  total = 0n;
  current = 0n;
  last: Last = 'none';
  lastScale = 0n;
  hundredInChunk = false;
  start = -1;
  end = -1;

  /** Feed one word; false when it cannot continue this number. */
  feed(word: string): boolean {
    const w = word.toLowerCase();
    const l = this.last;
    const chunkOpen = l === 'none' || l === 'hundred' || l === 'scale';
    if (w in UNITS) {
      if (!(chunkOpen || l === 'tens')) return false;
      this.current += BigInt(UNITS[w] as number);
      this.last = l === 'tens' ? 'tens-unit' : 'unit';
      return true;
    }
    if (w in TEENS || w in TENS) {
      if (!chunkOpen) return false;
      const teen = w in TEENS;
      this.current += BigInt((teen ? TEENS[w] : TENS[w]) as number);
      this.last = teen ? 'teen' : 'tens';
      return true;
    }
    if (w === 'hundred') {
      if (!(l === 'unit' || l === 'teen') || this.hundredInChunk) return false;
      this.current *= 100n;
      this.hundredInChunk = true;
      this.last = 'hundred';
      return true;
    }
    const scale = SCALES[w];
    if (scale !== undefined) {
      if (l === 'none' || l === 'scale' || this.current === 0n) return false;
      if (this.lastScale !== 0n && scale >= this.lastScale) return false;
      this.total += this.current * scale;
      this.current = 0n;
      this.lastScale = scale;
      this.hundredInChunk = false;
      this.last = 'scale';
      return true;
    }
    return false;
  }

  value(): bigint {
    return this.total + this.current;
  }
}

const WORD = /[A-Za-z]+/g;

/**
 * Every cardinal number written in words (`thirty`, `twenty-four`, `twenty four`, `one hundred
 * and five`, `two thousand three hundred`), longest reading first, case-insensitive. Ordinals
 * (`third`), fractions in words (`a half`), `a hundred` and `dozen` are not read. A number ends
 * at the first word (or separator other than a space, hyphen or an `and` after `hundred` /
 * a scale word) that cannot continue it.
 */
export function numberWordSpans(text: string): NumberWordSpan[] {
  const out: NumberWordSpan[] = [];
  let reader: Reader | undefined;
  let prevEnd = -1;
  let pendingAnd = false;
  const flush = () => {
    if (reader && reader.start >= 0) out.push({ start: reader.start, end: reader.end, value: reader.value() });
    reader = undefined;
    pendingAnd = false;
  };
  for (const m of text.matchAll(WORD)) {
    const word = m[0];
    const start = m.index;
    const gap = prevEnd >= 0 ? text.slice(prevEnd, start) : '';
    const joined = reader !== undefined && /^(?:\s+|\s*-\s*)$/.test(gap) && !gap.includes('\n');
    if (reader && !joined) flush();
    prevEnd = start + word.length;
    if (reader && word.toLowerCase() === 'and' && !pendingAnd && (reader.last === 'hundred' || reader.last === 'scale')) {
      pendingAnd = true;
      continue;
    }
    if (reader?.feed(word)) {
      reader.end = start + word.length;
      pendingAnd = false;
      continue;
    }
    if (reader) flush();
    const fresh = new Reader();
    if (fresh.feed(word)) {
      fresh.start = start;
      fresh.end = start + word.length;
      reader = fresh;
    }
  }
  flush();
  return out;
}
