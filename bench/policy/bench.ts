/**
 * Policy benchmark (not a test): tfjs (this package) vs the PyTorch reference, same machine, one run.
 *   pnpm bench:policy            (after `bash bench/policy/setup.sh` for the PyTorch side)
 * Env: BENCH_REPS (default 7), BENCH_WORKERS (worker threads, default 1), BENCH_PARALLEL_SAMPLING (the
 * policy's `parallelSampling`: `auto`, the product default, splits the 64-row batch across the
 * threads; `1` always splits; `0` samples in the main thread), BENCH_BACKEND (default wasm),
 * BENCH_ROUNDS (2: rounds in alternating order, Trellis first then PyTorch first, pooled), SKIP_TORCH=1,
 * PYTHON (default /usr/bin/python3).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { CharTokenizer, createPolicy, initBackend, loadPolicy } from '../../packages/policy-tfjs/src/index';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..', '..', '..');
const torchScript = join(repo, 'bench', 'policy', 'torch_ref.py');
const env: Record<string, string | undefined> = { ...process.env };
const REPS = Number(env.BENCH_REPS ?? 7);
const PARALLEL_SAMPLING: boolean | 'auto' = { '0': false, '1': true }[env.BENCH_PARALLEL_SAMPLING ?? ''] ?? 'auto';
/** Debian's interpreter (python3-torch lives there), unless PYTHON says otherwise. */
const PYTHON = env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const REF = { vocabSize: 32, dModel: 128, nLayers: 2, nHeads: 4, dFF: 512, maxContext: 64 };
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz .,'.slice(0, 28);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function timeIt(fn: () => Promise<void> | void, reps: number, warmup = 2): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** Matmul FLOPs of one forward token at context length `t` (attention counted over t keys). */
function flopsPerToken(t: number): number {
  const { vocabSize: V, dModel: d, nLayers: L, dFF } = REF;
  return 2 * (V * d + L * (3 * d * d + d * d + 2 * d * dFF) + d * V) + L * 4 * t * d;
}
const trainFlops = 3 * 32 * 64 * flopsPerToken(64);
let sampleFlops = 0;
for (let t = 1; t <= 64; t++) sampleFlops += 64 * flopsPerToken(t);

function runTorch(args: string[]): string | undefined {
  const r = spawnSync(PYTHON, [torchScript, ...args], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    console.log(
      `PyTorch reference unavailable (${(r.stderr || r.error?.message || '').trim().split('\n').pop()}); run bash bench/policy/setup.sh`,
    );
    return undefined;
  }
  return r.stdout.trim().split('\n').pop();
}

async function crossCheck(): Promise<void> {
  for (const flags of [[], ['--rotary', '--tied']]) {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-xcheck-'));
    try {
      if (!runTorch(['export', dir, ...flags])) return;
      const policy = await loadPolicy(dir);
      const ref = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as { ids: number[][]; logits: number[] };
      const B = ref.ids.length;
      const L = (ref.ids[0] as number[]).length;
      const got = tf.tidy(() =>
        policy.model
          .forward({ ids: Int32Array.from(ref.ids.flat()), pads: new Array(B).fill(0), length: L, headFrom: 0, headCount: L })
          .logits.dataSync(),
      );
      let maxDiff = 0;
      ref.logits.forEach((x, i) => {
        maxDiff = Math.max(maxDiff, Math.abs(x - (got[i] as number)));
      });
      const label = flags.length ? 'rotary + tied head' : 'learned positions';
      console.log(
        `cross-check PyTorch-exported weights (${label}): max |logit diff| = ${maxDiff.toExponential(2)} ${maxDiff <= 1e-4 ? 'OK (<= 1e-4)' : 'FAIL (> 1e-4)'}`,
      );
      if (maxDiff > 1e-4) process.exitCode = 1;
      policy.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

async function benchTfjs(workers: number): Promise<{ train: number[]; sample: number[] }> {
  const tok = new CharTokenizer(ALPHABET);
  const policy = createPolicy(REF, tok, { seed: 0, workers, parallelSampling: PARALLEL_SAMPLING });
  if (workers > 0 && (await policy.startWorkers()) !== workers) console.log('warning: worker threads unavailable');
  // Keep every row going for the full 64 tokens: channel 0 of ln_f is a constant 1 and only EOS reads it (-50).
  const w = (n: string) => policy.weights.get(n) as tf.Variable;
  tf.tidy(() => {
    const oneAt0 = tf.oneHot([0], REF.dModel).reshape([REF.dModel]).cast('float32');
    w('ln_f.weight').assign(w('ln_f.weight').mul(tf.sub(1, oneAt0)));
    w('ln_f.bias').assign(oneAt0);
    const mask = tf.sub(1, tf.oneHot([0], REF.dModel).reshape([REF.dModel, 1]).cast('float32'));
    const eosCol = tf.oneHot([tok.eosId], REF.vocabSize).cast('float32');
    w('head.weight').assign(
      w('head.weight')
        .mul(mask)
        .add(tf.mul(tf.sub(1, mask), eosCol).mul(-50)),
    );
  });
  const opt = tf.train.adam(1e-3);
  const rows = Array.from({ length: 32 }, (_, b) => Array.from({ length: 65 }, (_, i) => 4 + ((b * 7 + i * 13) % 28)));
  const batch = { promptIds: rows.map((r) => r.slice(0, 1)), completionIds: rows.map((r) => r.slice(1)) };
  const train = await timeIt(() => {
    const cost = opt.minimize(
      () => {
        const out = policy.logProbs(batch);
        return tf.neg(tf.mean(out.logProbs)) as tf.Scalar;
      },
      true,
      policy.trainableVariables(),
    );
    cost?.dataSync();
    cost?.dispose();
  }, REPS);
  const requests = Array.from({ length: 64 }, () => ({ prompt: '' }));
  let tokens = 0;
  const sample = await timeIt(async () => {
    const res = await policy.generate(requests, { temperature: 1, maxNewTokens: 64, seed: 3 });
    tokens = res.reduce((a, r) => a + r.completionIds.length, 0);
  }, REPS);
  if (tokens !== 64 * 64) console.log(`warning: sampled ${tokens} tokens, expected ${64 * 64}`);
  opt.dispose();
  policy.dispose();
  return { train, sample };
}

const backend = await initBackend((env.BENCH_BACKEND as 'wasm') ?? 'wasm');
console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, Node ${process.version}, tfjs backend ${backend}, ${new Date().toISOString()}`,
);
console.log(
  `reference model: ${JSON.stringify(REF)}; ${REPS} timed reps after 2 warm-up, ${env.BENCH_ROUNDS ?? 2} round(s) in alternating order (BENCH_ROUNDS), pooled`,
);
const WORKERS = Number(env.BENCH_WORKERS ?? 1);
// Rounds alternate the order (Trellis first, then PyTorch first, ...) and pool: this VM's speed
// drifts by 20-40% within a minute, which otherwise favours whichever side ran in the faster part.
const ROUNDS = Math.max(1, Number(env.BENCH_ROUNDS ?? 2));
type TorchResult = { train_ms: number; sample_ms: number; torch: string; threads: number };
const t: { train: number[]; sample: number[] } = { train: [], sample: [] };
const torchRounds: TorchResult[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const trellisRound = async () => {
    const r = await benchTfjs(WORKERS);
    t.train.push(...r.train);
    t.sample.push(...r.sample);
  };
  const torchRound = () => {
    const py = env.SKIP_TORCH ? undefined : runTorch(['bench', '--reps', String(REPS)]);
    if (py) torchRounds.push(JSON.parse(py) as TorchResult);
  };
  if (round % 2 === 0) {
    await trellisRound();
    torchRound();
  } else {
    torchRound();
    await trellisRound();
  }
}
const single = WORKERS > 0 ? await benchTfjs(0) : undefined;
const torch: TorchResult | undefined = torchRounds[0] && {
  ...torchRounds[0],
  train_ms: median(torchRounds.map((r) => r.train_ms)),
  sample_ms: median(torchRounds.map((r) => r.sample_ms)),
};
const fmt = (ms: number, flops: number) =>
  `${ms.toFixed(1).padStart(8)} ms  ${(flops / ms / 1e6).toFixed(2).padStart(6)} GFLOP/s`;
const tTrain = median(t.train);
const tSample = median(t.sample);
console.log(`\n${'case'.padEnd(34)}${'Trellis (tfjs)'.padEnd(32)}${'PyTorch'.padEnd(32)}ratio`);
for (const [name, ms, tms, flops, target] of [
  ['train step, 32 x 64, Adam', tTrain, torch?.train_ms, trainFlops, 2.5],
  ['KV-cache sampling, 64 x 64 tokens', tSample, torch?.sample_ms, sampleFlops, 1.0],
] as const) {
  const ratio = tms ? (ms / tms).toFixed(2) : 'n/a';
  console.log(
    `${name.padEnd(34)}${fmt(ms, flops).padEnd(32)}${(tms ? fmt(tms, flops) : 'n/a').padEnd(32)}${ratio} (target <= ${target})`,
  );
}
if (single) {
  console.log(`${'  (train step, one thread)'.padEnd(34)}${fmt(median(single.train), trainFlops)}`);
  console.log(`${'  (sampling, one thread)'.padEnd(34)}${fmt(median(single.sample), sampleFlops)}`);
}
console.log(
  `\nTrellis: ${WORKERS} worker thread(s) + the main thread for training (BENCH_WORKERS); parallelSampling ${PARALLEL_SAMPLING} (BENCH_PARALLEL_SAMPLING; auto splits this 64-row batch)`,
);
console.log(`tfjs train runs (ms): ${t.train.map((x) => x.toFixed(0)).join(' ')}`);
console.log(`tfjs sample runs (ms): ${t.sample.map((x) => x.toFixed(0)).join(' ')}`);
if (torch) {
  console.log(
    `PyTorch ${torch.torch}, ${torch.threads} threads, OPENBLAS_NUM_THREADS=1; per-round medians train ${torchRounds.map((r) => r.train_ms.toFixed(1)).join(' ')} ms, sample ${torchRounds.map((r) => r.sample_ms.toFixed(1)).join(' ')} ms`,
  );
}
if (!env.SKIP_TORCH) await crossCheck();
