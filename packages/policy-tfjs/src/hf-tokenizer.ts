import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Tokenizer as HfCore } from '@huggingface/tokenizers';
import type { Tokenizer } from '@trellis/core';

/** Special tokens to use, by token string; each overrides `tokenizer_config.json` and the built-in guesses. */
export interface HfSpecialTokens {
  readonly bos?: string | null;
  readonly eos?: string;
  readonly pad?: string;
}

const EOS_GUESSES = ['<|endoftext|>', '</s>', '<eos>', '<|end_of_text|>', '<|im_end|>', '[SEP]'];
const BOS_GUESSES = ['<|begin_of_text|>', '<s>', '<bos>', '[CLS]'];
const PAD_GUESSES = ['<pad>', '[PAD]', '<|pad|>'];

function tokenString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string')
    return (v as { content: string }).content;
  return undefined;
}

/**
 * A Hugging Face `tokenizer.json` (BPE, WordPiece, Unigram, ...) run by `@huggingface/tokenizers`
 * (pure JS, local files only). Special ids are explicit: EOS must resolve (option, then
 * `tokenizer_config.json` next to the file, then common names), PAD falls back to EOS, BOS is
 * optional. `encode` never adds special tokens; `decode` drops every special token.
 */
export class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number | undefined;
  readonly eosId: number;
  readonly padId: number;
  private readonly core: HfCore;
  private readonly specialIds: Set<number>;

  /**
   * @param json parsed `tokenizer.json`
   * @param config parsed `tokenizer_config.json` (or `{}`)
   * @param special explicit special-token strings
   */
  constructor(
    private readonly json: Record<string, unknown>,
    private readonly config: Record<string, unknown> = {},
    special: HfSpecialTokens = {},
  ) {
    this.core = new HfCore(json, config);
    const vocab = this.core.get_vocab(true);
    let maxId = -1;
    for (const id of vocab.values()) maxId = Math.max(maxId, id);
    for (const t of (json.added_tokens as { id: number }[] | undefined) ?? []) maxId = Math.max(maxId, t.id);
    this.vocabSize = maxId + 1;
    const idOf = (s: string | null | undefined): number | undefined => (s == null ? undefined : this.core.token_to_id(s));
    const pick = (explicit: string | null | undefined, configKey: string, guesses: string[]): number | undefined => {
      if (explicit !== undefined) {
        if (explicit === null) return undefined;
        const id = idOf(explicit);
        if (id === undefined) throw new Error(`HfTokenizer: special token '${explicit}' is not in the vocabulary`);
        return id;
      }
      const fromConfig = idOf(tokenString(config[configKey]));
      if (fromConfig !== undefined) return fromConfig;
      for (const g of guesses) {
        const id = idOf(g);
        if (id !== undefined) return id;
      }
      return undefined;
    };
    const eos = pick(special.eos, 'eos_token', EOS_GUESSES);
    if (eos === undefined) {
      throw new Error('HfTokenizer: no EOS token found; pass special.eos or add eos_token to tokenizer_config.json');
    }
    this.eosId = eos;
    this.bosId = pick(special.bos, 'bos_token', BOS_GUESSES);
    this.padId = pick(special.pad, 'pad_token', PAD_GUESSES) ?? eos;
    this.specialIds = new Set([this.eosId, this.padId]);
    if (this.bosId !== undefined) this.specialIds.add(this.bosId);
    for (const t of (json.added_tokens as { id: number; special?: boolean }[] | undefined) ?? []) {
      if (t.special) this.specialIds.add(t.id);
    }
  }

  /**
   * Load a local `tokenizer.json`; a `tokenizer_config.json` in the same folder is read when present.
   * @param path file path of `tokenizer.json`
   */
  static async fromFile(path: string, special: HfSpecialTokens = {}): Promise<HfTokenizer> {
    const json = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    let config: Record<string, unknown> = {};
    try {
      config = JSON.parse(await readFile(join(dirname(path), 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    } catch {
      config = {};
    }
    return new HfTokenizer(json, config, special);
  }

  encode(text: string): number[] {
    return this.core.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: readonly number[]): string {
    return this.core.decode(
      ids.filter((id) => !this.specialIds.has(id)),
      { skip_special_tokens: true },
    );
  }

  /** The raw `tokenizer.json` object (what checkpoints store as `tokenizer.json`). */
  toJSON(): Record<string, unknown> {
    return this.json;
  }

  /** `tokenizer_config.json` contents with the resolved special tokens written out explicitly. */
  configJSON(): Record<string, unknown> {
    return {
      ...this.config,
      bos_token: this.bosId === undefined ? null : (this.core.id_to_token(this.bosId) ?? null),
      eos_token: this.core.id_to_token(this.eosId) ?? null,
      pad_token: this.core.id_to_token(this.padId) ?? null,
    };
  }
}
