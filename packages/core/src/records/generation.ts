/** One prompt to complete. */
export interface GenerationRequest {
  /** Full prompt text, any injected context included. */
  readonly prompt: string;
  /**
   * Optional text the completion is forced to start with (e.g. a prefilled `<feedback>` block).
   * Its tokens belong to the completion, are returned with `forced: true` per token, and are
   * excluded from the loss by the rollout's loss mask.
   */
  readonly prefill?: string;
  /**
   * Seed of this request's own sampling stream. When set, the request samples the same tokens
   * whatever other requests share its `generate` call (used by batching servers); when unset,
   * its stream derives from the call's `sampling.seed` and its index in the call.
   */
  readonly seed?: number;
}

/** Sampling settings for one `Policy.generate` call. */
export interface SamplingParams {
  /** Softmax temperature (> 0). Ignored when `greedy`. Log-probs are reported at this temperature. */
  readonly temperature: number;
  /** Keep only the k most likely tokens (0 or undefined = off). */
  readonly topK?: number;
  /** Nucleus sampling mass in (0, 1] (1 or undefined = off). */
  readonly topP?: number;
  /** Maximum number of new tokens (prefill tokens not counted). */
  readonly maxNewTokens: number;
  /** Stop when the decoded completion ends with any of these strings (the stop string is kept). */
  readonly stop?: readonly string[];
  /** Stop on these token ids (in addition to the tokenizer's EOS). */
  readonly stopTokenIds?: readonly number[];
  /** Argmax decoding. */
  readonly greedy?: boolean;
  /** Seed for this call; the same seed, prompts and weights give the same samples. */
  readonly seed?: number;
}

/** Why generation of one sequence ended. */
export type FinishReason = 'eos' | 'stop' | 'length';

/** The result for one `GenerationRequest`. */
export interface GenerationResult {
  /** Token ids of the prompt as fed to the model (BOS included when the tokenizer uses one). */
  readonly promptIds: readonly number[];
  /** Completion token ids, prefill tokens first, EOS/stop token included when produced. */
  readonly completionIds: readonly number[];
  /** Decoded completion text (prefill included, special tokens removed). */
  readonly text: string;
  /**
   * Behaviour log-probs, one per completion token, natural log, of the distribution actually
   * sampled from (temperature applied, before top-k/top-p truncation). Prefill tokens carry the
   * model's log-prob too, although they were forced.
   */
  readonly logProbs: readonly number[];
  /** Number of leading completion tokens that came from `prefill` (forced, not sampled). */
  readonly prefillLength: number;
  /** Temperature `logProbs` were taken at: the sampling temperature, 1 for greedy decoding. */
  readonly temperature: number;
  readonly finishReason: FinishReason;
  /**
   * Prompt tokens the policy cut from the left because prompt + prefill did not fit its context
   * (0 when everything fit; undefined from a policy that does not report it). Counted by the
   * trainer as `rollout/prompt_truncated` and by `trellis eval`.
   */
  readonly promptTruncated?: number;
}
