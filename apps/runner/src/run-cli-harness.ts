// Helpers for the tests that drive the built CLI (`dist/cli.js`) in child processes. Not exported
// from the package; imported only by *.test.ts files.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
/** The built CLI. */
export const cli = here('../dist/cli.js');
/** The tiny RL fixture (1-layer transformer from scratch, wasm backend). */
export const tinyConfig = here('../test/fixtures/rl/tiny-grpo.yaml');
/** The shipped pretrained arithmetic base (non-trivial held-out accuracy). */
export const arithmeticConfig = here('../../../examples/arithmetic/grpo.yaml');

/** One metrics.jsonl record. */
export type Line = { kind: string; step: number; time: number; values: Record<string, number>; message?: string };

/** Parsed JSON lines of a file. */
export function readLines<T = Line>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

/** The `step` records of a run directory's metrics.jsonl. */
export const stepLines = (dir: string) => readLines(join(dir, 'metrics.jsonl')).filter((l) => l.kind === 'step');

/** Steps of the samples.jsonl lines, in order. */
export const sampleSteps = (dir: string) => readLines<{ step: number }>(join(dir, 'samples.jsonl')).map((s) => s.step);

/** Run the built CLI to completion. */
export function runCli(args: readonly string[], timeout = 240_000) {
  if (!existsSync(cli)) throw new Error(`built CLI missing at ${cli}: run 'pnpm build' first`);
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout });
}

/** A CLI child process with its stderr collected and its exit awaited. */
export interface CliChild {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start the built CLI without waiting for it. */
export function spawnCli(args: readonly string[]): CliChild {
  if (!existsSync(cli)) throw new Error(`built CLI missing at ${cli}: run 'pnpm build' first`);
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, stderr: () => err, exited };
}

/** Poll `ready` every few ms; resolves true when it holds, false when `child` exits or time runs out. */
export async function waitUntil(ready: () => boolean, child?: ChildProcess, timeoutMs = 120_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (ready()) return true;
    if (child && (child.exitCode !== null || child.signalCode !== null)) return false;
    await new Promise((r) => setTimeout(r, 3));
  }
  return false;
}

/** The `actor/loss` of every step record, by step. */
export const losses = (dir: string) => stepLines(dir).map((s) => [s.step, s.values['actor/loss'] ?? Number.NaN] as const);

/** The largest absolute difference of the step losses of two run directories (Infinity if steps differ). */
export function maxLossDiff(reference: string, dir: string): number {
  const a = losses(reference);
  const b = losses(dir);
  if (a.length !== b.length || a.some(([s], i) => b[i]?.[0] !== s)) return Number.POSITIVE_INFINITY;
  return Math.max(0, ...a.map(([, l], i) => Math.abs(l - (b[i]?.[1] ?? Number.NaN)) || 0));
}

/** A fresh temporary directory. */
export const tempRoot = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

/** Copy run directory `from` to `to`. */
export function copyRun(from: string, to: string): string {
  cpSync(from, to, { recursive: true });
  return to;
}

/** `checkpoints/step-NNNNNN` (and deeper) of a run directory. */
export const ckpt = (dir: string, step: number, ...rest: string[]) =>
  join(dir, 'checkpoints', `step-${String(step).padStart(6, '0')}`, ...rest);

/**
 * Make a complete copy of a run look like a crash right after checkpoint `step`: later checkpoints
 * and summary.json removed, latest pointing at `step` (the logs still hold later lines: a resume
 * must cut them).
 */
export function rewindTo(dir: string, step: number): void {
  for (const name of readdirSync(join(dir, 'checkpoints'))) {
    const m = /^step-(\d+)$/.exec(name);
    if (m && Number(m[1]) > step) rmSync(join(dir, 'checkpoints', name), { recursive: true });
  }
  writeFileSync(join(dir, 'checkpoints', 'latest'), `step-${String(step).padStart(6, '0')}\n`);
  rmSync(join(dir, 'summary.json'), { force: true });
}

/** Rewrite a checkpoint's manifest.json for its current files (as if a buggy writer had produced them). */
export function rehash(checkpointDir: string): void {
  const path = join(checkpointDir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as { files: Record<string, { bytes: number; sha256: string }> };
  for (const rel of Object.keys(manifest.files)) {
    const data = readFileSync(join(checkpointDir, rel));
    manifest.files[rel] = {
      bytes: statSync(join(checkpointDir, rel)).size,
      sha256: createHash('sha256').update(data).digest('hex'),
    };
  }
  writeFileSync(path, JSON.stringify(manifest));
}

/** Overwrite every F32 tensor of a safetensors file with NaN, keeping its (valid) header. */
export function fillWithNaN(path: string): void {
  const bytes = readFileSync(path);
  const headerLen = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString('utf8')) as Record<
    string,
    { dtype?: string; data_offsets?: [number, number] }
  >;
  const start = 8 + headerLen;
  for (const t of Object.values(header)) {
    if (t.dtype !== 'F32' || !t.data_offsets) continue;
    for (let o = t.data_offsets[0]; o < t.data_offsets[1]; o += 4) bytes.writeFloatLE(Number.NaN, start + o);
  }
  writeFileSync(path, bytes);
}

/** pid of a process that has already exited (for stale-lock tests). */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}
