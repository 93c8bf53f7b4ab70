import * as tf from '@tensorflow/tfjs';
import type { FinishReason, GenerationResult, Rng, SamplingParams, Tokenizer } from '@trellis/core';
import type { CausalLM } from './causal-lm';
import { KernelKVCache } from './kernels/kv-cache-kernel';
import { logSoftmax, sampleToken } from './sample-token';
import { type LayerKV, MASKED } from './transformer';

/** One row to generate: prompt ids (BOS included) and forced prefill ids. */
export interface GenerationRow {
  readonly promptIds: readonly number[];
  readonly prefillIds: readonly number[];
  readonly rng: Rng;
}

interface RowState {
  readonly completion: number[];
  readonly logProbs: number[];
  finish: FinishReason | undefined;
  textLength: number;
}

function disposeCache(cache: readonly LayerKV[]): void {
  for (const l of cache) {
    l.k.dispose();
    l.v.dispose();
  }
}

/** Feeds one token per row (decoding step `step` after a P-column prefill) and returns `[B, V]` logits. */
interface Stepper {
  step(tokens: Int32Array, step: number): Float32Array;
  dispose(): void;
}

function positionsAt(pads: readonly number[], column: number, maxContext: number): number[] {
  return pads.map((p) => Math.min(column - p, maxContext - 1));
}

/** KV cache as tfjs tensors grown by concat (any backend). */
function tensorStepper(model: CausalLM, kv: LayerKV[], pads: readonly number[], P: number): Stepper {
  let cache = kv;
  const B = pads.length;
  return {
    step(tokens, step) {
      const t = P + step + 1;
      const mask = new Float32Array(B * t);
      for (let b = 0; b < B; b++) mask.fill(MASKED, b * t, b * t + (pads[b] as number));
      const previous = cache;
      let logits: Float32Array = new Float32Array(0);
      cache = tf.tidy(() => {
        const out = model.decodeStep(
          tokens,
          positionsAt(pads, P + step, model.config.maxContext),
          previous,
          tf.tensor4d(mask, [B, 1, 1, t]),
        );
        logits = out.logits.dataSync() as Float32Array;
        return out.cache;
      });
      disposeCache(previous);
      return logits;
    },
    dispose: () => disposeCache(cache),
  };
}

/** KV cache in the wasm kernel's memory with fused decode attention (wasm/cpu backends). */
function kernelStepper(model: CausalLM, kv: LayerKV[], pads: readonly number[], P: number, tMax: number): Stepper {
  const c = model.config;
  const cache = new KernelKVCache(pads.length, c.nHeads, model.headDim, tMax, c.nLayers, pads);
  try {
    kv.forEach((l, i) => cache.fill(i, l.k.dataSync() as Float32Array, l.v.dataSync() as Float32Array, P));
  } catch (e) {
    cache.release();
    throw e;
  } finally {
    disposeCache(kv);
  }
  return {
    step(tokens, step) {
      let logits: Float32Array = new Float32Array(0);
      tf.tidy(() => {
        logits = model
          .decodeStepKernel(tokens, positionsAt(pads, P + step, c.maxContext), cache, P + step)
          .dataSync() as Float32Array;
      });
      return logits;
    },
    dispose: () => cache.release(),
  };
}

/**
 * Generate for a batch of rows in lock-step with a key/value cache. Rows are left-padded so that
 * every prompt+prefill ends at the same column; padded keys are masked and position ids start at 0
 * on each row's first real token, so results do not depend on the other rows. Prefill tokens are
 * scored from the prefill forward pass; sampled tokens from the cached steps.
 */
export function generateBatch(
  model: CausalLM,
  tokenizer: Tokenizer,
  rows: readonly GenerationRow[],
  sampling: SamplingParams,
): GenerationResult[] {
  const B = rows.length;
  const contexts = rows.map((r) => [...r.promptIds, ...r.prefillIds]);
  const P = Math.max(...contexts.map((c) => c.length));
  const pads = contexts.map((c) => P - c.length);
  const maxPre = Math.max(...rows.map((r) => r.prefillIds.length));
  const T = sampling.greedy ? 1 : sampling.temperature;
  const eosIds = new Set([tokenizer.eosId, ...(tokenizer.extraEosIds ?? [])]);
  const stopIds = new Set([...eosIds, ...(sampling.stopTokenIds ?? [])]);
  const stops = (sampling.stop ?? []).filter((s) => s.length > 0);
  const ids = new Int32Array(B * P).fill(tokenizer.padId);
  contexts.forEach((c, b) => ids.set(c, b * P + (pads[b] as number)));

  const state: RowState[] = rows.map((r) => ({ completion: [...r.prefillIds], logProbs: [], finish: undefined, textLength: 0 }));
  model.beginSampling?.();
  try {
    return sampleRows(model, tokenizer, rows, sampling, { ids, pads, P, maxPre, T, contexts, state, eosIds, stopIds, stops });
  } finally {
    model.endSampling?.();
  }
}

interface BatchSetup {
  readonly ids: Int32Array;
  readonly pads: number[];
  readonly P: number;
  readonly maxPre: number;
  readonly T: number;
  readonly contexts: number[][];
  readonly state: RowState[];
  readonly eosIds: Set<number>;
  readonly stopIds: Set<number>;
  readonly stops: string[];
}

function sampleRows(
  model: CausalLM,
  tokenizer: Tokenizer,
  rows: readonly GenerationRow[],
  sampling: SamplingParams,
  setup: BatchSetup,
): GenerationResult[] {
  const { ids, pads, P, maxPre, T, contexts, state, eosIds, stopIds, stops } = setup;
  const B = rows.length;
  const V = model.config.vocabSize;
  const maxContext = model.config.maxContext;
  let firstLogits: Float32Array = new Float32Array(0);
  const kv: LayerKV[] = tf.tidy(() => {
    const out = model.forward({ ids, pads, length: P, headFrom: P - 1 - maxPre, headCount: maxPre + 1, collectKV: true });
    firstLogits = out.logits.dataSync() as Float32Array;
    return out.kv;
  });
  const tMax = Math.min(P + sampling.maxNewTokens, maxContext + Math.max(...pads));
  const stepper = model.usesKernel() ? kernelStepper(model, kv, pads, P, tMax) : tensorStepper(model, kv, pads, P);
  const W = maxPre + 1;
  let current: Float32Array = new Float32Array(B * V);
  try {
    rows.forEach((r, b) => {
      const m = r.prefillIds.length;
      const s = state[b] as RowState;
      for (let j = 0; j < m; j++) {
        const at = (b * W + (maxPre - m + j)) * V;
        s.logProbs.push(logSoftmax(firstLogits.subarray(at, at + V), T)[r.prefillIds[j] as number] as number);
      }
      current.set(firstLogits.subarray((b * W + maxPre) * V, (b * W + maxPre + 1) * V), b * V);
      s.textLength = tokenizer.decode(s.completion).length;
    });

    for (let step = 0; step < sampling.maxNewTokens; step++) {
      const tokens = new Int32Array(B).fill(tokenizer.padId);
      for (let b = 0; b < B; b++) {
        const s = state[b] as RowState;
        if (s.finish) continue;
        const pick = sampleToken(
          current.subarray(b * V, (b + 1) * V),
          { ...sampling, temperature: T },
          (rows[b] as GenerationRow).rng,
        );
        s.completion.push(pick.token);
        s.logProbs.push(pick.logProb);
        tokens[b] = pick.token;
        const generated = s.completion.length - (rows[b] as GenerationRow).prefillIds.length;
        if (stopIds.has(pick.token)) s.finish = eosIds.has(pick.token) ? 'eos' : 'stop';
        else if (stops.length > 0) {
          const text = tokenizer.decode(s.completion);
          const from = Math.max(0, s.textLength - Math.max(...stops.map((x) => x.length)) + 1);
          if (stops.some((x) => text.indexOf(x, from) >= 0)) s.finish = 'stop';
          s.textLength = text.length;
        }
        if (!s.finish && (generated >= sampling.maxNewTokens || (contexts[b] as number[]).length + generated > maxContext)) {
          s.finish = 'length';
        }
      }
      if (state.every((s) => s.finish)) break;
      current = stepper.step(tokens, step);
    }
  } finally {
    stepper.dispose();
  }
  return rows.map((r, b) => {
    const s = state[b] as RowState;
    return {
      promptIds: [...r.promptIds],
      completionIds: s.completion,
      text: tokenizer.decode(s.completion),
      logProbs: s.logProbs,
      prefillLength: r.prefillIds.length,
      temperature: T,
      finishReason: s.finish ?? 'length',
    };
  });
}
