import { describe, expect, it } from 'vitest';
import { isHfConfig, type LlamaFamilyConfig, parseHfConfig, ropeParameters, toHfConfig } from './hf-config';

const LLAMA_32_1B = {
  architectures: ['LlamaForCausalLM'],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 128000,
  eos_token_id: 128001,
  head_dim: 64,
  hidden_act: 'silu',
  hidden_size: 2048,
  initializer_range: 0.02,
  intermediate_size: 8192,
  max_position_embeddings: 131072,
  mlp_bias: false,
  model_type: 'llama',
  num_attention_heads: 32,
  num_hidden_layers: 16,
  num_key_value_heads: 8,
  pretraining_tp: 1,
  rms_norm_eps: 1e-5,
  rope_scaling: {
    factor: 32.0,
    high_freq_factor: 4.0,
    low_freq_factor: 1.0,
    original_max_position_embeddings: 8192,
    rope_type: 'llama3',
  },
  rope_theta: 500000.0,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.45.0.dev0',
  use_cache: true,
  vocab_size: 128256,
};

const QWEN25_05B = {
  architectures: ['Qwen2ForCausalLM'],
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151643,
  hidden_act: 'silu',
  hidden_size: 896,
  initializer_range: 0.02,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  max_window_layers: 24,
  model_type: 'qwen2',
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  sliding_window: 32768,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.43.1',
  use_cache: true,
  use_sliding_window: false,
  vocab_size: 151936,
};

const QWEN3_06B = {
  architectures: ['Qwen3ForCausalLM'],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151645,
  head_dim: 128,
  hidden_act: 'silu',
  hidden_size: 1024,
  initializer_range: 0.02,
  intermediate_size: 3072,
  max_position_embeddings: 40960,
  max_window_layers: 28,
  model_type: 'qwen3',
  num_attention_heads: 16,
  num_hidden_layers: 28,
  num_key_value_heads: 8,
  rms_norm_eps: 1e-6,
  rope_scaling: null,
  rope_theta: 1000000,
  sliding_window: null,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.51.0',
  use_cache: true,
  use_sliding_window: false,
  vocab_size: 151936,
};

/** A small llama config to vary in the rope and error tests. */
const SMALL = {
  model_type: 'llama',
  vocab_size: 100,
  hidden_size: 32,
  intermediate_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
};

const parse = (json: unknown) => parseHfConfig(json, 'config.json');
const closeTo = (actual: Float64Array, expected: number[]) => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(actual[i]! / e).toBeCloseTo(1, 12));
};

describe('parseHfConfig', () => {
  it('reads Llama-3.2-1B', () => {
    expect(parse(LLAMA_32_1B)).toEqual({
      modelType: 'llama',
      vocabSize: 128256,
      hiddenSize: 2048,
      intermediateSize: 8192,
      nLayers: 16,
      nHeads: 32,
      nKVHeads: 8,
      headDim: 64,
      rmsNormEps: 1e-5,
      ropeTheta: 500000,
      ropeScaling: { type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 },
      maxPositionEmbeddings: 131072,
      tieWordEmbeddings: true,
      attentionBias: false,
      oProjBias: false,
      mlpBias: false,
      qkNorm: false,
      bosTokenId: 128000,
      eosTokenIds: [128001],
    } satisfies LlamaFamilyConfig);
  });

  it('reads Qwen2.5-0.5B: q/k/v biases implied, no o_proj bias, head_dim derived', () => {
    const c = parse(QWEN25_05B);
    expect(c).toMatchObject({ modelType: 'qwen2', headDim: 64, nKVHeads: 2, tieWordEmbeddings: true, ropeTheta: 1e6 });
    expect(c).toMatchObject({
      attentionBias: true,
      oProjBias: false,
      mlpBias: false,
      qkNorm: false,
      ropeScaling: { type: 'default' },
    });
    expect(c.eosTokenIds).toEqual([151643]);
  });

  it('reads Qwen3-0.6B: explicit head_dim unlike hidden/heads, qk norm, null rope_scaling', () => {
    const c = parse(QWEN3_06B);
    expect(c).toMatchObject({
      modelType: 'qwen3',
      headDim: 128,
      nHeads: 16,
      nKVHeads: 8,
      qkNorm: true,
      maxPositionEmbeddings: 40960,
    });
    expect(c).toMatchObject({
      attentionBias: false,
      oProjBias: false,
      ropeScaling: { type: 'default' },
      tieWordEmbeddings: true,
    });
  });

  it('applies the defaults', () => {
    const c = parse(SMALL);
    expect(c).toMatchObject({ nKVHeads: 4, headDim: 8, rmsNormEps: 1e-6, ropeTheta: 10000, maxPositionEmbeddings: 2048 });
    expect(c).toMatchObject({ tieWordEmbeddings: false, attentionBias: false, mlpBias: false, eosTokenIds: [] });
    expect(c.bosTokenId).toBeUndefined();
    expect(parse({ ...SMALL, model_type: 'qwen2' }).maxPositionEmbeddings).toBe(32768);
    expect(parse({ ...SMALL, model_type: 'qwen3' }).headDim).toBe(128); // Qwen3Config's default
  });

  it('reads llama biases, eos lists and the legacy rope `type` key', () => {
    const c = parse({
      ...SMALL,
      attention_bias: true,
      mlp_bias: true,
      eos_token_id: [128001, 128008, 128009],
      bos_token_id: null,
    });
    expect(c).toMatchObject({ attentionBias: true, oProjBias: true, mlpBias: true, eosTokenIds: [128001, 128008, 128009] });
    expect(c.bosTokenId).toBeUndefined();
    expect(parse({ ...SMALL, rope_scaling: { type: 'linear', factor: 2 } }).ropeScaling).toEqual({ type: 'linear', factor: 2 });
    expect(parse({ ...QWEN3_06B, attention_bias: true })).toMatchObject({ attentionBias: true, oProjBias: true });
  });

  it('reads a transformers v5 rope_parameters block', () => {
    const c = parse({ ...SMALL, rope_parameters: { rope_type: 'linear', factor: 4, rope_theta: 20000 } });
    expect(c.ropeTheta).toBe(20000);
    expect(c.ropeScaling).toEqual({ type: 'linear', factor: 4 });
  });

  it('resolves yarn like transformers: the max/original ratio wins over factor when original is given', () => {
    const y = { rope_type: 'yarn', factor: 8, original_max_position_embeddings: 2048 };
    expect(parse({ ...SMALL, max_position_embeddings: 8192, rope_scaling: y }).ropeScaling).toEqual({
      type: 'yarn',
      factor: 4,
      originalMaxPositionEmbeddings: 2048,
      betaFast: 32,
      betaSlow: 1,
    });
    const noOriginal = parse({
      ...SMALL,
      max_position_embeddings: 4096,
      rope_scaling: { rope_type: 'yarn', factor: 8, beta_fast: 0 },
    });
    expect(noOriginal.ropeScaling).toEqual({
      type: 'yarn',
      factor: 8,
      originalMaxPositionEmbeddings: 4096,
      betaFast: 32,
      betaSlow: 1,
    });
    const m = parse({ ...SMALL, max_position_embeddings: 8192, rope_scaling: { ...y, mscale: 1, mscale_all_dim: 0.5 } });
    expect(m.ropeScaling).toMatchObject({ attentionFactor: (0.1 * Math.log(4) + 1) / (0.05 * Math.log(4) + 1) });
  });
});

describe('parseHfConfig errors', () => {
  const fails = (json: unknown, message: string | RegExp) => expect(() => parse(json)).toThrow(message);

  it('names an unsupported model_type and the supported ones', () => {
    fails({ ...SMALL, model_type: 'gpt2' }, "config.json: model_type 'gpt2' is not supported; supported: llama, qwen2, qwen3");
    fails({ ...SMALL, model_type: undefined }, 'config.json: model_type undefined is not supported');
    fails([1], 'config.json: expected a JSON object');
  });

  it.each([
    ['rope_type', 'dynamic'],
    ['rope_type', 'longrope'],
    ['type', 'dynamic'],
    ['rope_type', 'ntk'],
  ])('names rope_scaling.%s %s', (key, value) => {
    fails(
      { ...SMALL, rope_scaling: { [key]: value, factor: 2 } },
      `config.json: rope_scaling.${key} '${value}' is not supported; supported: default, linear, llama3, yarn`,
    );
  });

  it('names a bad rope_parameters type and a missing rope type', () => {
    fails(
      { ...SMALL, rope_parameters: { rope_type: 'dynamic' } },
      "config.json: rope_parameters.rope_type 'dynamic' is not supported",
    );
    fails(
      { ...SMALL, rope_scaling: { factor: 2 } },
      'config.json: rope_scaling.rope_type is missing; supported: default, linear, llama3, yarn',
    );
    fails({ ...SMALL, rope_scaling: 'linear' }, "config.json: rope_scaling must be an object or null, got 'linear'");
  });

  it.each(['hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'vocab_size'])(
    'names missing %s',
    (key) => {
      fails({ ...SMALL, [key]: undefined }, `config.json: ${key} is missing (required, a positive integer)`);
    },
  );

  it('names badly typed values', () => {
    fails({ ...SMALL, hidden_size: '32' }, "config.json: hidden_size must be a positive integer, got '32'");
    fails({ ...SMALL, num_hidden_layers: 1.5 }, 'config.json: num_hidden_layers must be a positive integer, got 1.5');
    fails({ ...SMALL, rms_norm_eps: -1 }, 'config.json: rms_norm_eps must be a positive number, got -1');
    fails({ ...SMALL, tie_word_embeddings: 'yes' }, "config.json: tie_word_embeddings must be true or false, got 'yes'");
    fails({ ...SMALL, eos_token_id: [1, 'x'] }, "config.json: eos_token_id[1] must be a non-negative integer, got 'x'");
  });

  it('requires num_key_value_heads to divide num_attention_heads', () => {
    fails({ ...SMALL, num_key_value_heads: 3 }, 'config.json: num_key_value_heads 3 must divide num_attention_heads 4');
  });

  it('rejects sliding windows, other activations, partial rotary and odd head_dim', () => {
    fails({ ...QWEN25_05B, use_sliding_window: true }, 'config.json: use_sliding_window true is not supported; supported: false');
    fails({ ...QWEN3_06B, use_sliding_window: true }, 'config.json: use_sliding_window true is not supported');
    fails(
      { ...QWEN3_06B, layer_types: ['full_attention', 'sliding_attention'] },
      "config.json: layer_types[1] 'sliding_attention' is not supported; supported: full_attention",
    );
    fails({ ...SMALL, hidden_act: 'gelu' }, "config.json: hidden_act 'gelu' is not supported; supported: silu");
    fails({ ...SMALL, partial_rotary_factor: 0.5 }, 'config.json: partial_rotary_factor 0.5 is not supported; supported: 1');
    fails({ ...SMALL, head_dim: 7 }, 'config.json: head_dim 7 must be even');
  });

  it('names missing or inconsistent rope parameters', () => {
    const l3 = { rope_type: 'llama3', factor: 8, high_freq_factor: 4, original_max_position_embeddings: 8192 };
    fails({ ...SMALL, rope_scaling: l3 }, 'config.json: rope_scaling.low_freq_factor is missing (required, a positive number)');
    fails(
      { ...SMALL, rope_scaling: { ...l3, low_freq_factor: 4 } },
      'rope_scaling.high_freq_factor 4 must be greater than low_freq_factor 4',
    );
    fails({ ...SMALL, rope_scaling: { rope_type: 'linear' } }, 'config.json: rope_scaling.factor is missing');
    fails(
      { ...SMALL, rope_scaling: { rope_type: 'yarn', factor: 2, truncate: false } },
      'rope_scaling.truncate false is not supported',
    );
  });
});

describe('ropeParameters', () => {
  it('default: 1 / theta^(2i/d) (Qwen2.5-0.5B, theta 1e6, d 64)', () => {
    const { invFreq, attentionScaling } = ropeParameters(parse(QWEN25_05B));
    expect(invFreq.length).toBe(32);
    expect(invFreq[0]).toBe(1);
    expect(invFreq[1]! / 10 ** -0.1875).toBeCloseTo(1, 12); // 1e6^(-2/64)
    expect(invFreq[16]! / 1e-3).toBeCloseTo(1, 12); // 1e6^(-32/64)
    expect(invFreq[31]! / 10 ** -5.8125).toBeCloseTo(1, 12); // 1e6^(-62/64)
    expect(attentionScaling).toBe(1);
  });

  it('linear divides every frequency by the factor', () => {
    const { invFreq, attentionScaling } = ropeParameters(
      parse({ ...SMALL, hidden_size: 32, num_attention_heads: 4, rope_scaling: { rope_type: 'linear', factor: 2 } }),
    );
    closeTo(invFreq, [0.5, 0.05, 0.005, 0.0005]); // d 8, theta 1e4: [1, 0.1, 0.01, 0.001] / 2
    expect(attentionScaling).toBe(1);
  });

  it('llama3 (Llama-3.2-1B): high band unchanged, low band / 32, middle band smoothed', () => {
    // theta 5e5, d 64: f_i = 5e5^(-i/32), wavelen = 2 pi / f_i. Band edges: wavelen 2048 (8192/4) at i ~ 14.1,
    // wavelen 8192 (8192/1) at i ~ 17.5, so i <= 14 keep f, i = 15..17 are smoothed, i >= 18 get f / 32.
    const { invFreq, attentionScaling } = ropeParameters(parse(LLAMA_32_1B));
    const f = (i: number) => 500000 ** (-i / 32);
    expect(invFreq[0]).toBe(1);
    expect(invFreq[10]! / f(10)).toBeCloseTo(1, 12);
    expect(invFreq[14]! / f(14)).toBeCloseTo(1, 12);
    expect(invFreq[20]! / (f(20) / 32)).toBeCloseTo(1, 12);
    expect(invFreq[31]! / (f(31) / 32)).toBeCloseTo(1, 12);
    // i = 16: f = 1/sqrt(5e5) = 0.00141421..., wavelen = 4442.88; smooth = (8192 / 4442.88 - 1) / 3 = 0.281285
    const f16 = 1 / Math.sqrt(500000);
    const smooth = (8192 / ((2 * Math.PI) / f16) - 1) / 3;
    expect(smooth).toBeCloseTo(0.281285, 5);
    expect(invFreq[16]! / (((1 - smooth) * f16) / 32 + smooth * f16)).toBeCloseTo(1, 12);
    expect(invFreq[16]).toBeCloseTo(0.000429558, 8);
    expect(attentionScaling).toBe(1);
  });

  it('yarn: ramp between the correction dims, attention factor 0.1 ln(s) + 1', () => {
    // d 8, theta 1e4, original 2048, factor 8192/2048 = 4. correction_dim(32) = 8 ln(2048/(64 pi)) / (2 ln 1e4) = 1.008 -> floor 1;
    // correction_dim(1) = 8 ln(2048/(2 pi)) / (2 ln 1e4) = 2.513 -> ceil 3. ramp_i = clamp((i - 1) / 2) = [0, 0, 0.5, 1];
    // inv_i = f_i / 4 * ramp_i + f_i * (1 - ramp_i) = [1, 0.1, 0.01 * 0.625, 0.001 / 4].
    const y = { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 2048 };
    const c = parse({ ...SMALL, max_position_embeddings: 8192, rope_scaling: y });
    const { invFreq, attentionScaling } = ropeParameters(c);
    closeTo(invFreq, [1, 0.1, 0.00625, 0.00025]);
    expect(attentionScaling).toBeCloseTo(1.1386294361, 9); // 0.1 ln 4 + 1
    const explicit = parse({ ...SMALL, max_position_embeddings: 8192, rope_scaling: { ...y, attention_factor: 1.5 } });
    expect(ropeParameters(explicit).attentionScaling).toBe(1.5);
    // factor 1 (max == original): plain RoPE and no attention scaling
    const flat = ropeParameters(parse({ ...SMALL, max_position_embeddings: 2048, rope_scaling: y }));
    closeTo(flat.invFreq, [1, 0.1, 0.01, 0.001]);
    expect(flat.attentionScaling).toBe(1);
  });
});

describe('toHfConfig', () => {
  it.each([
    ['Llama-3.2-1B', LLAMA_32_1B],
    ['Qwen2.5-0.5B', QWEN25_05B],
    ['Qwen3-0.6B', QWEN3_06B],
    ['small llama with biases', { ...SMALL, attention_bias: true, mlp_bias: true, eos_token_id: [3, 4] }],
    [
      'yarn with original',
      {
        ...SMALL,
        max_position_embeddings: 8192,
        rope_scaling: { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 2048, attention_factor: 1.2 },
      },
    ],
    [
      'yarn without original',
      { ...SMALL, max_position_embeddings: 4096, rope_scaling: { rope_type: 'yarn', factor: 8, beta_fast: 16 } },
    ],
    ['v5 rope_parameters', { ...SMALL, rope_parameters: { rope_type: 'linear', factor: 4, rope_theta: 20000 } }],
  ])('round-trips %s through parseHfConfig', (_, json) => {
    const c = parse(json);
    expect(parse(toHfConfig(c, json))).toEqual(c);
    expect(parse(JSON.parse(JSON.stringify(toHfConfig(c))))).toEqual(c);
  });

  it('writes HF keys and keeps unknown keys of the original', () => {
    const out = toHfConfig(parse(QWEN3_06B), QWEN3_06B);
    expect(out).toMatchObject({
      architectures: ['Qwen3ForCausalLM'],
      model_type: 'qwen3',
      head_dim: 128,
      num_key_value_heads: 8,
      torch_dtype: 'float32',
      rope_scaling: null,
      use_sliding_window: false,
      attention_bias: false,
      initializer_range: 0.02,
      transformers_version: '4.51.0',
      eos_token_id: 151645,
    });
    expect(toHfConfig(parse(QWEN25_05B)).architectures).toEqual(['Qwen2ForCausalLM']);
    const llama = toHfConfig(parse(LLAMA_32_1B));
    expect(llama).toMatchObject({ architectures: ['LlamaForCausalLM'], mlp_bias: false, bos_token_id: 128000 });
    expect(llama.rope_scaling).toEqual({
      rope_type: 'llama3',
      factor: 32,
      low_freq_factor: 1,
      high_freq_factor: 4,
      original_max_position_embeddings: 8192,
    });
    const v5 = toHfConfig(parse({ ...SMALL, rope_parameters: { rope_type: 'default', rope_theta: 5 } }), { rope_parameters: {} });
    expect(v5.rope_parameters).toBeUndefined();
    expect(v5.rope_theta).toBe(5);
  });

  it('refuses combinations the model type cannot express', () => {
    const qwen2 = parse(QWEN25_05B);
    expect(() => toHfConfig({ ...qwen2, attentionBias: false })).toThrow(/qwen2 cannot express/);
    expect(() => toHfConfig({ ...parse(SMALL), qkNorm: true })).toThrow(/llama cannot express qkNorm true/);
  });
});

describe('isHfConfig', () => {
  it('checks for a string model_type', () => {
    expect(isHfConfig(QWEN3_06B)).toBe(true);
    expect(isHfConfig({ model_type: 3 })).toBe(false);
    expect(isHfConfig({ vocab_size: 3 })).toBe(false);
    expect(isHfConfig(null)).toBe(false);
    expect(isHfConfig('llama')).toBe(false);
  });
});
