/**
 * End-to-end GRPO step benchmark (not a test): the quickstart's real training step (Trellis's
 * trainer composed from examples/arithmetic/grpo.yaml: sample G completions per problem with the
 * KV cache, rewards, reference log-probs for the KL term, the clipped objective, Adam) next to a
 * PyTorch loop written for the bench (bench/policy/grpo_ref.py) on the same checkpoint, batch shape
 * and sampling settings, in one run. Prints each phase's median time, its achieved GFLOP/s, the
 * per-core wasm matmul ceiling measured here, and the Trellis / PyTorch ratios.
 *   pnpm bench:grpo               (after `pnpm turbo build` and `bash bench/policy/setup.sh`)
 * Env: BENCH_STEPS (timed steps, 5), BENCH_WARMUP (untimed first steps, 1), BENCH_CONFIG (default
 * examples/arithmetic/grpo.yaml), BENCH_VARIANTS (comma list of default, parallel-sampling,
 * one-thread; default all three), BENCH_ROUNDS (rounds over the variants and PyTorch, 2: the second
 * round runs them in reverse order and the medians pool both, so a machine that speeds up or slows
 * down during the run does not favour whoever ran first), BENCH_SET (extra `--set` overrides,
 * `;`-separated), SKIP_TORCH=1, PYTHON (default /usr/bin/python3).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeFromFile } from '../../apps/runner/dist/index.js';
import { createTrainer, type MetricsRecord, Rng, Tokens } from '../../packages/core/dist/index.js';
import { initBackend } from '../../packages/policy-tfjs/dist/index.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// The tfjs instance the built policy package uses (its CommonJS main, shared by path).
const tf = createRequire(join(repo, 'packages', 'policy-tfjs', 'package.json'))(
  '@tensorflow/tfjs',
) as typeof import('@tensorflow/tfjs');
const env = process.env;
const STEPS = Number(env.BENCH_STEPS ?? 5);
const WARMUP = Number(env.BENCH_WARMUP ?? 1);
const CONFIG = resolve(repo, env.BENCH_CONFIG ?? 'examples/arithmetic/grpo.yaml');
const VARIANTS = (env.BENCH_VARIANTS ?? 'default,parallel-sampling,one-thread').split(',').filter(Boolean);
const PYTHON = env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const ROUNDS = Math.max(1, Number(env.BENCH_ROUNDS ?? 2));
const EXTRA = (env.BENCH_SET ?? '').split(';').filter(Boolean);
const VARIANT_SETS: Record<string, string[]> = {
  default: [],
  'parallel-sampling': ['policy.options.parallelSampling=true'],
  'one-thread': ['policy.options.workers=0'],
};
// Same recipe on both sides: constant learning rate, no evaluation or checkpoint inside the timed steps.
const COMMON = [
  `trainer.steps=${WARMUP + STEPS}`,
  'trainer.evalEvery=0',
  'trainer.evalProblems=16',
  'trainer.checkpointEvery=0',
  'trainer.warmupSteps=0',
  'trainer.schedule=constant',
  ...EXTRA,
];

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

interface ModelShape {
  vocabSize: number;
  dModel: number;
  nLayers: number;
  dFF: number;
}

/** Forward matmul FLOPs of `tokens` tokens attending over `ctx` keys on average (same count for both sides). */
function forwardFlops(m: ModelShape, tokens: number, ctx: number): number {
  const { vocabSize: V, dModel: d, nLayers: L, dFF } = m;
  return tokens * (2 * (L * (4 * d * d + 2 * d * dFF) + d * V) + L * 4 * ctx * d);
}

/** Best single-thread GFLOP/s of a square f32 matmul on this backend (XNNPACK on wasm). */
function matmulCeiling(): { gflops: number; size: number } {
  let best = { gflops: 0, size: 0 };
  for (const n of [256, 512, 1024]) {
    const a = tf.randomNormal([n, n]);
    const b = tf.randomNormal([n, n]);
    // The wasm backend runs kernels synchronously, so the product is done when matMul returns.
    // (Never return a typed array from tf.tidy: it walks every element, ~1 us each.)
    for (let i = 0; i < 2; i++) tf.matMul(a, b).dispose();
    const reps = Math.max(3, Math.round(2e9 / (2 * n ** 3)));
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) tf.matMul(a, b).dispose();
    const gflops = (2 * n ** 3 * reps) / ((performance.now() - t0) / 1000) / 1e9;
    if (gflops > best.gflops) best = { gflops, size: n };
    tf.dispose([a, b]);
  }
  return best;
}

interface Phases {
  sample: number[];
  reward: number[];
  score: number[];
  optimize: number[];
  step: number[];
  tokens: number[];
  reward_mean: number[];
  numTensors: number[];
}

async function runTrellis(variant: string): Promise<Phases> {
  const sets = [...COMMON, ...(VARIANT_SETS[variant] ?? [])];
  const exp = await composeFromFile(CONFIG, sets);
  const steps: MetricsRecord[] = [];
  const sink = { id: 'bench', write: (r: MetricsRecord) => void (r.kind === 'step' && steps.push(r)) };
  const trainer = await createTrainer(exp.container, { sinks: [sink] });
  await trainer.train({ onNotice: () => {} });
  trainer.dispose();
  (await exp.container.getAsync(Tokens.Policy)).dispose();
  const timed = steps.slice(WARMUP);
  const v = (k: string) => timed.map((r) => r.values[k] ?? 0);
  const ms = (k: string) => v(k).map((x) => x * 1000);
  return {
    sample: ms('time/generate_s').map((g, i) => g - (ms('time/reward_s')[i] as number)),
    reward: ms('time/reward_s'),
    score: ms('time/score_s'),
    optimize: ms('time/optimize_s'),
    step: ms('time/step_s'),
    tokens: v('rollout/generated_tokens'),
    reward_mean: v('reward/total'),
    numTensors: v('memory/num_tensors'),
  };
}

/** Problems, checkpoint and settings for the PyTorch side, from the composed config. */
async function torchSpec(dir: string): Promise<{ path: string; promptTokens: number; rows: number; shape: ModelShape }> {
  const exp = await composeFromFile(CONFIG, COMMON);
  const cfg = exp.config as unknown as {
    policy: { options: { checkpoint: string } };
    trainer: Record<string, unknown> & { sampling: { temperature: number; maxNewTokens: number } };
    objective: { options: { epsLow: number; epsHigh: number; kl: { coef: number; clamp: number } } };
  };
  const policy = (await exp.container.getAsync(Tokens.Policy)) as unknown as {
    encodePrompt(p: string): number[];
    policy: { model: { forward(i: object): { logits: import('@tensorflow/tfjs').Tensor } } };
    dispose(): void;
  };
  const task = await exp.container.getAsync(Tokens.TaskSource);
  const t = cfg.trainer;
  const problems = task
    .sample('train', t.problemsPerStep as number, Rng.fromSeed(7))
    .map((p) => ({ promptIds: policy.encodePrompt(p.prompt), answer: p.answer }));
  const ids = problems[0]?.promptIds ?? [1];
  let logits: number[] = [];
  tf.tidy(() => {
    const out = policy.policy.model.forward({
      ids: Int32Array.from(ids),
      pads: [0],
      length: ids.length,
      headFrom: 0,
      headCount: ids.length,
    });
    logits = Array.from(out.logits.dataSync());
  });
  policy.dispose();
  const checkpoint = resolve(dirname(CONFIG), cfg.policy.options.checkpoint);
  const shape = (JSON.parse(readFileSync(join(checkpoint, 'config.json'), 'utf8')) as { model: ModelShape }).model;
  const o = cfg.objective.options;
  const spec = {
    checkpoint,
    groupSize: t.groupSize,
    steps: STEPS,
    warmup: WARMUP,
    threads: 2,
    sampling: { temperature: t.sampling.temperature, maxNewTokens: t.sampling.maxNewTokens },
    problems,
    optim: { lr: t.learningRate, beta1: t.adamBeta1, beta2: t.adamBeta2, eps: t.adamEpsilon, maxGradNorm: t.maxGradNorm },
    objective: { epsLow: o.epsLow, epsHigh: o.epsHigh, klCoef: o.kl.coef, klClamp: o.kl.clamp, logRatioBound: 20 },
    check: { ids: [ids], logits },
  };
  const path = join(dir, 'spec.json');
  writeFileSync(path, JSON.stringify(spec));
  const promptTokens = (t.groupSize as number) * problems.reduce((a, p) => a + p.promptIds.length, 0);
  return { path, promptTokens, rows: (t.groupSize as number) * problems.length, shape };
}

interface TorchResult {
  torch: string;
  threads: number;
  sample_ms: number[];
  reward_ms: number[];
  ref_ms: number[];
  update_ms: number[];
  step_ms: number[];
  generated_tokens: number[];
  mean_reward: number[];
  check_max_abs_diff: number | null;
}

function emptyPhases(): Phases {
  return { sample: [], reward: [], score: [], optimize: [], step: [], tokens: [], reward_mean: [], numTensors: [] };
}

function mergePhases(into: Phases, more: Phases): void {
  for (const k of Object.keys(into) as (keyof Phases)[]) into[k].push(...more[k]);
}

/** Pool two rounds of the PyTorch loop (undefined when it could not run): every per-step list concatenated. */
function mergeTorch(a: TorchResult | undefined, b: TorchResult | undefined): TorchResult | undefined {
  if (!a || !b) return a ?? b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) if (Array.isArray(v)) out[k] = [...(a[k as keyof TorchResult] as number[]), ...v];
  out.check_max_abs_diff = Math.max(a.check_max_abs_diff ?? 0, b.check_max_abs_diff ?? 0);
  return out as unknown as TorchResult;
}

function runTorch(spec: string): TorchResult | undefined {
  const r = spawnSync(PYTHON, [join(repo, 'bench', 'policy', 'grpo_ref.py'), spec], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || '').trim().split('\n').pop();
    console.log(`PyTorch reference unavailable (${why}); run bash bench/policy/setup.sh`);
    return undefined;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as TorchResult;
}

const backend = await initBackend('wasm');
console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, Node ${process.version}, tfjs ${tf.version.tfjs} ${backend}, ${new Date().toISOString()}`,
);
console.log(
  `config: ${CONFIG} --set ${COMMON.join(' ')}; ${STEPS} timed steps after ${WARMUP} untimed, ${ROUNDS} round(s) (medians pool the rounds)`,
);
const ceiling = matmulCeiling();
console.log(
  `wasm SIMD ceiling (XNNPACK f32 matmul ${ceiling.size}^3, one thread): ${ceiling.gflops.toFixed(1)} GFLOP/s per core, ${(2 * ceiling.gflops).toFixed(1)} for both cores`,
);
const dir = mkdtempSync(join(tmpdir(), 'trellis-grpo-bench-'));
const spec = await torchSpec(dir);
const results = new Map<string, Phases>(VARIANTS.map((v) => [v, emptyPhases()]));
let torch: TorchResult | undefined;
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 ? [...VARIANTS].reverse() : VARIANTS;
  // PyTorch runs after the variants in even rounds and before them in odd ones (the order reverses).
  if (round % 2 && !env.SKIP_TORCH) torch = mergeTorch(torch, runTorch(spec.path));
  for (const v of order) {
    process.stdout.write(`round ${round + 1}/${ROUNDS}: Trellis (${v}) ... `);
    const t0 = performance.now();
    mergePhases(results.get(v) as Phases, await runTrellis(v));
    console.log(`${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  if (round % 2 === 0 && !env.SKIP_TORCH) torch = mergeTorch(torch, runTorch(spec.path));
}
rmSync(dir, { recursive: true, force: true });

// Useful FLOPs per phase (same formula both sides): prompts + completions through the forward.
const m = spec.shape;
const flops = (tokens: number) => {
  const all = spec.promptTokens + tokens;
  const ctx = all / spec.rows / 2;
  return {
    sample: forwardFlops(m, all, ctx),
    score: forwardFlops(m, all, ctx),
    optimize: 3 * forwardFlops(m, all, ctx),
  };
};
const cell = (ms: number, f?: number) =>
  `${ms.toFixed(1).padStart(8)} ms${f ? ` ${(f / ms / 1e6).toFixed(1).padStart(5)} GF/s` : ''}`.padEnd(26);
const names = [...results.keys()];
console.log(
  `\n${'phase (medians)'.padEnd(22)}${names.map((n) => `Trellis ${n}`.padEnd(26)).join('')}${'PyTorch'.padEnd(26)}ratio (${names[0]})`,
);
const pyPhase = (k: 'sample' | 'reward' | 'score' | 'optimize' | 'step'): number[] | undefined =>
  torch
    ? { sample: torch.sample_ms, reward: torch.reward_ms, score: torch.ref_ms, optimize: torch.update_ms, step: torch.step_ms }[k]
    : undefined;
for (const [label, k] of [
  ['sample (KV cache)', 'sample'],
  ['reward', 'reward'],
  ['ref log-probs', 'score'],
  ['update (obj+grad+Adam)', 'optimize'],
  ['whole step', 'step'],
] as const) {
  const row = names.map((n) => {
    const r = results.get(n) as Phases;
    const ms = median(r[k]);
    const f = k === 'reward' ? undefined : k === 'step' ? undefined : flops(median(r.tokens))[k];
    return cell(ms, f);
  });
  const py = pyPhase(k);
  const pyMs = py ? median(py) : undefined;
  const pyF = torch && k !== 'reward' && k !== 'step' ? flops(median(torch.generated_tokens))[k] : undefined;
  const first = median((results.get(names[0] as string) as Phases)[k]);
  const ratio = pyMs ? `${(first / pyMs).toFixed(2)}${k === 'step' ? ' (target <= 1.5)' : ''}` : 'n/a';
  console.log(`${label.padEnd(22)}${row.join('')}${(pyMs ? cell(pyMs, pyF) : 'n/a').padEnd(26)}${ratio}`);
}
const tokensRow = names.map((n) => `${median((results.get(n) as Phases).tokens).toFixed(0)}`.padEnd(26)).join('');
console.log(`${'generated tokens'.padEnd(22)}${tokensRow}${torch ? median(torch.generated_tokens).toFixed(0) : 'n/a'}`);
for (const n of names) {
  const r = results.get(n) as Phases;
  console.log(
    `Trellis ${n}: sampling ${(median(r.tokens) / (median(r.sample) / 1000)).toFixed(0)} tokens/s; steps (ms) ${r.step.map((x) => x.toFixed(0)).join(' ')}; mean reward ${r.reward_mean.map((x) => x.toFixed(2)).join(' ')}; numTensors ${r.numTensors.join(' ')}`,
  );
}
if (torch) {
  console.log(
    `PyTorch ${torch.torch}, ${torch.threads} threads, OPENBLAS_NUM_THREADS=1: steps (ms) ${torch.step_ms.map((x) => x.toFixed(0)).join(' ')}; mean reward ${torch.mean_reward.map((x) => x.toFixed(2)).join(' ')}; same-weights logit check max |diff| ${torch.check_max_abs_diff?.toExponential(2)}`,
  );
}
console.log(
  `GF/s: useful matmul FLOPs (prompt + completion tokens through the forward; x3 for the update), ${spec.promptTokens} prompt tokens per step; ceiling above`,
);
