import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './init-backend';
import { tinyPolicy } from './testing/tiny-policy';

beforeAll(async () => {
  await initBackend('wasm');
});

const VARIANTS = [
  { name: 'learned positions, untied head', cfg: {} },
  { name: 'rotary positions, tied head', cfg: { positional: 'rotary', tiedHead: true } },
] as const;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe.each(VARIANTS)('TfjsPolicy ($name)', ({ cfg }) => {
  it('cached decoding gives the same logits as a full forward pass (1e-5)', () => {
    const policy = tinyPolicy(cfg);
    const m = policy.model;
    const V = policy.config.vocabSize;
    const rows = [
      [1, 5, 6, 7, 8, 9, 10, 11],
      [1, 12, 13],
      [1, 20, 21, 22, 23],
    ];
    const steps = [
      [14, 15, 16, 17],
      [4, 5, 6, 7],
      [25, 24, 23, 22],
    ];
    const P = Math.max(...rows.map((r) => r.length));
    const pads = rows.map((r) => P - r.length);
    const ids = new Int32Array(rows.length * P);
    rows.forEach((r, b) => ids.set(r, b * P + (pads[b] as number)));
    const cached: Float32Array[] = [];
    tf.tidy(() => {
      const first = m.forward({ ids, pads, length: P, headFrom: P - 1, headCount: 1, collectKV: true });
      cached.push(first.logits.dataSync() as Float32Array);
      let cache = first.kv;
      for (let s = 0; s < 4; s++) {
        const t = P + s + 1;
        const mask = new Float32Array(rows.length * t);
        rows.forEach((_, b) => mask.fill(-1e9, b * t, b * t + (pads[b] as number)));
        const out = m.decodeStep(
          Int32Array.from(steps.map((st) => st[s] as number)),
          pads.map((p) => P + s - p),
          cache,
          tf.tensor4d(mask, [rows.length, 1, 1, t]),
        );
        cached.push(out.logits.dataSync() as Float32Array);
        cache = out.cache;
      }
    });
    rows.forEach((r, b) => {
      const full = [...r, ...(steps[b] as number[])];
      const L = full.length - 1;
      const logits = tf.tidy(
        () => m.forward({ ids: Int32Array.from(full.slice(0, L)), pads: [0], length: L, headFrom: r.length - 1, headCount: 5 }).logits.dataSync() as Float32Array,
      );
      for (let s = 0; s < 5; s++) {
        const c = (cached[s] as Float32Array).subarray(b * V, (b + 1) * V);
        expect(maxAbsDiff(c, logits.subarray(s * V, (s + 1) * V))).toBeLessThan(1e-5);
      }
    });
    policy.dispose();
  });

  it('sampling-time log-probs equal recomputed logProbs (1e-4), prefill included', async () => {
    const policy = tinyPolicy(cfg, 3);
    const requests = [{ prompt: 'abc' }, { prompt: '12+34=', prefill: '4' }, { prompt: 'j', prefill: '9 9' }];
    for (const sampling of [
      { temperature: 0.7, topK: 5, maxNewTokens: 12, seed: 11 },
      { temperature: 1.3, topP: 0.9, maxNewTokens: 9, seed: 5 },
      { temperature: 0.5, greedy: true, maxNewTokens: 7 },
    ]) {
      const results = await policy.generate(requests, sampling);
      const T = sampling.greedy ? 1 : sampling.temperature;
      const out = policy.logProbs({ promptIds: results.map((r) => r.promptIds), completionIds: results.map((r) => r.completionIds), temperature: T });
      const lp = out.logProbs.arraySync();
      const mask = out.mask.arraySync();
      results.forEach((r, b) => {
        expect(r.logProbs.length).toBe(r.completionIds.length);
        expect(r.prefillLength).toBe(requests[b]?.prefill?.length ?? 0);
        r.logProbs.forEach((x, j) => {
          expect(Math.abs(x - (lp[b]?.[j] as number))).toBeLessThan(1e-4);
          expect(mask[b]?.[j]).toBe(1);
        });
        for (let j = r.logProbs.length; j < (lp[b]?.length ?? 0); j++) expect(mask[b]?.[j]).toBe(0);
      });
      out.logProbs.dispose();
      out.mask.dispose();
    }
    policy.dispose();
  });
});
