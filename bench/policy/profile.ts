/**
 * Per-kernel profile of one training step and one sampling call of the reference model (wasm).
 *   esbuild-bundled like bench.ts: see the `bench:policy:profile` script.
 */
import * as tf from '@tensorflow/tfjs';
import { CharTokenizer, createPolicy, initBackend } from '../../packages/policy-tfjs/src/index';

await initBackend('wasm');
const REF = { vocabSize: 32, dModel: 128, nLayers: 2, nHeads: 4, dFF: 512, maxContext: 64 };
const policy = createPolicy(REF, new CharTokenizer('abcdefghijklmnopqrstuvwxyz .,'.slice(0, 28)), { seed: 0 });
const opt = tf.train.adam(1e-3);
const rows = Array.from({ length: 32 }, (_, b) => Array.from({ length: 65 }, (_, i) => 4 + ((b * 7 + i * 13) % 28)));
const batch = { promptIds: rows.map((r) => r.slice(0, 1)), completionIds: rows.map((r) => r.slice(1)) };
const step = () => {
  const cost = opt.minimize(
    () => tf.neg(tf.mean(policy.logProbs(batch).logProbs)) as tf.Scalar,
    true,
    policy.trainableVariables(),
  );
  cost?.dataSync();
  cost?.dispose();
};
step();
step();
async function report(name: string, fn: () => Promise<unknown> | unknown) {
  const info = await tf.profile(async () => {
    await fn();
  });
  const by = new Map<string, { ms: number; n: number }>();
  for (const k of info.kernels) {
    const e = by.get(k.name) ?? { ms: 0, n: 0 };
    e.ms += Number(k.kernelTimeMs) || 0;
    e.n++;
    by.set(k.name, e);
  }
  const total = [...by.values()].reduce((a, b) => a + b.ms, 0);
  console.log(`\n${name}: ${info.kernels.length} kernels, ${total.toFixed(1)} ms in kernels`);
  for (const [k, e] of [...by.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 14)) {
    console.log(`  ${k.padEnd(22)} ${e.ms.toFixed(1).padStart(8)} ms  x${e.n}`);
  }
}
const t0 = performance.now();
step();
console.log(`train step wall: ${(performance.now() - t0).toFixed(0)} ms`);
await report('train step', step);
await report('sampling 64 x 64', () =>
  policy.generate(
    Array.from({ length: 64 }, () => ({ prompt: '' })),
    { temperature: 1, maxNewTokens: 64, seed: 1 },
  ),
);
