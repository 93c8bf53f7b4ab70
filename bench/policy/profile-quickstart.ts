/**
 * Per-kernel profile of the quickstart's scoring work on the shipped base (one thread, wasm): a
 * reference log-prob pass (forward only) and a gradient pass over 64 rows shaped like a GRPO step's
 * (12-token prompts, 36-token completions).
 *   pnpm bench:policy:profile-quickstart
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, loadPolicy } from '../../packages/policy-tfjs/src/index';
import { kernelReport } from './kernel-report';

await initBackend('wasm');
const policy = await loadPolicy('examples/arithmetic/base');
const B = 64;
const batch = {
  promptIds: Array.from({ length: B }, (_, b) => [1, ...Array.from({ length: 11 }, (_, i) => 20 + ((b + i) % 10))]),
  completionIds: Array.from({ length: B }, (_, b) => Array.from({ length: 36 }, (_, i) => 20 + ((b * 3 + i) % 40))),
  temperature: 1.2,
};
const score = () => {
  tf.tidy(() => {
    policy.logProbs(batch).logProbs.dataSync();
  });
};
const grad = () => {
  const { value, grads } = tf.variableGrads(
    () => tf.neg(tf.mean(policy.logProbs(batch, { entropy: true }).logProbs)) as tf.Scalar,
    policy.trainableVariables(),
  );
  value.dataSync();
  tf.dispose([value, ...Object.values(grads)]);
};
async function report(name: string, fn: () => void) {
  fn();
  fn();
  const t0 = performance.now();
  fn();
  const wall = performance.now() - t0;
  await kernelReport(name, fn, `wall ${wall.toFixed(0)} ms; `);
}
await report(`reference log-probs, ${B} x (12 + 36) tokens`, score);
await report(`gradient of log-probs + entropy, ${B} x (12 + 36) tokens`, grad);
