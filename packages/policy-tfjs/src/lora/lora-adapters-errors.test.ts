import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend';
import type { WeightMap } from '../transformer-weights';
import { LoraAdapters, loraKeyA, loraKeyB } from './lora-adapters';
import type { LoraConfigInput } from './lora-config';

beforeAll(async () => {
  await initBackend('wasm');
});

const D = 6;
const KV = 4;
const Q0 = 'model.layers.0.self_attn.q_proj';
const live: { dispose(): void }[] = [];

/** A one-layer base (q/k/v/o projections and a norm), all ones. */
function makeBase(): WeightMap {
  const m = new Map<string, tf.Variable>();
  for (const [name, shape] of [
    [`${Q0}.weight`, [D, D]],
    ['model.layers.0.self_attn.k_proj.weight', [D, KV]],
    ['model.layers.0.self_attn.v_proj.weight', [D, KV]],
    ['model.layers.0.self_attn.o_proj.weight', [D, D]],
    ['model.norm.weight', [D]],
  ] as [string, number[]][]) {
    const v = tf.tidy(() => tf.variable(tf.ones(shape), false, `lora-errors-test${live.length}/${name}`));
    live.push(v);
    m.set(name, v);
  }
  return m;
}

/** Values (all 0.1) for the q_proj adapter at rank `r`. */
function qValues(r: number): Map<string, Float32Array> {
  return new Map([
    [loraKeyA(Q0), new Float32Array(D * r).fill(0.1)],
    [loraKeyB(Q0), new Float32Array(r * D).fill(0.1)],
  ]);
}

function withAdapters(base: WeightMap, config: LoraConfigInput, seed: number): LoraAdapters {
  const a = new LoraAdapters(base, config, seed);
  live.push(a);
  return a;
}

afterEach(() => {
  for (const t of live.splice(0)) t.dispose();
});

describe('LoraAdapters errors', () => {
  it('rejects bad values, mismatched projections and incompatible copies', () => {
    const base = makeBase();
    const start = tf.memory().numTensors;
    const values = qValues(2);
    const missing = new Map(values);
    missing.delete(loraKeyB(Q0));
    expect(() => new LoraAdapters(base, { rank: 2, targetModules: ['q_proj'] }, 1, missing)).toThrow(
      `LoRA values lack '${Q0}.lora_B'`,
    );
    const short = new Map(values).set(loraKeyA(Q0), new Float32Array(3));
    expect(() => new LoraAdapters(base, { rank: 2, targetModules: ['q_proj'] }, 1, short)).toThrow(
      `LoRA values '${Q0}.lora_A' have 3 elements, expected ${D * 2}`,
    );
    const extra = new Map(values).set('model.layers.9.self_attn.q_proj.lora_A', new Float32Array(12));
    expect(() => new LoraAdapters(base, { rank: 2, targetModules: ['q_proj'] }, 1, extra)).toThrow(
      'LoRA values for unknown adapters: model.layers.9.self_attn.q_proj.lora_A (no matching target weight in the base model)',
    );
    const badBase = new Map(base).set('model.layers.0.self_attn.o_proj.weight', base.get('model.norm.weight') as tf.Variable);
    expect(() => new LoraAdapters(badBase, { targetModules: ['o_proj'] }, 1)).toThrow(
      `LoRA target 'model.layers.0.self_attn.o_proj.weight' has shape [${D}], expected a matrix [in, out]`,
    );
    expect(tf.memory().numTensors).toBe(start);
    const lora = withAdapters(base, { rank: 2, targetModules: ['q_proj'] }, 1);
    const x = tf.tensor2d(new Float32Array(2 * D), [2, D]);
    expect(() => lora.project(x, Q0, base.get('model.layers.0.self_attn.k_proj.weight') as tf.Tensor2D, false)).toThrow(
      `LoRA '${Q0}': x [2, ${D}] and W [${D}, ${KV}] do not fit the adapter (in ${D}, rank 2, out ${D})`,
    );
    x.dispose();
    expect(() => lora.pair('nope')).toThrow("no LoRA adapter for module 'nope'");
    const wider = withAdapters(base, { rank: 2, targetModules: ['q_proj', 'v_proj'] }, 1);
    expect(() => lora.copyFrom(wider)).toThrow('copyFrom: the other adapters have 2 modules, this has 1');
    const otherRank = withAdapters(base, { rank: 3, targetModules: ['q_proj'] }, 1);
    expect(() => lora.copyFrom(otherRank)).toThrow(`copyFrom: the other adapters lack '${Q0}' or differ in its shapes`);
  });
});
