import type { Tokenizer } from '@trellis/core';

/** Serialised form of a {@link CharTokenizer} (written as `tokenizer.json` in checkpoints). */
export interface CharTokenizerJSON {
  readonly type: 'char';
  readonly alphabet: string;
}

/** Printable ASCII (space to `~`) plus newline: the default alphabet of the embedded model. */
export const DEFAULT_ALPHABET = `\n${Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('')}`;

/**
 * Character-level tokenizer. Fixed special ids: PAD = 0, BOS = 1, EOS = 2, UNK = 3; the
 * alphabet's characters (Unicode code points, duplicates ignored) follow from id 4 in order.
 * `encode` maps characters outside the alphabet to UNK; `decode` drops PAD/BOS/EOS and renders
 * UNK as U+FFFD.
 */
export class CharTokenizer implements Tokenizer {
  static readonly PAD = 0;
  static readonly BOS = 1;
  static readonly EOS = 2;
  static readonly UNK = 3;
  static readonly FIRST_CHAR_ID = 4;

  readonly vocabSize: number;
  readonly bosId = CharTokenizer.BOS;
  readonly eosId = CharTokenizer.EOS;
  readonly padId = CharTokenizer.PAD;
  readonly unkId = CharTokenizer.UNK;
  /** The alphabet with duplicates removed, in id order. */
  readonly alphabet: string;
  private readonly toId = new Map<string, number>();
  private readonly chars: string[];

  constructor(alphabet: string = DEFAULT_ALPHABET) {
    this.chars = [];
    for (const ch of alphabet) {
      if (this.toId.has(ch)) continue;
      this.toId.set(ch, CharTokenizer.FIRST_CHAR_ID + this.chars.length);
      this.chars.push(ch);
    }
    if (this.chars.length === 0) throw new Error('CharTokenizer needs a non-empty alphabet');
    this.alphabet = this.chars.join('');
    this.vocabSize = CharTokenizer.FIRST_CHAR_ID + this.chars.length;
  }

  /** One id per character; unknown characters become UNK (3). No special tokens are added. */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const ch of text) ids.push(this.toId.get(ch) ?? CharTokenizer.UNK);
    return ids;
  }

  /** Text of `ids`; PAD/BOS/EOS (and out-of-range ids) are dropped, UNK becomes U+FFFD. */
  decode(ids: readonly number[]): string {
    let out = '';
    for (const id of ids) {
      if (id === CharTokenizer.UNK) out += '\uFFFD';
      else if (id >= CharTokenizer.FIRST_CHAR_ID) out += this.chars[id - CharTokenizer.FIRST_CHAR_ID] ?? '';
    }
    return out;
  }

  toJSON(): CharTokenizerJSON {
    return { type: 'char', alphabet: this.alphabet };
  }

  /** Rebuild from {@link CharTokenizer.toJSON} output. */
  static fromJSON(json: unknown): CharTokenizer {
    const j = json as Partial<CharTokenizerJSON> | null;
    if (j?.type !== 'char' || typeof j.alphabet !== 'string') {
      throw new Error('CharTokenizer.fromJSON: expected { type: "char", alphabet: string }');
    }
    return new CharTokenizer(j.alphabet);
  }
}
