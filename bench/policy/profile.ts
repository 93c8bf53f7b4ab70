/**
 * Per-kernel profile of one training step and one sampling call of the reference model (wasm).
 *   esbuild-bundled like bench.ts: see the `bench:policy:profile` script.
 */
import * as tf from '@tensorflow/tfjs';
import { CharTokenizer, createPolicy, initBackend } from '../../packages/policy-tfjs/src/index';
import { kernelReport } from './kernel-report';

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
const t0 = performance.now();
step();
console.log(`train step wall: ${(performance.now() - t0).toFixed(0)} ms`);
await kernelReport('train step', step);
await kernelReport('sampling 64 x 64', () =>
  policy.generate(
    Array.from({ length: 64 }, () => ({ prompt: '' })),
    { temperature: 1, maxNewTokens: 64, seed: 1 },
  ),
);
