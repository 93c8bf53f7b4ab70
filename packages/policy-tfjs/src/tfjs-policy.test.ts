import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './init-backend';
import { KernelKVCache } from './kernels/kv-cache-kernel';
import { maxAbsDiff } from './testing/max-abs-diff';
import { tinyPolicy } from './testing/tiny-policy';

beforeAll(async () => {
  await initBackend('wasm');
});

const VARIANTS = [
  { name: 'learned positions, untied head', cfg: {}, kernel: 'auto' },
  { name: 'rotary positions, tied head', cfg: { positional: 'rotary', tiedHead: true }, kernel: 'auto' },
  { name: 'rotary positions, tfjs attention', cfg: { positional: 'rotary' }, kernel: 'tfjs' },
] as const;

describe.each(VARIANTS)('TfjsPolicy ($name)', ({ cfg, kernel }) => {
  it('cached decoding gives the same logits as a full forward pass (1e-5)', () => {
    const policy = tinyPolicy(cfg, 1, { attentionKernel: kernel });
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
      if (m.usesKernel()) {
        const kc = new KernelKVCache(rows.length, m.config.nHeads, m.headDim, P + 4, m.config.nLayers, pads);
        first.kv.forEach((l, i) => kc.fill(i, l.k.dataSync() as Float32Array, l.v.dataSync() as Float32Array, P));
        for (let s = 0; s < 4; s++) {
          const tokens = Int32Array.from(steps.map((st) => st[s] as number));
          cached.push(
            m
              .decodeStepKernel(
                tokens,
                pads.map((p) => P + s - p),
                kc,
                P + s,
              )
              .dataSync() as Float32Array,
          );
        }
        kc.release();
        return;
      }
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
      const L = full.length;
      const logits = tf.tidy(
        () =>
          m
            .forward({ ids: Int32Array.from(full.slice(0, L)), pads: [0], length: L, headFrom: r.length - 1, headCount: 5 })
            .logits.dataSync() as Float32Array,
      );
      for (let s = 0; s < 5; s++) {
        const c = (cached[s] as Float32Array).subarray(b * V, (b + 1) * V);
        expect(maxAbsDiff(c, logits.subarray(s * V, (s + 1) * V))).toBeLessThan(1e-5);
      }
    });
    policy.dispose();
  });

  it('sampling-time log-probs equal recomputed logProbs (1e-4), prefill included', async () => {
    const policy = tinyPolicy(cfg, 3, { attentionKernel: kernel });
    const requests = [{ prompt: 'abc' }, { prompt: '12+34=', prefill: '4' }, { prompt: 'j', prefill: '9 9' }, { prompt: '' }];
    for (const sampling of [
      { temperature: 0.7, topK: 5, maxNewTokens: 12, seed: 11 },
      { temperature: 1.3, topP: 0.9, maxNewTokens: 9, seed: 5 },
      { temperature: 0.5, greedy: true, maxNewTokens: 7 },
    ]) {
      const results = await policy.generate(requests, sampling);
      const T = sampling.greedy ? 1 : sampling.temperature;
      const out = policy.logProbs({
        promptIds: results.map((r) => r.promptIds),
        completionIds: results.map((r) => r.completionIds),
        temperature: T,
      });
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

describe('generation stops', () => {
  it('honours stop strings, stop token ids, maxNewTokens 0 and reports finish reasons', async () => {
    const policy = tinyPolicy({}, 12);
    const sampling = { temperature: 1, maxNewTokens: 12, seed: 4 };
    const [free] = await policy.generate([{ prompt: 'ab' }], sampling);
    const ids = free?.completionIds ?? [];
    expect(ids.length).toBeGreaterThan(3);
    const stopText = policy.tokenizer.decode(ids.slice(2, 4));
    const [byString] = await policy.generate([{ prompt: 'ab' }], { ...sampling, stop: [stopText] });
    expect(byString?.finishReason).toBe('stop');
    expect(byString?.text.endsWith(stopText)).toBe(true);
    expect(byString?.completionIds).toEqual(ids.slice(0, byString?.completionIds.length));
    const [byId] = await policy.generate([{ prompt: 'ab' }], { ...sampling, stopTokenIds: [ids[1] as number] });
    expect(byId?.finishReason).toBe('stop');
    expect(byId?.completionIds).toEqual(ids.slice(0, ids.indexOf(ids[1] as number) + 1));
    const [none] = await policy.generate([{ prompt: 'ab', prefill: 'c' }], { ...sampling, maxNewTokens: 0 });
    expect(none?.completionIds).toEqual(policy.tokenizer.encode('c'));
    expect(none?.finishReason).toBe('length');
    expect(policy.encodePrompt('x'.repeat(100))).toHaveLength(policy.maxContext);
    policy.dispose();
  });
});

describe('per-request seeds', () => {
  it('a seeded request samples the same tokens alone, in another position, or batched with others', async () => {
    const policy = tinyPolicy({}, 7);
    const sampling = { temperature: 1, maxNewTokens: 10, seed: 1 };
    const [alone] = await policy.generate([{ prompt: 'ab', seed: 42 }], sampling);
    const batched = await policy.generate(
      [{ prompt: 'cd' }, { prompt: 'a' }, { prompt: 'ab', seed: 42 }, { prompt: 'ab', seed: 43 }],
      { ...sampling, seed: 2 },
    );
    expect(batched[2]?.completionIds).toEqual(alone?.completionIds);
    expect(batched[3]?.completionIds).not.toEqual(alone?.completionIds);
    const [unseeded] = await policy.generate([{ prompt: 'ab' }], sampling);
    const [again] = await policy.generate([{ prompt: 'ab' }], sampling);
    expect(again?.completionIds).toEqual(unseeded?.completionIds);
    policy.dispose();
  });
});

describe('length-bucketed generation', () => {
  it('returns results in request order, each equal to the same request generated alone', async () => {
    const policy = tinyPolicy({}, 5); // context 40
    const sampling = { temperature: 1, maxNewTokens: 4, seed: 9 };
    const prompts = ['a', 'b'.repeat(30), 'ab', 'c'.repeat(28), 'ba'];
    const together = await policy.generate(
      prompts.map((prompt, i) => ({ prompt, seed: 100 + i })),
      sampling,
    );
    for (const [i, prompt] of prompts.entries()) {
      const [alone] = await policy.generate([{ prompt, seed: 100 + i }], sampling);
      expect(together[i]?.promptIds).toEqual(alone?.promptIds);
      expect(together[i]?.completionIds).toEqual(alone?.completionIds);
    }
    // Unseeded requests draw from the call's seed by request index, whatever their batch.
    const unseeded = await policy.generate(
      prompts.map((prompt) => ({ prompt })),
      sampling,
    );
    const shortOnly = await policy.generate(
      prompts.slice(0, 1).map((prompt) => ({ prompt })),
      sampling,
    );
    expect(unseeded[0]?.completionIds).toEqual(shortOnly[0]?.completionIds);
    policy.dispose();
  });
});

describe('prompts that do not fit the context', () => {
  it('reports how many prompt tokens were cut from the left (0 when everything fit), prefill included', async () => {
    const policy = tinyPolicy({}, 3); // context 40, BOS first
    const sampling = { temperature: 1, maxNewTokens: 2, greedy: true };
    const [fits, long, withPrefill] = await policy.generate(
      [{ prompt: 'ab' }, { prompt: 'a'.repeat(50) }, { prompt: 'a'.repeat(30), prefill: 'b'.repeat(15) }],
      sampling,
    );
    expect(fits?.promptTruncated).toBe(0);
    // 50 prompt tokens + BOS into 40 positions: 11 cut.
    expect(long?.promptTruncated).toBe(11);
    expect(long?.promptIds).toHaveLength(40);
    // A prefill of 15 leaves 24 prompt tokens after BOS: 6 of 30 cut.
    expect(withPrefill?.promptTruncated).toBe(6);
    policy.dispose();
  });
});
