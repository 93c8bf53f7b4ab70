/**
 * Llama-family benchmark (not a test): random weights of a real model shape on the wasm backend,
 * KV-cache generation tokens/s and one training step (log-probs + Adam), full and LoRA, with
 * memory figures.
 *   pnpm bench:llama                      (SmolLM-135M shape, full and LoRA)
 *   BENCH_MODEL=smollm-360m BENCH_MODE=lora pnpm bench:llama
 * Env: BENCH_MODEL (smollm-135m | smollm-360m | qwen2.5-0.5b | llama-3.2-1b), BENCH_MODE (full,lora |
 * full | lora), BENCH_ROWS (8, sampling), BENCH_TRAIN_ROWS (4), BENCH_PROMPT (32), BENCH_NEW (32), BENCH_REPS (2).
 * Prints one line per measurement and a final JSON line.
 */
import * as tf from '@tensorflow/tfjs';
import { LeanAdamOptimizer, Rng } from '../../packages/core/src/index';
import { generateBatch } from '../../packages/policy-tfjs/src/generate-batch';
import {
  HfTokenizer,
  initBackend,
  LoraAdapters,
  llamaInitialValues,
  llamaModelConfig,
  llamaParamSpecs,
  parseHfConfig,
  TfjsPolicy,
} from '../../packages/policy-tfjs/src/index';
import { BPE_JSON } from '../../packages/policy-tfjs/src/testing/bpe-fixture';
import { makeVariablesFromSpecs } from '../../packages/policy-tfjs/src/transformer-weights';

/** HF config.json shapes of public checkpoints (random weights here). */
const SHAPES: Record<string, Record<string, unknown>> = {
  'smollm-135m': {
    model_type: 'llama',
    hidden_size: 576,
    intermediate_size: 1536,
    num_hidden_layers: 30,
    num_attention_heads: 9,
    num_key_value_heads: 3,
    vocab_size: 49152,
    tie_word_embeddings: true,
    max_position_embeddings: 2048,
  },
  'smollm-360m': {
    model_type: 'llama',
    hidden_size: 960,
    intermediate_size: 2560,
    num_hidden_layers: 32,
    num_attention_heads: 15,
    num_key_value_heads: 5,
    vocab_size: 49152,
    tie_word_embeddings: true,
    max_position_embeddings: 2048,
  },
  'qwen2.5-0.5b': {
    model_type: 'qwen2',
    hidden_size: 896,
    intermediate_size: 4864,
    num_hidden_layers: 24,
    num_attention_heads: 14,
    num_key_value_heads: 2,
    vocab_size: 151936,
    tie_word_embeddings: true,
    max_position_embeddings: 32768,
  },
  'llama-3.2-1b': {
    model_type: 'llama',
    hidden_size: 2048,
    intermediate_size: 8192,
    num_hidden_layers: 16,
    num_attention_heads: 32,
    num_key_value_heads: 8,
    vocab_size: 128256,
    tie_word_embeddings: true,
    max_position_embeddings: 131072,
  },
};

const env = process.env;
const MODEL = env.BENCH_MODEL ?? 'smollm-135m';
const MODES = (env.BENCH_MODE ?? 'full,lora').split(',');
const ROWS = Number(env.BENCH_ROWS ?? 8);
const PROMPT = Number(env.BENCH_PROMPT ?? 32);
const NEW = Number(env.BENCH_NEW ?? 32);
const REPS = Number(env.BENCH_REPS ?? 2);
/** Rows of the training step (its activations, not the weights, set the wasm heap's limit). */
const TRAIN_ROWS = Number(env.BENCH_TRAIN_ROWS ?? 4);

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
function wasmHeap(): number {
  const w = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm;
  return w ? w.HEAPU8.buffer.byteLength : 0;
}

async function main(): Promise<void> {
  const shape = SHAPES[MODEL];
  if (!shape) throw new Error(`BENCH_MODEL '${MODEL}' unknown; known: ${Object.keys(SHAPES).join(', ')}`);
  await initBackend('wasm');
  // BENCH_LAYERS: fewer layers of the same shape (memory probes).
  const hf = parseHfConfig(env.BENCH_LAYERS ? { ...shape, num_hidden_layers: Number(env.BENCH_LAYERS) } : shape, MODEL);
  const c = llamaModelConfig(hf, PROMPT + NEW + 1);
  const params = llamaParamSpecs(hf).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
  console.log(`${MODEL}: ${(params / 1e6).toFixed(1)}M parameters, wasm, ${ROWS} rows x (${PROMPT} prompt + ${NEW} new)`);
  const tokenizer = new HfTokenizer(BPE_JSON, { eos_token: '</s>' });
  const rng = Rng.fromSeed(7);
  const prompts = Array.from({ length: ROWS }, () =>
    Array.from({ length: PROMPT }, () => 2 + (rng.nextUint32() % (hf.vocabSize - 2))),
  );
  const result: Record<string, unknown> = { model: MODEL, params, rows: ROWS, prompt: PROMPT, newTokens: NEW };
  for (const mode of MODES) {
    const t0 = performance.now();
    const weights = makeVariablesFromSpecs(llamaParamSpecs(hf), llamaInitialValues(hf, 1), mode === 'full');
    const lora =
      mode === 'lora' ? new LoraAdapters(weights, { rank: 8, alpha: 16, targetModules: ['q_proj', 'v_proj'] }, 1) : undefined;
    const policy = new TfjsPolicy(c, tokenizer, weights, { workers: 0 }, lora);
    console.log(`  [${mode}] init ${((performance.now() - t0) / 1000).toFixed(1)} s, tensors ${mib(tf.memory().numBytes)}`);
    const gen = () =>
      generateBatch(
        policy.model,
        tokenizer,
        prompts.map((p, i) => ({ promptIds: p, prefillIds: [], rng: Rng.fromSeed(i) })),
        { temperature: 1, maxNewTokens: NEW, stopTokenIds: [] },
      );
    let completions = gen(); // warm-up
    const genMs: number[] = [];
    for (let r = 0; r < REPS; r++) {
      const s = performance.now();
      completions = gen();
      genMs.push(performance.now() - s);
    }
    const generated = completions.reduce((n, x) => n + x.completionIds.length, 0);
    const genBest = Math.min(...genMs);
    console.log(
      `  [${mode}] generate: ${genBest.toFixed(0)} ms for ${generated} tokens = ${((generated / genBest) * 1000).toFixed(0)} tok/s`,
    );
    const batch = {
      promptIds: prompts.slice(0, TRAIN_ROWS),
      completionIds: completions.slice(0, TRAIN_ROWS).map((x) => x.completionIds),
    };
    const opt = new LeanAdamOptimizer(1e-5, 0.9, 0.999);
    const step = () =>
      opt.minimize(
        () => {
          const out = policy.logProbs(batch);
          out.mask.dispose();
          return tf.neg(tf.mean(out.logProbs)) as tf.Scalar;
        },
        false,
        policy.trainableVariables(),
      );
    step(); // warm-up, creates Adam's moments
    const trainMs: number[] = [];
    let peak = 0;
    for (let r = 0; r < REPS; r++) {
      const s = performance.now();
      const info = await tf.profile(step);
      trainMs.push(performance.now() - s);
      peak = Math.max(peak, info.peakBytes);
      if (env.BENCH_DEBUG) {
        for (const k of info.kernels.filter((k) => k.bytesAdded > Number(env.BENCH_DEBUG))) {
          console.log(
            '   ',
            k.name,
            (k.bytesAdded / 2 ** 20).toFixed(0),
            'MiB',
            JSON.stringify(k.outputShapes),
            (k.totalBytesSnapshot / 2 ** 20).toFixed(0),
          );
        }
      }
    }
    const trainBest = Math.min(...trainMs);
    const trained = batch.completionIds.reduce((n, c, i) => n + c.length + (batch.promptIds[i] as number[]).length, 0);
    const trainable = policy.trainableVariables().reduce((n, v) => n + v.size, 0);
    console.log(
      `  [${mode}] train step: ${trainBest.toFixed(0)} ms (${trained} tokens, ${((trained / trainBest) * 1000).toFixed(0)} tok/s), ` +
        `${(trainable / 1e6).toFixed(2)}M trainable, peak tensors ${mib(peak)}, wasm heap ${mib(wasmHeap())}, rss ${mib(process.memoryUsage().rss)}`,
    );
    result[mode] = {
      generateMs: genBest,
      generatedTokens: generated,
      generateTokPerS: (generated / genBest) * 1000,
      trainStepMs: trainBest,
      trainableParams: trainable,
      peakTensorBytes: peak,
      wasmHeapBytes: wasmHeap(),
      rssBytes: process.memoryUsage().rss,
    };
    opt.dispose();
    policy.dispose();
  }
  console.log(JSON.stringify(result));
}

main().catch((e) => {
  console.error(`bench:llama failed: ${(e as Error).message}`);
  process.exit(1);
});
