/**
 * Hugging Face `config.json` for the Llama family (Llama, Qwen2, Qwen3): parsed into one resolved
 * shape, written back, and turned into RoPE inverse frequencies. Each rule below says which
 * `transformers` behaviour it mirrors (configuration_*.py, modeling_*.py, modeling_rope_utils.py).
 */

/** RoPE frequency scaling, resolved (all defaults applied). */
export type RopeScaling =
  | { readonly type: 'default' }
  | { readonly type: 'linear'; readonly factor: number }
  | {
      readonly type: 'llama3';
      readonly factor: number;
      readonly lowFreqFactor: number;
      readonly highFreqFactor: number;
      readonly originalMaxPositionEmbeddings: number;
    }
  | {
      readonly type: 'yarn';
      /** The factor transformers actually applies (see parseHfConfig on `original_max_position_embeddings`). */
      readonly factor: number;
      readonly originalMaxPositionEmbeddings: number;
      readonly betaFast: number;
      readonly betaSlow: number;
      /** cos/sin multiplier; when absent, 0.1 * ln(factor) + 1 (1 for factor <= 1). */
      readonly attentionFactor?: number;
    };

/** A resolved Llama-family model shape, as read from `config.json`. */
export interface LlamaFamilyConfig {
  readonly modelType: 'llama' | 'qwen2' | 'qwen3';
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly nLayers: number;
  readonly nHeads: number;
  readonly nKVHeads: number;
  readonly headDim: number;
  readonly rmsNormEps: number;
  readonly ropeTheta: number;
  readonly ropeScaling: RopeScaling;
  readonly maxPositionEmbeddings: number;
  readonly tieWordEmbeddings: boolean;
  /** q/k/v projections have biases (Qwen2 always; Llama/Qwen3 `attention_bias`). */
  readonly attentionBias: boolean;
  /** o_proj has a bias (Llama/Qwen3 `attention_bias`; Qwen2 never). */
  readonly oProjBias: boolean;
  /** gate/up/down projections have biases (Llama `mlp_bias`; Qwen never). */
  readonly mlpBias: boolean;
  /** Qwen3: RMSNorm over head_dim on queries and keys (`q_norm`, `k_norm`). */
  readonly qkNorm: boolean;
  readonly bosTokenId?: number;
  readonly eosTokenIds: readonly number[];
}

type ModelType = LlamaFamilyConfig['modelType'];
type Json = Record<string, unknown>;

const MODEL_TYPES: readonly ModelType[] = ['llama', 'qwen2', 'qwen3'];
const ROPE_TYPES = ['default', 'linear', 'llama3', 'yarn'] as const;
const ARCHITECTURES: Record<ModelType, string> = {
  llama: 'LlamaForCausalLM',
  qwen2: 'Qwen2ForCausalLM',
  qwen3: 'Qwen3ForCausalLM',
};
/** Per-class `max_position_embeddings` defaults of LlamaConfig / Qwen2Config / Qwen3Config. */
const MAX_POSITIONS_DEFAULT: Record<ModelType, number> = { llama: 2048, qwen2: 32768, qwen3: 32768 };

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : (JSON.stringify(v) ?? String(v)));

/** True when `json` looks like a Hugging Face config: an object with a string `model_type`. */
export function isHfConfig(json: unknown): boolean {
  return isObject(json) && typeof json.model_type === 'string';
}

/** Typed access to one JSON object, with errors that name the source file and the key path. */
class Reader {
  constructor(
    readonly source: string,
    readonly obj: Json,
    readonly prefix = '',
  ) {}

  fail(key: string, problem: string): never {
    throw new Error(`${this.source}: ${this.prefix}${key} ${problem}`);
  }

  /** The value, with JSON null treated as absent (as transformers' `.get(...) or default` does). */
  get(key: string): unknown {
    const v = this.obj[key];
    return v === null ? undefined : v;
  }

  num(key: string, fallback?: number, opts: { int?: boolean; positive?: boolean } = {}): number {
    const v = this.get(key);
    const kind = `${opts.positive === false ? 'a' : 'a positive'} ${opts.int ? 'integer' : 'number'}`;
    if (v === undefined) {
      if (fallback === undefined) this.fail(key, `is missing (required, ${kind})`);
      return fallback as number;
    }
    const ok =
      typeof v === 'number' && Number.isFinite(v) && (!opts.int || Number.isSafeInteger(v)) && (opts.positive === false || v > 0);
    if (!ok) this.fail(key, `must be ${kind}, got ${show(v)}`);
    return v as number;
  }

  int(key: string, fallback?: number): number {
    return this.num(key, fallback, { int: true });
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.get(key);
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') this.fail(key, `must be true or false, got ${show(v)}`);
    return v as boolean;
  }

  tokenId(key: string): number | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (!Number.isSafeInteger(v) || (v as number) < 0) this.fail(key, `must be a non-negative integer, got ${show(v)}`);
    return v as number;
  }
}

function parseRope(r: Reader, maxPositions: number): RopeScaling {
  // modeling_rope_utils: rope_type = rope_scaling.get("rope_type", rope_scaling.get("type")).
  const typeKey = r.obj.rope_type !== undefined ? 'rope_type' : 'type';
  const type = r.get(typeKey);
  if (type === undefined) r.fail('rope_type', `is missing; supported: ${ROPE_TYPES.join(', ')}`);
  if (!(ROPE_TYPES as readonly unknown[]).includes(type)) {
    r.fail(typeKey, `${show(type)} is not supported; supported: ${ROPE_TYPES.join(', ')}`);
  }
  const partial = r.get('partial_rotary_factor');
  if (partial !== undefined && partial !== 1) r.fail('partial_rotary_factor', `${show(partial)} is not supported; supported: 1`);
  switch (type as (typeof ROPE_TYPES)[number]) {
    case 'default':
      return { type: 'default' };
    case 'linear':
      return { type: 'linear', factor: r.num('factor') };
    case 'llama3': {
      // _compute_llama3_parameters reads all four keys unconditionally.
      const lowFreqFactor = r.num('low_freq_factor');
      const highFreqFactor = r.num('high_freq_factor');
      if (highFreqFactor <= lowFreqFactor) {
        r.fail('high_freq_factor', `${highFreqFactor} must be greater than low_freq_factor ${lowFreqFactor}`);
      }
      return {
        type: 'llama3',
        factor: r.num('factor'),
        lowFreqFactor,
        highFreqFactor,
        originalMaxPositionEmbeddings: r.int('original_max_position_embeddings'),
      };
    }
    case 'yarn': {
      // _compute_yarn_parameters (transformers >= 4.51): when original_max_position_embeddings is given, the
      // factor actually used is max_position_embeddings / original_max_position_embeddings (the DeepSeek-V3
      // rule), otherwise `factor` with original = max_position_embeddings.
      let factor = r.num('factor');
      const original = r.get('original_max_position_embeddings');
      const originalMaxPositionEmbeddings = original === undefined ? maxPositions : r.int('original_max_position_embeddings');
      if (original !== undefined) factor = maxPositions / originalMaxPositionEmbeddings;
      // beta_fast/beta_slow: `.get(...) or 32` / `or 1`, so 0 and null also mean the default.
      const betaFast = r.num('beta_fast', 32, { positive: false }) || 32;
      const betaSlow = r.num('beta_slow', 1, { positive: false }) || 1;
      if (r.get('truncate') === false) r.fail('truncate', 'false is not supported; supported: true');
      let attentionFactor = r.get('attention_factor') === undefined ? undefined : r.num('attention_factor');
      const mscale = r.num('mscale', 0, { positive: false });
      const mscaleAllDim = r.num('mscale_all_dim', 0, { positive: false });
      // `if mscale and mscale_all_dim: attention_factor = get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim)`.
      if (attentionFactor === undefined && mscale && mscaleAllDim) {
        attentionFactor = yarnMscale(factor, mscale) / yarnMscale(factor, mscaleAllDim);
      }
      return {
        type: 'yarn',
        factor,
        originalMaxPositionEmbeddings,
        betaFast,
        betaSlow,
        ...(attentionFactor === undefined ? {} : { attentionFactor }),
      };
    }
  }
}

function yarnMscale(scale: number, mscale = 1): number {
  return scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1;
}

/**
 * Parse a Llama / Qwen2 / Qwen3 `config.json` object; `source` (the file name) prefixes every error,
 * which also names the key path, the bad value and the supported values.
 *
 * Defaults (only where the key is absent or null): `num_key_value_heads` = `num_attention_heads`;
 * `head_dim` = hidden_size // num_attention_heads (Qwen3: 128, Qwen3Config's default);
 * `rms_norm_eps` 1e-6; `rope_theta` 10000; `max_position_embeddings` 2048 for llama, 32768 for qwen2/qwen3
 * (the per-class defaults); `tie_word_embeddings` false (all three config classes default to False; Qwen
 * configs on the hub always set it); `hidden_act` silu. Missing bos/eos ids stay absent / empty (no
 * model-specific ids are invented). The five size keys are required.
 *
 * The RoPE block is `rope_parameters` (transformers v5, may hold `rope_theta`) or else `rope_scaling`.
 */
export function parseHfConfig(json: unknown, source: string): LlamaFamilyConfig {
  if (!isObject(json)) throw new Error(`${source}: expected a JSON object, got ${show(json)}`);
  const r = new Reader(source, json);
  const mt = r.get('model_type');
  if (typeof mt !== 'string' || !(MODEL_TYPES as readonly string[]).includes(mt)) {
    r.fail('model_type', `${show(mt)} is not supported; supported: ${MODEL_TYPES.join(', ')}`);
  }
  const modelType = mt as ModelType;
  // LlamaMLP / Qwen2MLP use ACT2FN[config.hidden_act]; only SiLU-gated MLPs are implemented here.
  const act = r.get('hidden_act') ?? 'silu';
  if (act !== 'silu') r.fail('hidden_act', `${show(act)} is not supported; supported: silu`);
  if (modelType !== 'llama') {
    // Qwen2Config/Qwen3Config: sliding windows only apply with use_sliding_window true (or explicit layer_types).
    if (r.bool('use_sliding_window', false)) r.fail('use_sliding_window', 'true is not supported; supported: false');
  }
  const partial = r.get('partial_rotary_factor');
  if (partial !== undefined && partial !== 1) r.fail('partial_rotary_factor', `${show(partial)} is not supported; supported: 1`);
  const layerTypes = r.get('layer_types');
  if (Array.isArray(layerTypes)) {
    const i = layerTypes.findIndex((t) => t !== 'full_attention');
    if (i >= 0) r.fail(`layer_types[${i}]`, `${show(layerTypes[i])} is not supported; supported: full_attention`);
  }

  const vocabSize = r.int('vocab_size');
  const hiddenSize = r.int('hidden_size');
  const intermediateSize = r.int('intermediate_size');
  const nLayers = r.int('num_hidden_layers');
  const nHeads = r.int('num_attention_heads');
  // LlamaConfig: `if num_key_value_heads is None: num_key_value_heads = num_attention_heads`.
  const nKVHeads = r.int('num_key_value_heads', nHeads);
  if (nHeads % nKVHeads !== 0) r.fail('num_key_value_heads', `${nKVHeads} must divide num_attention_heads ${nHeads}`);
  // LlamaAttention: getattr(config, "head_dim", hidden_size // num_attention_heads); Qwen3Config defaults it to 128.
  const derivedHeadDim = modelType === 'qwen3' ? 128 : Math.floor(hiddenSize / nHeads);
  if (derivedHeadDim === 0 && r.get('head_dim') === undefined) {
    r.fail('head_dim', `is missing and hidden_size ${hiddenSize} // num_attention_heads ${nHeads} is 0`);
  }
  const headDim = r.int('head_dim', derivedHeadDim);
  if (headDim % 2 !== 0) r.fail('head_dim', `${headDim} must be even (RoPE rotates pairs)`);
  const maxPositionEmbeddings = r.int('max_position_embeddings', MAX_POSITIONS_DEFAULT[modelType]);

  const ropeParams = r.get('rope_parameters');
  let ropeTheta: number;
  let ropeScaling: RopeScaling;
  if (isObject(ropeParams)) {
    const rr = new Reader(source, ropeParams, 'rope_parameters.');
    ropeTheta = rr.num('rope_theta', r.num('rope_theta', 10000));
    ropeScaling = parseRope(rr, maxPositionEmbeddings);
  } else {
    ropeTheta = r.num('rope_theta', 10000);
    const rs = r.get('rope_scaling');
    if (rs !== undefined && !isObject(rs)) r.fail('rope_scaling', `must be an object or null, got ${show(rs)}`);
    ropeScaling =
      rs === undefined ? { type: 'default' } : parseRope(new Reader(source, rs as Json, 'rope_scaling.'), maxPositionEmbeddings);
  }

  // LlamaAttention: q/k/v/o bias = attention_bias; Qwen2Attention: q/k/v bias=True, o_proj bias=False;
  // Qwen3Attention: q/k/v/o bias = attention_bias. LlamaMLP bias = mlp_bias; Qwen MLPs bias=False.
  const attentionBias = modelType === 'qwen2' ? true : r.bool('attention_bias', false);
  const oProjBias = modelType === 'qwen2' ? false : attentionBias;
  const mlpBias = modelType === 'llama' ? r.bool('mlp_bias', false) : false;

  // eos_token_id may be one id or a list (GenerationConfig accepts both).
  const eos = r.get('eos_token_id');
  const eosTokenIds = (Array.isArray(eos) ? eos : eos === undefined ? [] : [eos]) as number[];
  eosTokenIds.forEach((id, i) => {
    const key = Array.isArray(eos) ? `eos_token_id[${i}]` : 'eos_token_id';
    if (!Number.isSafeInteger(id) || id < 0) r.fail(key, `must be a non-negative integer, got ${show(id)}`);
  });
  const bosTokenId = r.tokenId('bos_token_id');

  return {
    modelType,
    vocabSize,
    hiddenSize,
    intermediateSize,
    nLayers,
    nHeads,
    nKVHeads,
    headDim,
    rmsNormEps: r.num('rms_norm_eps', 1e-6),
    ropeTheta,
    ropeScaling,
    maxPositionEmbeddings,
    tieWordEmbeddings: r.bool('tie_word_embeddings', false),
    attentionBias,
    oProjBias,
    mlpBias,
    qkNorm: modelType === 'qwen3',
    ...(bosTokenId === undefined ? {} : { bosTokenId }),
    eosTokenIds,
  };
}

function ropeToHf(c: LlamaFamilyConfig): Json | null {
  const s = c.ropeScaling;
  switch (s.type) {
    case 'default':
      return null;
    case 'linear':
      return { rope_type: 'linear', factor: s.factor };
    case 'llama3':
      return {
        rope_type: 'llama3',
        factor: s.factor,
        low_freq_factor: s.lowFreqFactor,
        high_freq_factor: s.highFreqFactor,
        original_max_position_embeddings: s.originalMaxPositionEmbeddings,
      };
    case 'yarn': {
      const out: Json = { rope_type: 'yarn', factor: s.factor, beta_fast: s.betaFast, beta_slow: s.betaSlow };
      if (s.attentionFactor !== undefined) out.attention_factor = s.attentionFactor;
      // Writing original_max_position_embeddings makes transformers use max_position_embeddings / original.
      if (s.factor === c.maxPositionEmbeddings / s.originalMaxPositionEmbeddings) {
        out.original_max_position_embeddings = s.originalMaxPositionEmbeddings;
      } else if (s.originalMaxPositionEmbeddings !== c.maxPositionEmbeddings) {
        throw new Error(
          `toHfConfig: yarn factor ${s.factor} with original_max_position_embeddings ${s.originalMaxPositionEmbeddings} ` +
            `cannot be expressed: transformers uses max_position_embeddings / original (${c.maxPositionEmbeddings / s.originalMaxPositionEmbeddings})`,
        );
      }
      return out;
    }
  }
}

function checkExpressible(c: LlamaFamilyConfig): void {
  const bad = (what: string) => {
    throw new Error(`toHfConfig: ${c.modelType} cannot express ${what}`);
  };
  if (c.qkNorm !== (c.modelType === 'qwen3')) bad(`qkNorm ${c.qkNorm}`);
  if (c.modelType === 'qwen2' && (!c.attentionBias || c.oProjBias))
    bad('q/k/v biases other than on and o_proj bias other than off');
  if (c.modelType !== 'qwen2' && c.oProjBias !== c.attentionBias) bad('an o_proj bias different from the q/k/v biases');
  if (c.modelType !== 'llama' && c.mlpBias) bad('MLP biases');
}

/**
 * Write `c` back as Hugging Face config keys (snake_case, `architectures`, `torch_dtype` float32),
 * over a copy of `original` so its unknown keys survive. A v5-style `rope_parameters` in `original`
 * is replaced by the classic `rope_theta` + `rope_scaling` (null for default). Throws when `c`
 * holds a combination its model type cannot express (e.g. qwen2 without q/k/v biases).
 */
export function toHfConfig(c: LlamaFamilyConfig, original?: Record<string, unknown>): Record<string, unknown> {
  checkExpressible(c);
  const out: Json = { ...original };
  delete out.rope_parameters;
  Object.assign(out, {
    architectures: [ARCHITECTURES[c.modelType]],
    model_type: c.modelType,
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.nLayers,
    num_attention_heads: c.nHeads,
    num_key_value_heads: c.nKVHeads,
    head_dim: c.headDim,
    hidden_act: 'silu',
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    rope_scaling: ropeToHf(c),
    max_position_embeddings: c.maxPositionEmbeddings,
    tie_word_embeddings: c.tieWordEmbeddings,
    torch_dtype: 'float32',
  });
  if ('dtype' in out) out.dtype = 'float32'; // transformers v5 spelling
  if (c.modelType !== 'qwen2') out.attention_bias = c.attentionBias;
  if (c.modelType === 'llama') out.mlp_bias = c.mlpBias;
  else out.use_sliding_window = false;
  if (c.bosTokenId === undefined) delete out.bos_token_id;
  else out.bos_token_id = c.bosTokenId;
  if (c.eosTokenIds.length === 0) delete out.eos_token_id;
  else out.eos_token_id = c.eosTokenIds.length === 1 ? c.eosTokenIds[0] : [...c.eosTokenIds];
  return out;
}

/**
 * RoPE inverse frequencies (length headDim / 2, in float64) after the configured scaling, and the
 * multiplier applied to cos/sin (`attention_scaling` in transformers: 1 except for yarn). Mirrors
 * modeling_rope_utils: default `1 / theta^(2i/d)`; linear divides by factor; llama3 divides
 * low-frequency bands (wavelen > original/low_freq_factor) by factor, keeps high-frequency bands
 * (wavelen < original/high_freq_factor) and interpolates in between; yarn blends interpolated and
 * extrapolated frequencies with a linear ramp between the beta_fast/beta_slow correction dims.
 */
export function ropeParameters(c: LlamaFamilyConfig): { invFreq: Float64Array; attentionScaling: number } {
  const dim = c.headDim;
  const base = c.ropeTheta;
  const half = dim / 2;
  const invFreq = new Float64Array(half);
  for (let i = 0; i < half; i++) invFreq[i] = 1 / base ** ((2 * i) / dim);
  const s = c.ropeScaling;
  switch (s.type) {
    case 'default':
      return { invFreq, attentionScaling: 1 };
    case 'linear':
      return { invFreq: invFreq.map((f) => f / s.factor), attentionScaling: 1 };
    case 'llama3': {
      const old = s.originalMaxPositionEmbeddings;
      const lowFreqWavelen = old / s.lowFreqFactor;
      const highFreqWavelen = old / s.highFreqFactor;
      const out = invFreq.map((f) => {
        const wavelen = (2 * Math.PI) / f;
        if (wavelen > lowFreqWavelen) return f / s.factor;
        if (wavelen < highFreqWavelen) return f;
        const smooth = (old / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
        return ((1 - smooth) * f) / s.factor + smooth * f;
      });
      return { invFreq: out, attentionScaling: 1 };
    }
    case 'yarn': {
      // find_correction_dim / find_correction_range (truncate=True) / linear_ramp_factor.
      const correctionDim = (rotations: number) =>
        (dim * Math.log(s.originalMaxPositionEmbeddings / (rotations * 2 * Math.PI))) / (2 * Math.log(base));
      const low = Math.max(Math.floor(correctionDim(s.betaFast)), 0);
      let high = Math.min(Math.ceil(correctionDim(s.betaSlow)), dim - 1);
      if (low === high) high += 0.001;
      const out = invFreq.map((f, i) => {
        const ramp = Math.min(Math.max((i - low) / (high - low), 0), 1);
        const extrapolationFactor = 1 - ramp;
        return (f / s.factor) * (1 - extrapolationFactor) + f * extrapolationFactor;
      });
      return { invFreq: out, attentionScaling: s.attentionFactor ?? yarnMscale(s.factor) };
    }
  }
}
