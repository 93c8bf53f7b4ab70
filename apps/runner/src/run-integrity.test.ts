import { existsSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  arithmeticConfig,
  ckpt,
  copyRun,
  deadPid,
  fillWithNaN,
  maxLossDiff,
  readLines,
  rehash,
  rewindTo,
  runCli,
  sampleSteps,
  spawnCli,
  stepLines,
  tempRoot,
  tinyConfig,
  waitUntil,
} from './run-cli-harness';

const TEN = ['--set', 'trainer.steps=10', '--set', 'trainer.checkpointEvery=1', '--set', 'trainer.keepCheckpoints=10'];
const events = (dir: string) =>
  readLines(join(dir, 'metrics.jsonl'))
    .filter((l) => l.kind === 'event')
    .map((l) => l.message ?? '');
const ONE_TO_TEN = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

let root: string;
/** An uninterrupted 10-step run keeping every checkpoint: the reference, and the source of damaged copies. */
let base: string;

beforeAll(() => {
  root = tempRoot('trellis-integrity-');
  base = join(root, 'base');
  const r = runCli(['run', tinyConfig, ...TEN, '--out', base, '-q']);
  expect(r.status, r.stderr).toBe(0);
  expect(stepLines(base).map((s) => s.step)).toEqual(ONE_TO_TEN);
});

/** A copy of the reference run rewound to just after checkpoint `step`. */
const crashedAt = (name: string, step: number) => {
  const dir = copyRun(base, join(root, name));
  rewindTo(dir, step);
  return dir;
};

/** The resumed run equals the uninterrupted one: steps 1..10 once, same losses, same samples. */
function expectLikeReference(dir: string): void {
  expect(stepLines(dir).map((s) => s.step)).toEqual(ONE_TO_TEN);
  expect(maxLossDiff(base, dir)).toBeLessThan(1e-6);
  expect(sampleSteps(dir)).toEqual(sampleSteps(base));
  expect(
    readLines(join(dir, 'metrics.jsonl'))
      .filter((l) => l.kind === 'eval')
      .map((l) => l.step),
  ).toEqual([0, 10]);
  expect(existsSync(join(dir, 'run.lock'))).toBe(false);
}

describe('trellis run --resume: integrity (built CLI, child processes)', () => {
  it('a second resume of a run in progress exits 2 naming the holder; the first finishes with each step once', async () => {
    const dir = crashedAt('concurrent', 2);
    const first = spawnCli(['run', '--resume', dir, '-q']);
    const lock = join(dir, 'run.lock');
    const holds = () => existsSync(lock) && readFileSync(lock, 'utf8').includes(`"pid":${first.child.pid},`);
    expect(await waitUntil(holds, first.child), first.stderr()).toBe(true);
    // Pause the holder so the second surely starts while the first is mid-run (alive, lock held).
    first.child.kill('SIGSTOP');
    let second: ReturnType<typeof runCli>;
    try {
      second = runCli(['run', '--resume', dir, '-q']);
    } finally {
      first.child.kill('SIGCONT');
    }
    expect(second.status, second.stderr).toBe(2);
    expect(second.stderr).toContain(`pid ${first.child.pid}`);
    expect(second.stderr).toContain(lock);
    expect(second.stderr).not.toMatch(/\n\s+at /);
    const { code } = await first.exited;
    expect(code, first.stderr()).toBe(0);
    expectLikeReference(dir);
  });

  it('killed while the first latest pointer was written (step-000002 complete, no latest): resumes from step 2 with a notice, cleans temporaries, takes over the stale lock', () => {
    const dir = crashedAt('pointer', 2);
    rmSync(ckpt(dir, 1), { recursive: true });
    rmSync(join(dir, 'checkpoints', 'latest'));
    const tmp = join(dir, 'checkpoints', '.tmp-step-000003-4242');
    mkdirSync(join(tmp, 'policy'), { recursive: true });
    writeFileSync(join(tmp, 'policy', 'model.safetensors'), Buffer.alloc(6_600_000));
    writeFileSync(join(dir, 'checkpoints', '.latest.tmp-4242-0a0b0c0d'), 'step-0000');
    const pid = deadPid();
    writeFileSync(join(dir, 'run.lock'), JSON.stringify({ pid, hostname: hostname(), startedAt: 'x', token: 't', argv: [] }));
    const r = runCli(['run', '--resume', dir, '-q']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/resuming from step-000002, the newest intact checkpoint; checkpoints\/latest is missing/);
    expect(r.stderr).toMatch(/removed 2 temporary entries/);
    expect(r.stderr).toContain(`took over the stale lock ${join(dir, 'run.lock')} of pid ${pid}`);
    expect(events(dir)).toContain(`resumed from ${ckpt(dir, 2)}`);
    expect(existsSync(tmp)).toBe(false);
    expectLikeReference(dir);
  });

  it('falls back past corrupt checkpoints (truncated, missing file, invalid state, NaN weights) to the newest intact one', () => {
    const dir = crashedAt('corrupt', 6);
    truncateSync(ckpt(dir, 6, 'policy', 'model.safetensors'), 5000);
    fillWithNaN(ckpt(dir, 5, 'policy', 'model.safetensors')); // valid header, NaN data: the checksum catches it
    const state4 = ckpt(dir, 4, 'trainer-state.json');
    writeFileSync(state4, readFileSync(state4, 'utf8').replace('"step":4', '"step":"7"'));
    rehash(ckpt(dir, 4)); // a checkpoint whose manifest agrees, but whose state is invalid
    rmSync(ckpt(dir, 3, 'optimizer.safetensors'));
    const r = runCli(['run', '--resume', dir, '-q']);
    expect(r.status, r.stderr).toBe(0);
    const notice = r.stderr.split('\n').find((l) => l.includes('newest intact checkpoint')) ?? '';
    expect(notice).toMatch(/resuming from step-000002/);
    expect(notice).toMatch(/skipped step-000006: policy\/model.safetensors is 5000 bytes, the manifest says \d+/);
    expect(notice).toMatch(/skipped step-000005: policy\/model.safetensors does not match its SHA-256 checksum/);
    expect(notice).toMatch(/skipped step-000004: trainer-state.json is invalid: step: .*expected number/);
    expect(notice).toMatch(/skipped step-000003: optimizer.safetensors is missing/);
    expect(events(dir).some((m) => m.includes('resuming from step-000002'))).toBe(true);
    expectLikeReference(dir);
  });

  it('refuses all-NaN weights in a checkpoint without manifest (older version) and resumes from the previous one', () => {
    const dir = crashedAt('nan-legacy', 8);
    fillWithNaN(ckpt(dir, 8, 'policy', 'model.safetensors'));
    rmSync(ckpt(dir, 8, 'manifest.json'));
    const r = runCli(['run', '--resume', dir, '-q']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /resuming from step-000007.*skipped step-000008: it cannot be loaded: its policy weights hold NaN or Inf/,
    );
    expectLikeReference(dir);
  });

  it("ignores a latest pointer into another run (and that run's offsets), with a notice", () => {
    const other = copyRun(base, join(root, 'other'));
    const dir = crashedAt('pointer-outside', 4);
    const otherMetrics = readFileSync(join(other, 'metrics.jsonl'), 'utf8');
    writeFileSync(join(dir, 'checkpoints', 'latest'), '../../other/checkpoints/step-000008\n');
    const r = runCli(['run', '--resume', dir, '-q']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /checkpoints\/latest names "..\/..\/other\/checkpoints\/step-000008", which is not a checkpoint of this run/,
    );
    expect(events(dir)).toContain(`resumed from ${ckpt(dir, 4)}`);
    expectLikeReference(dir);
    expect(readFileSync(join(other, 'metrics.jsonl'), 'utf8')).toBe(otherMetrics);
  });

  it('refuses (exit 2, no stack trace) when checkpoints exist but none is intact, leaving the logs alone', () => {
    const dir = crashedAt('none-intact', 3);
    for (const s of [1, 2, 3]) writeFileSync(ckpt(dir, s, 'trainer-state.json'), '{"step": -1}');
    const before = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
    const r = runCli(['run', '--resume', dir, '-q']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /no intact checkpoint .*step-000003: trainer-state.json is 12 bytes, the manifest says \d+; step-000002: /,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8')).toBe(before);
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
  });

  it('resuming a finished run keeps its real final accuracy, with or without summary.json', () => {
    const dir = join(root, 'finished');
    const sets = [
      ...['trainer.steps=3', 'trainer.problemsPerStep=2', 'trainer.groupSize=4', 'trainer.evalProblems=60'],
      ...['trainer.learningRate=0.003', 'trainer.warmupSteps=0', 'trainer.evalEvery=0', 'trainer.sampling.maxNewTokens=24'],
    ].flatMap((s) => ['--set', s]);
    const r = runCli(['run', arithmeticConfig, ...sets, '--out', dir, '-q']);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.finalAccuracy).not.toBe(summary.initialAccuracy); // the check below can tell them apart
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
    const again = runCli(['run', '--resume', dir, '-q']);
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'))).toEqual(summary);
    rmSync(join(dir, 'summary.json')); // killed after the final checkpoint, before the summary
    const third = runCli(['run', '--resume', dir, '-q']);
    expect(third.status, third.stderr).toBe(0);
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    expect(third.stderr).toContain(`held-out accuracy ${pct(summary.initialAccuracy)} -> ${pct(summary.finalAccuracy)}`);
    const rewritten = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(rewritten).toMatchObject({ steps: 3, initialAccuracy: summary.initialAccuracy, finalAccuracy: summary.finalAccuracy });
    expect(stepLines(dir).map((s) => s.step)).toEqual([1, 2, 3]);
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').startsWith(metrics)).toBe(true);
  });
});
