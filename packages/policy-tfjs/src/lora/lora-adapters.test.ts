import * as tf from '@tensorflow/tfjs';
import { Rng } from '@trellis/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend';
import { linear } from '../layers';
import type { WeightMap } from '../transformer-weights';
import { LoraAdapters, loraKeyA, loraKeyB } from './lora-adapters';
import type { LoraConfigInput } from './lora-config';

beforeAll(async () => {
  await initBackend('wasm');
});

const D = 6;
const KV = 4;
const FF = 10;
const ALL = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;

/** Input-major shapes of a tiny 2-layer Llama-style model, HF names. */
function baseShapes(): [string, number[]][] {
  const out: [string, number[]][] = [['model.embed_tokens.weight', [11, D]]];
  for (let i = 0; i < 2; i++) {
    const p = `model.layers.${i}`;
    out.push(
      [`${p}.input_layernorm.weight`, [D]],
      [`${p}.self_attn.q_proj.weight`, [D, D]],
      [`${p}.self_attn.k_proj.weight`, [D, KV]],
      [`${p}.self_attn.v_proj.weight`, [D, KV]],
      [`${p}.self_attn.o_proj.weight`, [D, D]],
      [`${p}.mlp.gate_proj.weight`, [D, FF]],
      [`${p}.mlp.up_proj.weight`, [D, FF]],
      [`${p}.mlp.down_proj.weight`, [FF, D]],
    );
  }
  out.push(['model.norm.weight', [D]], ['lm_head.weight', [D, 11]]);
  return out;
}

type Dims = { in: number; r: number; out: number };
const live: { dispose(): void }[] = [];

function makeBase(seed = 1): WeightMap {
  const rng = Rng.fromSeed(seed);
  const m = new Map<string, tf.Variable>();
  for (const [name, shape] of baseShapes()) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, () => rng.normal() * 0.3);
    const v = tf.tidy(() => tf.variable(tf.tensor(data, shape), true, `lora-test-base${seed}-${live.length}/${name}`));
    live.push(v);
    m.set(name, v);
  }
  return m;
}

function randomMatrix(rng: Rng, rows: number, cols: number): Float32Array {
  return Float32Array.from({ length: rows * cols }, () => rng.normal() * 0.5);
}

/** Values for every adapter of `base` under `targets`, both A and B random (non-trivial). */
function randomValues(base: WeightMap, rank: number, targets: readonly string[], seed = 3): Map<string, Float32Array> {
  const rng = Rng.fromSeed(seed);
  const values = new Map<string, Float32Array>();
  for (const [name, w] of base) {
    if (!targets.some((t) => name.endsWith(`.${t}.weight`))) continue;
    const m = name.slice(0, -'.weight'.length);
    const [i, o] = w.shape as [number, number];
    values.set(loraKeyA(m), randomMatrix(rng, i, rank));
    values.set(loraKeyB(m), randomMatrix(rng, rank, o));
  }
  return values;
}

/** Hand-loop `x W + scale * (mask . x) A B` in float64 (`x [n, in]`, `W [in, out]`, `A [in, r]`, `B [r, out]`). */
function reference(
  x: Float32Array,
  n: number,
  w: Float32Array,
  a: Float32Array,
  b: Float32Array,
  dims: Dims,
  scale: number,
  mask?: Float32Array,
) {
  const y = new Float64Array(n * dims.out);
  for (let row = 0; row < n; row++) {
    const xr = (i: number) => x[row * dims.in + i] as number;
    const h = new Float64Array(dims.r);
    for (let k = 0; k < dims.r; k++) {
      for (let i = 0; i < dims.in; i++)
        h[k] = (h[k] as number) + xr(i) * (mask ? (mask[row * dims.in + i] as number) : 1) * (a[i * dims.r + k] as number);
    }
    for (let o = 0; o < dims.out; o++) {
      let base = 0;
      for (let i = 0; i < dims.in; i++) base += xr(i) * (w[i * dims.out + o] as number);
      let delta = 0;
      for (let k = 0; k < dims.r; k++) delta += (h[k] as number) * (b[k * dims.out + o] as number);
      y[row * dims.out + o] = base + scale * delta;
    }
  }
  return y;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)));
  expect(worst).toBeLessThan(tol);
}

function withAdapters(base: WeightMap, config: LoraConfigInput, seed: number, values?: Map<string, Float32Array>): LoraAdapters {
  const a = new LoraAdapters(base, config, seed, values);
  live.push(a);
  return a;
}

afterEach(() => {
  for (const t of live.splice(0)) t.dispose();
});

const Q0 = 'model.layers.0.self_attn.q_proj';
const DOWN1 = 'model.layers.1.mlp.down_proj';

describe('LoraAdapters', () => {
  it('creates A [in, r] and B [r, out] for exactly the targeted weights', () => {
    const base = makeBase();
    const lora = withAdapters(base, { rank: 3, targetModules: ['q_proj', 'down_proj'] }, 7);
    expect(lora.modules()).toEqual([Q0, 'model.layers.0.mlp.down_proj', 'model.layers.1.self_attn.q_proj', DOWN1]);
    expect(lora.has(Q0)).toBe(true);
    expect(lora.has('model.layers.0.self_attn.k_proj')).toBe(false);
    expect(lora.pair(DOWN1).a.shape).toEqual([FF, 3]);
    expect(lora.pair(DOWN1).b.shape).toEqual([3, D]);
    expect(lora.parameterCount()).toBe(2 * 3 * (D + D) + 2 * 3 * (FF + D));
    expect(lora.variables()).toHaveLength(8);
    expect(lora.variables().every((v) => v.trainable)).toBe(true);
    expect(lora.scale).toBe(16 / 3);
    expect(withAdapters(base, { rank: 4, alpha: 8, useRslora: true }, 7).scale).toBe(4);
  });

  it('initialises A uniform in ±1/sqrt(in), deterministically per seed, and B to zeros', () => {
    const base = makeBase();
    const one = withAdapters(base, { rank: 4, targetModules: ['down_proj'] }, 5);
    const a = one.pair(DOWN1).a.dataSync();
    expect(Math.max(...Array.from(a, Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(FF));
    expect(Math.max(...Array.from(a, Math.abs))).toBeGreaterThan(0.5 / Math.sqrt(FF));
    expect(Array.from(one.pair(DOWN1).b.dataSync())).toEqual(new Array(4 * D).fill(0));
    const same = withAdapters(base, { rank: 4, targetModules: ['down_proj'] }, 5);
    expect(Array.from(same.pair(DOWN1).a.dataSync())).toEqual(Array.from(a));
    const other = withAdapters(base, { rank: 4, targetModules: ['down_proj'] }, 6);
    expect(Array.from(other.pair(DOWN1).a.dataSync())).not.toEqual(Array.from(a));
  });

  it('a fresh adapter leaves outputs exactly equal to the base', () => {
    const base = makeBase();
    const lora = withAdapters(base, { targetModules: [...ALL], dropout: 0.3 }, 2);
    const x = tf.tensor2d(randomMatrix(Rng.fromSeed(4), 5, D), [5, D]);
    for (const training of [false, true]) {
      const w = base.get(`${Q0}.weight`) as tf.Tensor2D;
      const y = lora.project(x, Q0, w, training);
      const plain = linear(x, w);
      expect(Array.from(y.dataSync())).toEqual(Array.from(plain.dataSync()));
      tf.dispose([y, plain]);
    }
    x.dispose();
  });

  it('matches a hand-loop reference of x W + scale (x A) B (dropout off, training or not)', () => {
    const base = makeBase();
    const r = 3;
    const values = randomValues(base, r, ALL);
    const lora = withAdapters(base, { rank: r, alpha: 5, targetModules: [...ALL] }, 2, values);
    const n = 4;
    for (const [module, inDim, outDim] of [
      [Q0, D, D],
      ['model.layers.0.self_attn.v_proj', D, KV],
      [DOWN1, FF, D],
    ] as const) {
      const xData = randomMatrix(Rng.fromSeed(9), n, inDim);
      const w = base.get(`${module}.weight`) as tf.Tensor2D;
      const ref = reference(
        xData,
        n,
        w.dataSync() as Float32Array,
        values.get(loraKeyA(module)) as Float32Array,
        values.get(loraKeyB(module)) as Float32Array,
        { in: inDim, r, out: outDim },
        5 / 3,
      );
      for (const training of [false, true]) {
        const y = tf.tidy(() => lora.project(tf.tensor2d(xData, [n, inDim]), module, w, training).dataSync());
        expectClose(y, ref, 1e-5);
      }
    }
  });

  it('applies seeded inverted dropout only while training', () => {
    const base = makeBase();
    const r = 2;
    const p = 0.4;
    const values = randomValues(base, r, ['q_proj']);
    const lora = withAdapters(base, { rank: r, dropout: p, targetModules: ['q_proj'] }, 2, values);
    const n = 5;
    const xData = randomMatrix(Rng.fromSeed(10), n, D);
    const w = base.get(`${Q0}.weight`) as tf.Tensor2D;
    const dims = { in: D, r, out: D };
    const a = values.get(loraKeyA(Q0)) as Float32Array;
    const b = values.get(loraKeyB(Q0)) as Float32Array;
    const replay = Rng.fromSeed(77).split('dropout');
    const mask = Float32Array.from({ length: n * D }, () => (replay.next() < p ? 0 : 1 / (1 - p)));
    expect(mask.some((m) => m === 0)).toBe(true);
    const y = tf.tidy(() => lora.project(tf.tensor2d(xData, [n, D]), Q0, w, true, Rng.fromSeed(77).split('dropout')).dataSync());
    expectClose(y, reference(xData, n, w.dataSync() as Float32Array, a, b, dims, lora.scale, mask), 1e-5);
    const evalY = tf.tidy(() => lora.project(tf.tensor2d(xData, [n, D]), Q0, w, false).dataSync());
    expectClose(evalY, reference(xData, n, w.dataSync() as Float32Array, a, b, dims, lora.scale), 1e-5);
    // Without an rng the instance's own stream is used: two calls draw different masks.
    const first = tf.tidy(() => lora.project(tf.tensor2d(xData, [n, D]), Q0, w, true).dataSync());
    const second = tf.tidy(() => lora.project(tf.tensor2d(xData, [n, D]), Q0, w, true).dataSync());
    expect(Array.from(first)).not.toEqual(Array.from(second));
  });

  it('passes modules without an adapter straight to linear(x, W)', () => {
    const base = makeBase();
    const lora = withAdapters(base, {}, 2, undefined);
    const module = 'model.layers.0.mlp.up_proj';
    const w = base.get(`${module}.weight`) as tf.Tensor2D;
    const [y, plain] = tf.tidy(() => {
      const x = tf.tensor2d(randomMatrix(Rng.fromSeed(1), 3, D), [3, D]);
      return [lora.project(x, module, w, true).dataSync(), linear(x, w).dataSync()];
    });
    expect(Array.from(y as Float32Array)).toEqual(Array.from(plain as Float32Array));
  });

  it('sends gradients only to A and B, matching finite differences', () => {
    const base = makeBase();
    const r = 2;
    const lora = withAdapters(
      base,
      { rank: r, targetModules: ['q_proj', 'v_proj'] },
      2,
      randomValues(base, r, ['q_proj', 'v_proj']),
    );
    const xData = randomMatrix(Rng.fromSeed(12), 4, D);
    const coeff = tf.tensor2d(randomMatrix(Rng.fromSeed(13), 4, KV), [4, KV]);
    const loss = () =>
      tf.tidy(() => {
        const x = tf.tensor2d(xData, [4, D]);
        const q = lora.project(x, Q0, base.get(`${Q0}.weight`) as tf.Tensor2D, true);
        const v = lora.project(
          q,
          'model.layers.0.self_attn.v_proj',
          base.get('model.layers.0.self_attn.v_proj.weight') as tf.Tensor2D,
          true,
        );
        const l1 = (m: string, input: tf.Tensor2D) =>
          lora.project(
            input,
            `model.layers.1.self_attn.${m}`,
            base.get(`model.layers.1.self_attn.${m}.weight`) as tf.Tensor2D,
            true,
          );
        const rest = tf.add(tf.sum(tf.mul(l1('v_proj', x), coeff)), tf.mul(tf.sum(tf.square(l1('q_proj', x))), 0.1));
        return tf.add(tf.sum(tf.mul(tf.tanh(v), coeff)), rest) as tf.Scalar;
      });
    const baseNames = new Set([...base.values()].map((v) => v.name));
    expect(lora.variables().some((v) => baseNames.has(v.name))).toBe(false);
    const { value, grads } = tf.variableGrads(loss, lora.variables());
    value.dispose();
    expect(Object.keys(grads).sort()).toEqual(
      lora
        .variables()
        .map((v) => v.name)
        .sort(),
    );
    expect(Object.keys(grads).some((k) => baseNames.has(k))).toBe(false);
    const checks: [tf.Variable, number][] = [
      [lora.pair(Q0).a, 5],
      [lora.pair(Q0).b, 3],
      [lora.pair('model.layers.0.self_attn.v_proj').a, 7],
      [lora.pair('model.layers.1.self_attn.q_proj').b, 2],
    ];
    for (const [v, i] of checks) {
      const g = (grads[v.name] as tf.Tensor).dataSync()[i] as number;
      expect(Math.abs(g)).toBeGreaterThan(1e-4);
      const original = (v.dataSync() as Float32Array).slice();
      const at = (delta: number): number => {
        const d = original.slice();
        d[i] = (d[i] as number) + delta;
        tf.tidy(() => v.assign(tf.tensor(d, v.shape)));
        const l = loss();
        const out = l.dataSync()[0] as number;
        l.dispose();
        return out;
      };
      const eps = 1e-2;
      const numeric = (at(eps) - at(-eps)) / (2 * eps);
      tf.tidy(() => v.assign(tf.tensor(original, v.shape)));
      expect(Math.abs(numeric - g)).toBeLessThan(2e-3 + 1e-2 * Math.abs(numeric));
    }
    tf.dispose([coeff, ...Object.values(grads)]);
  });

  it('merged weights reproduce base + adapter outputs', () => {
    const base = makeBase();
    const r = 3;
    const lora = withAdapters(
      base,
      { rank: r, alpha: 7, useRslora: true, targetModules: [...ALL] },
      2,
      randomValues(base, r, ALL),
    );
    const merged = lora.merged(base);
    expect([...merged.keys()]).toEqual([...base.keys()]);
    expect(Array.from(merged.get('model.norm.weight') as Float32Array)).toEqual(
      Array.from(base.get('model.norm.weight')?.dataSync() as Float32Array),
    );
    for (const [module, inDim] of [
      [Q0, D],
      ['model.layers.1.self_attn.k_proj', D],
      [DOWN1, FF],
    ] as const) {
      const w = base.get(`${module}.weight`) as tf.Tensor2D;
      const [viaAdapter, viaMerged] = tf.tidy(() => {
        const x = tf.tensor2d(randomMatrix(Rng.fromSeed(21), 5, inDim), [5, inDim]);
        const wm = tf.tensor2d(merged.get(`${module}.weight`) as Float32Array, w.shape);
        return [lora.project(x, module, w, false).dataSync(), linear(x, wm).dataSync()];
      });
      expectClose(viaMerged as Float32Array, viaAdapter as Float32Array, 1e-5);
    }
  });

  it('snapshot shares the base, copies and freezes adapters; copyFrom syncs them', () => {
    const base = makeBase();
    const lora = withAdapters(base, { rank: 2, targetModules: ['q_proj'] }, 2, randomValues(base, 2, ['q_proj']));
    const before = tf.memory().numTensors;
    const snap = lora.snapshot();
    live.push(snap);
    expect(tf.memory().numTensors - before).toBe(lora.variables().length);
    expect(snap.variables().every((v) => !v.trainable)).toBe(true);
    const ids = new Set(lora.variables().map((v) => v.dataId));
    expect(snap.variables().some((v) => ids.has(v.dataId))).toBe(false);
    const w = base.get(`${Q0}.weight`) as tf.Tensor2D;
    const xData = randomMatrix(Rng.fromSeed(30), 3, D);
    const out = (l: LoraAdapters) => tf.tidy(() => Array.from(l.project(tf.tensor2d(xData, [3, D]), Q0, w, false).dataSync()));
    const reference = out(snap);
    expect(out(lora)).toEqual(reference);
    const b = lora.pair(Q0).b;
    tf.tidy(() => b.assign(tf.add(b, 0.25)));
    expect(out(lora)).not.toEqual(reference);
    expect(out(snap)).toEqual(reference);
    snap.copyFrom(lora);
    expect(out(snap)).toEqual(out(lora));
  });

  it('keeps the tensor count stable across project() calls and snapshot disposal', () => {
    const base = makeBase();
    const lora = withAdapters(base, { rank: 2, dropout: 0.2, targetModules: [...ALL] }, 2);
    const w = base.get(`${Q0}.weight`) as tf.Tensor2D;
    const x = tf.tensor2d(randomMatrix(Rng.fromSeed(40), 3, D), [3, D]);
    const start = tf.memory().numTensors;
    tf.tidy(() => {
      for (let i = 0; i < 20; i++) lora.project(x, Q0, w, i % 2 === 0, i % 4 === 0 ? Rng.fromSeed(i) : undefined);
    });
    expect(tf.memory().numTensors).toBe(start);
    const snap = lora.snapshot();
    snap.copyFrom(lora);
    tf.tidy(() => {
      for (let i = 0; i < 20; i++) snap.project(x, Q0, w, true);
    });
    snap.dispose();
    snap.dispose();
    expect(tf.memory().numTensors).toBe(start);
    x.dispose();
  });
});
