import * as tf from '@tensorflow/tfjs';
import { Rng } from '@trellis/core';
import type { ResolvedModelConfig } from './model-config';

/** One parameter: its checkpoint name, shape and how a fresh model initialises it. */
export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: 'normal' | 'normal-scaled' | 'zeros' | 'ones';
}

/**
 * The parameter list in checkpoint order. Matrices are stored input-major (`[in, out]`, so a
 * layer computes `y = x W + b`): the transpose of PyTorch's `nn.Linear.weight`.
 *
 * - `tok_emb.weight [V, d]`; `pos_emb.weight [maxContext, d]` (learned positions only)
 * - per block i: `blocks.i.ln1.{weight,bias} [d]`, `blocks.i.attn.qkv.weight [d, 3d]` (columns:
 *   Q | K | V, head h at `h*dh..(h+1)*dh` inside each), `blocks.i.attn.qkv.bias [3d]`,
 *   `blocks.i.attn.proj.{weight [d, d], bias [d]}`, `blocks.i.ln2.{weight,bias} [d]`,
 *   `blocks.i.mlp.fc.{weight [d, dFF], bias [dFF]}`, `blocks.i.mlp.proj.{weight [dFF, d], bias [d]}`
 * - `ln_f.{weight,bias} [d]`; `head.weight [d, V]` (absent with a tied head: logits = h E^T)
 */
export function paramSpecs(c: ResolvedModelConfig): ParamSpec[] {
  const d = c.dModel;
  const specs: ParamSpec[] = [{ name: 'tok_emb.weight', shape: [c.vocabSize, d], init: 'normal' }];
  if (c.positional === 'learned') specs.push({ name: 'pos_emb.weight', shape: [c.maxContext, d], init: 'normal' });
  for (let i = 0; i < c.nLayers; i++) {
    const p = `blocks.${i}`;
    specs.push(
      { name: `${p}.ln1.weight`, shape: [d], init: 'ones' },
      { name: `${p}.ln1.bias`, shape: [d], init: 'zeros' },
      { name: `${p}.attn.qkv.weight`, shape: [d, 3 * d], init: 'normal' },
      { name: `${p}.attn.qkv.bias`, shape: [3 * d], init: 'zeros' },
      { name: `${p}.attn.proj.weight`, shape: [d, d], init: 'normal-scaled' },
      { name: `${p}.attn.proj.bias`, shape: [d], init: 'zeros' },
      { name: `${p}.ln2.weight`, shape: [d], init: 'ones' },
      { name: `${p}.ln2.bias`, shape: [d], init: 'zeros' },
      { name: `${p}.mlp.fc.weight`, shape: [d, c.dFF], init: 'normal' },
      { name: `${p}.mlp.fc.bias`, shape: [c.dFF], init: 'zeros' },
      { name: `${p}.mlp.proj.weight`, shape: [c.dFF, d], init: 'normal-scaled' },
      { name: `${p}.mlp.proj.bias`, shape: [d], init: 'zeros' },
    );
  }
  specs.push({ name: 'ln_f.weight', shape: [d], init: 'ones' }, { name: 'ln_f.bias', shape: [d], init: 'zeros' });
  if (!c.tiedHead) specs.push({ name: 'head.weight', shape: [d, c.vocabSize], init: 'normal' });
  return specs;
}

/**
 * Seeded initial values (GPT-2 style): N(0, 0.02) for matrices and embeddings, N(0, 0.02/sqrt(2L))
 * for the residual output projections, LayerNorm gains 1, biases 0. Same seed, same numbers on
 * every backend (drawn in JS from core's `Rng`).
 */
export function initialValues(c: ResolvedModelConfig, seed: number): Map<string, Float32Array> {
  return seededValues(paramSpecs(c), Rng.fromSeed(seed).split('policy-init'), c.nLayers);
}

/**
 * Values for `specs` drawn from `rng` (one split per parameter name): N(0, 0.02) for `normal`,
 * N(0, 0.02 / sqrt(2 nLayers)) for `normal-scaled`, ones and zeros as named. Every model family's
 * fresh initialisation.
 */
export function seededValues(specs: readonly ParamSpec[], rng: Rng, nLayers: number): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (s.init === 'ones') data.fill(1);
    else if (s.init !== 'zeros') {
      const std = s.init === 'normal' ? 0.02 : 0.02 / Math.sqrt(2 * nLayers);
      const r = rng.split(s.name);
      for (let i = 0; i < n; i++) data[i] = r.normal() * std;
    }
    out.set(s.name, data);
  }
  return out;
}

let instanceCounter = 0;

/** A fresh engine-name prefix (`trellis<k>`) for one policy's variables (names must be unique). */
export function variablePrefix(): string {
  return `trellis${++instanceCounter}`;
}

/** The model's variables by checkpoint name, in {@link paramSpecs} order. */
export type WeightMap = ReadonlyMap<string, tf.Variable>;

/**
 * Create tfjs variables from values. Engine names are made unique per instance
 * (`trellis<k>/<name>`) so several policies (trained copy, snapshots) can coexist.
 */
export function makeVariables(c: ResolvedModelConfig, values: ReadonlyMap<string, Float32Array>, trainable: boolean): WeightMap {
  return makeVariablesFromSpecs(paramSpecs(c), values, trainable);
}

/** {@link makeVariables} for any parameter list (every model family). */
export function makeVariablesFromSpecs(
  specs: readonly ParamSpec[],
  values: ReadonlyMap<string, Float32Array>,
  trainable: boolean,
): WeightMap {
  const prefix = variablePrefix();
  const vars = new Map<string, tf.Variable>();
  for (const s of specs) {
    const data = values.get(s.name);
    if (!data) throw new Error(`missing weight '${s.name}'`);
    const expected = s.shape.reduce((a, b) => a * b, 1);
    if (data.length !== expected)
      throw new Error(`weight '${s.name}' has ${data.length} values, expected [${s.shape.join(', ')}]`);
    const t = tf.tensor(data, s.shape as number[], 'float32');
    vars.set(s.name, tf.variable(t, trainable, `${prefix}/${s.name}`));
    t.dispose();
  }
  return vars;
}

/** Look up one variable, throwing a clear error if the map lacks it. */
export function weight(w: WeightMap, name: string): tf.Variable {
  const v = w.get(name);
  if (!v) throw new Error(`internal: weight '${name}' missing`);
  return v;
}
