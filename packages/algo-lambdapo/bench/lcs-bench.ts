/**
 * Benchmark: bit-parallel LCS vs the plain O(nm) DP at 4k x 4k tokens, plus LambdaPO tensor vs
 * reference at G = 64. Prints median wall times and ratios (no assertions).
 * Run: `pnpm --filter @trellis/algo-lambdapo bench`.
 */
import * as tf from '@tensorflow/tfjs';
import { lambdaPoReference } from '../src/advantage/lambdapo-reference';
import { lambdaPoTensor } from '../src/advantage/lambdapo-tensor';
import { lcsLength } from '../src/rouge/lcs-length';
import { lcsLengthDp } from '../src/rouge/lcs-length-dp';
import { mathWordTokens } from '../src/rouge/math-word-tokens';
import { rougeL } from '../src/rouge/rouge-l-score';

let state = 12345;
const rand = (): number => {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  return state / 2 ** 32;
};
const randInt = (n: number): number => Math.floor(rand() * n);

function median(ms: number[]): number {
  const s = [...ms].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function time(runs: number, fn: () => unknown): { ms: number; value: unknown } {
  let value: unknown;
  const ms: number[] = [];
  value = fn();
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    value = fn();
    ms.push(performance.now() - t0);
  }
  return { ms: median(ms), value };
}

const fmt = (ms: number): string => `${ms.toFixed(ms < 10 ? 3 : 1)} ms`;

function lcsCase(name: string, a: number[], b: number[]): void {
  const fast = time(15, () => lcsLength(a, b));
  const slow = time(5, () => lcsLengthDp(a, b));
  if (fast.value !== slow.value) throw new Error(`${name}: bit-parallel ${fast.value} != DP ${slow.value}`);
  console.log(
    `${name.padEnd(44)} LCS ${String(fast.value).padStart(5)}  bit-parallel ${fmt(fast.ms).padStart(10)}  DP ${fmt(slow.ms).padStart(10)}  ratio ${(slow.ms / fast.ms).toFixed(1)}x`,
  );
}

const N = 4096;
console.log(`LCS, ${N} x ${N} tokens (median of runs, Node ${process.version})`);
const vocab50 = Array.from({ length: N }, () => randInt(50));
lcsCase(
  'random, 50 symbols',
  vocab50,
  Array.from({ length: N }, () => randInt(50)),
);
lcsCase(
  'random, 1000 symbols',
  Array.from({ length: N }, () => randInt(1000)),
  Array.from({ length: N }, () => randInt(1000)),
);
const edited = vocab50.filter(() => rand() > 0.1).flatMap((x) => (rand() < 0.1 ? [x, randInt(50)] : [x]));
lcsCase(`10% edits, 50 symbols (${N} x ${edited.length})`, vocab50, edited.slice(0, N));

const words = ['so', 'the', 'total', 'is', 'we', 'have', 'then', '=', '+', '*', '-', '/', 'x', 'cost', 'each'];
const text = (n: number) =>
  Array.from({ length: n }, () => (rand() < 0.4 ? String(randInt(100)) : (words[randInt(words.length)] as string))).join(' ');
const cand = text(N);
const ref = text(N);
const e2e = time(15, () => rougeL(mathWordTokens(cand).tokens, mathWordTokens(ref).tokens));
console.log(`${'rouge-l end to end (tokenise both + LCS)'.padEnd(44)} ${fmt(e2e.ms)}`);

await tf.setBackend('cpu');
await tf.ready();
const sizes = [8, 64];
for (const G of sizes) {
  const groups = 16;
  const groupIndex = Array.from({ length: groups * G }, (_, i) => Math.floor(i / G));
  const rewards = groupIndex.map(() => randInt(2) + 0.1 * rand());
  const scores = groupIndex.map(() => -3 * rand());
  const params = { tau: 0.1, weightMode: 'attenuate', normalize: 'group-std', eps: 1e-6 } as const;
  const ten = time(9, () => lambdaPoTensor(rewards, scores, groupIndex, groups, params));
  const refT = time(9, () => lambdaPoReference(rewards, scores, groupIndex, groups, params));
  console.log(
    `lambdapo ${groups} groups x G=${G}: tensor (tfjs ${tf.getBackend()}) ${fmt(ten.ms)}, float64 reference ${fmt(refT.ms)}`,
  );
}
