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

/** Files that sit next to `tokenizer.json` in a Hugging Face checkpoint, besides `tokenizer_config.json`. */
export interface HfTokenizerExtras {
  /** Parsed `generation_config.json`; its `eos_token_id` (number or list) adds {@link HfTokenizer.extraEosIds}. */
  readonly generationConfig?: Record<string, unknown>;
  /** Contents of `chat_template.jinja`; overrides `tokenizer_config.json`'s `chat_template` (as transformers does). */
  readonly chatTemplateFile?: string;
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

/** `chat_template` as a string: itself, or the `default` entry of a `[{name, template}]` list. */
function templateString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (!Array.isArray(v)) return undefined;
  const entry = v.find((e) => e && typeof e === 'object' && (e as { name?: unknown }).name === 'default') as
    | { template?: unknown }
    | undefined;
  return typeof entry?.template === 'string' ? entry.template : undefined;
}

/** `eos_token_id` of a generation config as a list of ids (empty when absent); throws on non-integers. */
function generationEosIds(gen: Record<string, unknown> | undefined): number[] {
  const v = gen?.eos_token_id;
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  for (const id of list) {
    if (!Number.isInteger(id) || (id as number) < 0) {
      throw new Error(`HfTokenizer: generation_config.json eos_token_id has a bad id ${JSON.stringify(id)}`);
    }
  }
  return list as number[];
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${path}: cannot read (${(e as Error).message})`);
  }
}

function parseJson(path: string, text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${path}: invalid JSON (${(e as Error).message})`);
  }
}

/**
 * A Hugging Face `tokenizer.json` (BPE, WordPiece, Unigram, ...) run by `@huggingface/tokenizers`
 * (pure JS, local files only). Special ids are explicit: EOS must resolve (option, then
 * `tokenizer_config.json`, then the first `generation_config.json` `eos_token_id`, then common names
 * among the added tokens), PAD falls back to EOS, BOS is optional (a config `null` means none). Further `generation_config.json` EOS ids become
 * {@link extraEosIds}. `encode` never adds special tokens but maps added-token text (e.g.
 * `<|im_start|>`) to its single id; `decode` drops every special token.
 */
export class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number | undefined;
  readonly eosId: number;
  /** Ids besides {@link eosId} that end generation (from `generation_config.json` `eos_token_id`). */
  readonly extraEosIds: readonly number[];
  readonly padId: number;
  /** The chat template (jinja source), when the checkpoint has one. */
  readonly chatTemplate: string | undefined;
  private readonly core: HfCore;
  private readonly specialIds: Set<number>;
  private readonly generationConfig: Record<string, unknown> | undefined;
  private readonly chatTemplateFile: string | undefined;

  /**
   * @param json parsed `tokenizer.json`
   * @param config parsed `tokenizer_config.json` (or `{}`)
   * @param special explicit special-token strings
   * @param extras `generation_config.json` and `chat_template.jinja` contents, when present
   */
  constructor(
    private readonly json: Record<string, unknown>,
    private readonly config: Record<string, unknown> = {},
    special: HfSpecialTokens = {},
    extras: HfTokenizerExtras = {},
  ) {
    this.core = new HfCore(json, config);
    const vocab = this.core.get_vocab(true);
    let maxId = -1;
    for (const id of vocab.values()) maxId = Math.max(maxId, id);
    const added = (json.added_tokens as { id: number; content: string; special?: boolean }[] | undefined) ?? [];
    for (const t of added) maxId = Math.max(maxId, t.id);
    this.vocabSize = maxId + 1;
    this.generationConfig = extras.generationConfig;
    this.chatTemplateFile = extras.chatTemplateFile;
    this.chatTemplate = extras.chatTemplateFile ?? templateString(config.chat_template);
    const genEos = generationEosIds(extras.generationConfig);
    for (const id of genEos) {
      if (id >= this.vocabSize) {
        throw new Error(`HfTokenizer: generation_config.json eos_token_id ${id} is outside the vocabulary (${this.vocabSize})`);
      }
    }

    const addedIds = new Map(added.map((t) => [t.content, t.id]));
    const idOf = (s: string | null | undefined): number | undefined => (s == null ? undefined : this.core.token_to_id(s));
    const pick = (
      explicit: string | null | undefined,
      configKey: string,
      guesses: string[],
      fallback?: number,
    ): number | undefined => {
      if (explicit !== undefined) {
        if (explicit === null) return undefined;
        const id = idOf(explicit);
        if (id === undefined) throw new Error(`HfTokenizer: special token '${explicit}' is not in the vocabulary`);
        return id;
      }
      // `"bos_token": null` (or pad) in the config says there is none: no guessing then. EOS is required.
      if (configKey !== 'eos_token' && configKey in config && config[configKey] === null) return undefined;
      const fromConfig = idOf(tokenString(config[configKey]));
      if (fromConfig !== undefined) return fromConfig;
      if (fallback !== undefined) return fallback;
      // Guesses must be added tokens: byte-level vocabularies hold ordinary pieces such as `<s>`.
      for (const g of guesses) {
        const id = addedIds.get(g);
        if (id !== undefined) return id;
      }
      return undefined;
    };
    const eos = pick(special.eos, 'eos_token', EOS_GUESSES, genEos[0]);
    if (eos === undefined) {
      throw new Error('HfTokenizer: no EOS token found; pass special.eos or add eos_token to tokenizer_config.json');
    }
    this.eosId = eos;
    this.extraEosIds = [...new Set(genEos)].filter((id) => id !== eos);
    this.bosId = pick(special.bos, 'bos_token', BOS_GUESSES);
    this.padId = pick(special.pad, 'pad_token', PAD_GUESSES) ?? eos;
    this.specialIds = new Set([this.eosId, this.padId, ...this.extraEosIds]);
    if (this.bosId !== undefined) this.specialIds.add(this.bosId);
    for (const t of added) {
      if (t.special) this.specialIds.add(t.id);
    }
  }

  /**
   * Load a Hugging Face tokenizer from checkpoint folder `dir`: `tokenizer.json` (required) and, when
   * present, `tokenizer_config.json`, `generation_config.json` and `chat_template.jinja`.
   * @param dir folder holding `tokenizer.json`
   * @param special explicit special-token strings (override the files)
   * @param json already-parsed `tokenizer.json` of `dir`, to skip reading it again
   */
  static async fromDir(dir: string, special: HfSpecialTokens = {}, json?: Record<string, unknown>): Promise<HfTokenizer> {
    return HfTokenizer.load(join(dir, 'tokenizer.json'), special, json);
  }

  /**
   * Load a local `tokenizer.json`; the sibling files {@link fromDir} reads are read from its folder.
   * @param path file path of `tokenizer.json`
   * @param special explicit special-token strings (override the files)
   */
  static async fromFile(path: string, special: HfSpecialTokens = {}): Promise<HfTokenizer> {
    return HfTokenizer.load(path, special);
  }

  private static async load(path: string, special: HfSpecialTokens, json?: Record<string, unknown>): Promise<HfTokenizer> {
    const dir = dirname(path);
    let main = json;
    if (main === undefined) {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        throw new Error(`${path}: cannot read tokenizer (${(e as Error).message})`);
      }
      main = parseJson(path, text);
    }
    const [configText, genText, templateText] = await Promise.all(
      ['tokenizer_config.json', 'generation_config.json', 'chat_template.jinja'].map((f) => readOptional(join(dir, f))),
    );
    const config = configText === undefined ? {} : parseJson(join(dir, 'tokenizer_config.json'), configText);
    const extras: HfTokenizerExtras = {
      ...(genText !== undefined ? { generationConfig: parseJson(join(dir, 'generation_config.json'), genText) } : {}),
      ...(templateText !== undefined ? { chatTemplateFile: templateText } : {}),
    };
    try {
      return new HfTokenizer(main, config, special, extras);
    } catch (e) {
      throw new Error(`${dir}: ${(e as Error).message}`, { cause: e });
    }
  }

  encode(text: string): number[] {
    return this.core.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: readonly number[]): string {
    const kept = ids.filter((id) => !this.specialIds.has(id));
    // @huggingface/tokenizers throws on an empty id list (an empty or all-special completion).
    if (kept.length === 0) return '';
    return this.core.decode(kept, { skip_special_tokens: true });
  }

  /** The token string of `id`, or undefined outside the vocabulary. */
  idToToken(id: number): string | undefined {
    return this.core.id_to_token(id) ?? undefined;
  }

  /** The raw `tokenizer.json` object (what checkpoints store as `tokenizer.json`). */
  toJSON(): Record<string, unknown> {
    return this.json;
  }

  /**
   * `tokenizer_config.json` contents with the resolved special tokens written out explicitly; the
   * chat template is kept (a `chat_template.jinja` file's template is written in as `chat_template`).
   */
  configJSON(): Record<string, unknown> {
    return {
      ...this.config,
      ...(this.chatTemplateFile !== undefined ? { chat_template: this.chatTemplateFile } : {}),
      bos_token: this.bosId === undefined ? null : (this.core.id_to_token(this.bosId) ?? null),
      eos_token: this.core.id_to_token(this.eosId) ?? null,
      pad_token: this.core.id_to_token(this.padId) ?? null,
    };
  }

  /** The original `generation_config.json` contents (a shallow copy), or undefined when there was none. */
  generationConfigJSON(): Record<string, unknown> | undefined {
    return this.generationConfig === undefined ? undefined : { ...this.generationConfig };
  }
}
