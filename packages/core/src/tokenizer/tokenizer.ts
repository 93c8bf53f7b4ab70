/** Text <-> token ids. Special tokens are explicit ids; `encode` never adds them implicitly. */
export interface Tokenizer {
  /** Number of ids the model's embedding and head must cover. */
  readonly vocabSize: number;
  /** Beginning-of-sequence id, or undefined when the model uses none. */
  readonly bosId: number | undefined;
  /** End-of-sequence id (generation stops on it). */
  readonly eosId: number;
  /**
   * Further ids that end a completion the way `eosId` does (finish reason `eos`), e.g. Llama 3's
   * `<|eot_id|>` next to `<|end_of_text|>`, from a checkpoint's `generation_config.json`.
   */
  readonly extraEosIds?: readonly number[];
  /** Padding id (never trained on). */
  readonly padId: number;
  /** Encode text to ids, no special tokens added. Unknown characters map per implementation docs. */
  encode(text: string): number[];
  /** Decode ids to text; special tokens are dropped. */
  decode(ids: readonly number[]): string;
  /** Serialisable description, written to checkpoints (`tokenizer.json`). */
  toJSON(): unknown;
}
