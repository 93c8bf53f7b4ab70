/**
 * Per-kernel profile of the quickstart's scoring work on the shipped base (one thread, wasm): a
 * reference log-prob pass (forward only) and a gradient pass over 64 rows shaped like a GRPO step's
 * (12-token prompts, 36-token completions).
 *   pnpm bench:policy:profile-quickstart
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, loadPolicy } from '../../packages/policy-tfjs/src/index';

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
  const info = await tf.profile(() => fn());
  const by = new Map<string, { ms: number; n: number }>();
  for (const k of info.kernels) {
    const e = by.get(k.name) ?? { ms: 0, n: 0 };
    e.ms += Number(k.kernelTimeMs) || 0;
    e.n++;
    by.set(k.name, e);
  }
  const total = [...by.values()].reduce((a, b) => a + b.ms, 0);
  console.log(`\n${name}: wall ${wall.toFixed(0)} ms; ${info.kernels.length} kernels, ${total.toFixed(1)} ms in kernels`);
  for (const [k, e] of [...by.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 14)) {
    console.log(`  ${k.padEnd(22)} ${e.ms.toFixed(1).padStart(8)} ms  x${e.n}`);
  }
}
await report(`reference log-probs, ${B} x (12 + 36) tokens`, score);
await report(`gradient of log-probs + entropy, ${B} x (12 + 36) tokens`, grad);
