import type { Tokenizer } from '@trellis/core';

/** Printable ASCII (space to `~`) and newline: the compact alphabet when nothing narrows it. */
export const PRINTABLE_ASCII = `\n${Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('')}`;

const roundTrips = (tokenizer: Tokenizer, text: string) => {
  try {
    return tokenizer.decode(tokenizer.encode(text)) === text;
  } catch {
    return false; // A tokenizer that cannot encode the text does not have it.
  }
};

/**
 * The characters of `candidates` (default printable ASCII and newline) that `tokenizer` encodes
 * and decodes back unchanged: what a policy with that tokenizer can read. A character counts when
 * it round-trips alone or between two `0`s or two `a`s (subword tokenizers may drop a lone
 * leading space when decoding).
 */
export function tokenizerAlphabet(tokenizer: Tokenizer, candidates: string = PRINTABLE_ASCII): string {
  let out = '';
  for (const ch of new Set(candidates)) {
    if (roundTrips(tokenizer, ch) || roundTrips(tokenizer, `0${ch}0`) || roundTrips(tokenizer, `a${ch}a`)) out += ch;
  }
  return out;
}

/** Whether every character of `text` is in `alphabet`. */
export function fitsAlphabet(text: string, alphabet: string): boolean {
  for (const ch of text) if (!alphabet.includes(ch)) return false;
  return true;
}
