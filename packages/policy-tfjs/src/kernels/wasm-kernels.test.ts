import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend';
import { applyRotary, rotaryTables } from '../layers';
import { rowPositions } from '../transformer';
import { fusedAttention, fusedAttentionRows } from './fused-attention';
import { KernelKVCache } from './kv-cache-kernel';
import { MATMUL_WASM_BASE64 } from './matmul-wasm';
import { AttentionRows, wasmBatchMatMul, wasmColumnSums, wasmTranspose } from './wasm-kernels';

beforeAll(async () => {
  await initBackend('wasm');
});

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('wasm SIMD batched matmul', () => {
  it.each([
    [3, 5, 7, 9, false, false],
    [2, 64, 32, 64, false, true],
    [4, 17, 33, 18, true, false],
    [1, 1, 32, 40, false, true],
    [2, 6, 4, 35, true, true],
  ])('batch %i, M %i, K %i, N %i, transA %s, transB %s matches tf.matMul', (batch, M, K, N, transA, transB) => {
    const a = tf.randomNormal(transA ? [batch, K, M] : [batch, M, K], 0, 1, 'float32', 1);
    const b = tf.randomNormal(transB ? [batch, N, K] : [batch, K, N], 0, 1, 'float32', 2);
    const expected = tf.matMul(a, b, transA, transB);
    const got = wasmBatchMatMul(a.dataSync() as Float32Array, b.dataSync() as Float32Array, batch, M, K, N, transA, transB);
    expect(maxDiff(got, expected.dataSync())).toBeLessThan(1e-4);
    tf.dispose([a, b, expected]);
  });

  it.each([
    [1024, 128],
    [7, 5],
    [18, 33],
    [1, 9],
  ])('blocked transpose and column sums of [%i, %i] match tfjs', (rows, cols) => {
    const x = tf.randomNormal([rows, cols], 0, 1, 'float32', 13);
    const data = x.dataSync() as Float32Array;
    expect(maxDiff(wasmTranspose(data, rows, cols), tf.transpose(x).dataSync())).toBe(0);
    expect(maxDiff(wasmColumnSums(data, rows, cols), tf.sum(x, 0).dataSync())).toBeLessThan(1e-3);
    x.dispose();
  });

  it('fusedAttention matches tfjs attention (values and gradients), padded rows included', () => {
    const B = 3;
    const L = 7;
    const H = 2;
    const dh = 8;
    const pads = [0, 2, 5];
    const scale = 1 / Math.sqrt(dh);
    const qkv = tf.randomNormal([B, L, 3 * H, dh], 0, 1, 'float32', 6);
    const w = tf.randomNormal([B, L, H, dh], 0, 1, 'float32', 7);
    const live = tf.tensor4d(
      Array.from({ length: B * L }, (_, i) => (i % L >= (pads[Math.floor(i / L)] as number) ? 1 : 0)),
      [B, L, 1, 1],
    );
    const reference = (x: tf.Tensor) => {
      const [q, k, v] = tf.split(tf.transpose(x, [0, 2, 1, 3]), 3, 1) as tf.Tensor4D[];
      const mask = new Float32Array(B * L * L);
      pads.forEach((p, b) => {
        for (let t = 0; t < L; t++) for (let s = 0; s < L; s++) mask[(b * L + t) * L + s] = s <= t && s >= p ? 0 : -1e9;
      });
      const scores = tf.add(
        tf.matMul(tf.mul(q as tf.Tensor, scale), k as tf.Tensor, false, true),
        tf.tensor4d(mask, [B, 1, L, L]),
      );
      return tf.transpose(tf.matMul(tf.softmax(scores), v as tf.Tensor), [0, 2, 1, 3]);
    };
    const loss = (f: (x: tf.Tensor) => tf.Tensor) => (x: tf.Tensor) => tf.sum(tf.mul(tf.mul(f(x), live), w));
    const got = tf.mul(fusedAttention(qkv, pads, scale), live);
    const want = tf.mul(reference(qkv), live);
    expect(maxDiff(got.dataSync(), want.dataSync())).toBeLessThan(1e-5);
    const g1 = tf.grad(loss((x) => fusedAttention(x, pads, scale)))(qkv);
    const g2 = tf.grad(loss(reference))(qkv);
    expect(maxDiff(g1.dataSync(), g2.dataSync())).toBeLessThan(1e-5);
  });

  it('rotates q and k inside the fused attention exactly like applyRotary, gradient included', () => {
    const [B, L, H, dh] = [3, 6, 2, 12]; // half = 6: the SIMD loop and its scalar tail
    const pads = [0, 1, 4];
    const scale = 1 / Math.sqrt(dh);
    const rows = rotaryTables(rowPositions(pads, L), dh, 10000);
    const qkv = tf.randomNormal([B, L, 3 * H, dh], 0, 1, 'float32', 8);
    const w = tf.randomNormal([B, L, H, dh], 0, 1, 'float32', 9);
    const cos = tf.tensor4d(rows.cos, [B, L, 1, dh]);
    const sin = tf.tensor4d(rows.sin, [B, L, 1, dh]);
    const rotatedFirst = (x: tf.Tensor) => {
      const [q, k, v] = tf.split(x, 3, 2);
      const r = tf.concat([applyRotary(q as tf.Tensor, cos, sin), applyRotary(k as tf.Tensor, cos, sin), v as tf.Tensor], 2);
      return fusedAttention(r, pads, scale);
    };
    const inKernel = (x: tf.Tensor) => fusedAttention(x, pads, scale, rows);
    expect(maxDiff(inKernel(qkv).dataSync(), rotatedFirst(qkv).dataSync())).toBeLessThan(1e-6);
    const loss = (f: (x: tf.Tensor) => tf.Tensor) => (x: tf.Tensor) => tf.sum(tf.mul(f(x), w));
    const g1 = tf.grad(loss(inKernel))(qkv).dataSync();
    const g2 = tf.grad(loss(rotatedFirst))(qkv).dataSync();
    expect(maxDiff(g1, g2)).toBeLessThan(1e-5);
    expect(maxDiff(g1, new Float32Array(g1.length))).toBeGreaterThan(0.1);
  });

  it('packed rows (no padding) match each row alone, values and gradients, rotary included', () => {
    // lengths cover 16-column blocks, 4-column blocks, scalar tails and an empty row
    const lengths = [1, 19, 0, 37, 6];
    const [H, dh] = [2, 32];
    const scale = 1 / Math.sqrt(dh);
    const rows = AttentionRows.packed(lengths);
    const N = rows.tokens;
    const positions = lengths.flatMap((n) => Array.from({ length: n }, (_, l) => l));
    const rope = rotaryTables(positions, dh, 10000);
    const qkv = tf.randomNormal([N, 3 * H, dh], 0, 1, 'float32', 11);
    const w = tf.randomNormal([N, H, dh], 0, 1, 'float32', 12);
    const loss = (x: tf.Tensor) => tf.sum(tf.mul(fusedAttentionRows(x, rows, scale, rope), w));
    const got = fusedAttentionRows(qkv, rows, scale, rope).dataSync();
    const grad = tf.grad(loss)(qkv).dataSync();
    let at = 0;
    for (const n of lengths) {
      if (n === 0) continue;
      const one = tf.slice(qkv, [at, 0, 0], [n, 3 * H, dh]);
      const table = rotaryTables(
        Array.from({ length: n }, (_, l) => l),
        dh,
        10000,
      );
      const wOne = tf.slice(w, [at, 0, 0], [n, H, dh]);
      const alone = (x: tf.Tensor) => fusedAttention(tf.reshape(x, [1, n, 3 * H, dh]), [0], scale, table);
      const want = alone(one).dataSync();
      expect(maxDiff(got.subarray(at * H * dh, (at + n) * H * dh), want)).toBeLessThan(1e-5);
      const g = tf
        .grad((x: tf.Tensor) => tf.sum(tf.mul(tf.reshape(alone(x), [n, H, dh]), wOne)))(one)
        .dataSync();
      expect(maxDiff(grad.subarray(at * 3 * H * dh, (at + n) * 3 * H * dh), g)).toBeLessThan(1e-5);
      at += n;
    }
    // against the tfjs reference for the longest row (37 tokens: 16-blocks with an overcomputed tail)
    const [from, n] = [20, 37];
    const x = tf.slice(qkv, [from, 0, 0], [n, 3 * H, dh]);
    const cos = tf.tensor4d(rope.cos.subarray(from * dh, (from + n) * dh), [1, 1, n, dh]);
    const sin = tf.tensor4d(rope.sin.subarray(from * dh, (from + n) * dh), [1, 1, n, dh]);
    const [q, k, v] = tf.split(tf.transpose(tf.reshape(x, [1, n, 3 * H, dh]), [0, 2, 1, 3]), 3, 1) as tf.Tensor4D[];
    const mask = tf.tensor4d(
      Array.from({ length: n * n }, (_, i) => (i % n <= Math.floor(i / n) ? 0 : -1e9)),
      [1, 1, n, n],
    );
    const scores = tf.add(
      tf.matMul(tf.mul(applyRotary(q as tf.Tensor, cos, sin), scale), applyRotary(k as tf.Tensor, cos, sin), false, true),
      mask,
    );
    const ref = tf.transpose(tf.matMul(tf.softmax(scores), v as tf.Tensor), [0, 2, 1, 3]).dataSync();
    expect(maxDiff(got.subarray(from * H * dh, (from + n) * H * dh), ref)).toBeLessThan(1e-5);
  });

  it('a decode step rotates its q and k in the kernel exactly like applyRotary', () => {
    const [B, H, dh, tMax] = [2, 2, 8, 4];
    const pads = [0, 1];
    const positions = [3, 2];
    const rows = rotaryTables(positions, dh, 10000);
    const qkv = tf.randomNormal([B, 3, H, dh], 0, 1, 'float32', 10);
    const [q, k, v] = tf.split(qkv, 3, 1);
    const cos = tf.tensor4d(rows.cos, [B, 1, 1, dh]);
    const sin = tf.tensor4d(rows.sin, [B, 1, 1, dh]);
    const pre = tf.concat([applyRotary(q as tf.Tensor, cos, sin), applyRotary(k as tf.Tensor, cos, sin), v as tf.Tensor], 1);
    const run = (x: Float32Array, rope?: { cos: Float32Array; sin: Float32Array }) => {
      const cache = new KernelKVCache(B, H, dh, tMax, 1, pads);
      try {
        return cache.attend(0, x, 3, 0.5, rope);
      } finally {
        cache.release();
      }
    };
    const want = run(pre.dataSync() as Float32Array);
    const got = run(qkv.dataSync() as Float32Array, rows);
    expect(maxDiff(got, want)).toBeLessThan(1e-6);
  });
});

describe('generated kernel module', () => {
  const pkg = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const asc = join(pkg, 'node_modules', '.bin', 'asc');
  it.skipIf(!existsSync(asc))(
    'matches kernels/matmul.as.ts (run `pnpm --filter @trellis/policy-tfjs build:kernels` after editing it)',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'trellis-asc-'));
      try {
        const out = join(dir, 'k.wasm');
        // The same flags as scripts/build-kernels.mjs (one file, so the check cannot drift).
        const flags = JSON.parse(readFileSync(join(pkg, 'kernels', 'asc-flags.json'), 'utf8')) as string[];
        const args = [join(pkg, 'kernels', 'matmul.as.ts'), ...flags];
        execFileSync(asc, [...args, '--outFile', out]);
        expect(readFileSync(out).toString('base64')).toBe(MATMUL_WASM_BASE64);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
