import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../policy/policy';
import { CheckpointScan, UnusableCheckpointsError } from './checkpoint-scan';
import { RunDirectory } from './run-directory';
import { latestCheckpoint, type TrainerState, writeCheckpoint } from './trainer-checkpoint';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tmp = () => mkdtempSync(join(tmpdir(), 'trellis-scan-'));

const fakePolicy = { weights: 'w' } as unknown as Policy & { weights: string };
Object.assign(fakePolicy, {
  async save(dir: string) {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'marker.txt'), fakePolicy.weights);
  },
  async load(dir: string) {
    fakePolicy.weights = await readFile(join(dir, 'marker.txt'), 'utf8');
  },
});

/** A run with `n` steps logged and a checkpoint after each (all kept), like a real one. */
async function makeRun(n: number, dir = join(tmp(), 'run')): Promise<RunDirectory> {
  const run = await RunDirectory.create(dir, 'x: 1\n');
  const opt = tf.train.sgd(0.1);
  for (let s = 1; s <= n; s++) {
    run.appendMetrics({ kind: 'step', step: s, values: { 'actor/loss': s } });
    if (s % 2 === 0) run.appendMetrics({ kind: 'eval', step: s, values: { 'eval/accuracy': s / 10 } });
    run.appendSamples([{ step: s, completion: 'c' }]);
    const state: TrainerState = {
      step: s,
      offsets: run.offsets(),
      nonFiniteInARow: 0,
      elapsedMs: s,
      initialAccuracy: 0,
      strategy: undefined,
      contributions: [],
      totals: { generatedTokens: s, trainedTokens: s, generateMs: 1, trainMs: 1 },
    };
    fakePolicy.weights = `w${s}`;
    await writeCheckpoint(run, state, fakePolicy, opt, 100);
  }
  opt.dispose();
  run.appendMetrics({ kind: 'step', step: n + 1, values: {} }); // a step after the last checkpoint
  run.releaseLock();
  return run;
}

const ck = (run: RunDirectory, s: number, ...rest: string[]) =>
  join(run.checkpointsDir, `step-${String(s).padStart(6, '0')}`, ...rest);
const stateFile = (run: RunDirectory, s: number) => ck(run, s, 'trainer-state.json');
/** Edit trainer-state.json and drop the manifest, as if a checkpoint of an older version held that state. */
function editState(run: RunDirectory, s: number, edit: (state: Record<string, unknown>) => unknown): void {
  const state = JSON.parse(readFileSync(stateFile(run, s), 'utf8'));
  writeFileSync(stateFile(run, s), JSON.stringify(edit(state) ?? state));
  rmSync(ck(run, s, 'manifest.json'));
}
const pick = (run: RunDirectory) => {
  const scan = new CheckpointScan(run);
  return { found: scan.next(), scan };
};

describe('CheckpointScan: which checkpoint a resume starts from', () => {
  it('takes the one latest names when it is intact, with the last eval accuracy of its log prefix', async () => {
    const run = await makeRun(4);
    const { found, scan } = pick(run);
    expect(found?.name).toBe('step-000004');
    expect(found?.verified).toBe('manifest');
    expect(found?.lastEvalAccuracy).toBe(0.4);
    expect(scan.skipped).toEqual([]);
    expect(scan.pointerProblem).toBeUndefined();
  });

  it('falls back to the newest intact checkpoint when latest is missing (killed while writing it)', async () => {
    const run = await makeRun(3);
    rmSync(join(run.checkpointsDir, 'latest'));
    const { found, scan } = pick(run);
    expect(found?.name).toBe('step-000003');
    expect(scan.pointerProblem).toBe('checkpoints/latest is missing');
  });

  it('never follows latest outside this run, nor a symlinked checkpoint', async () => {
    const other = await makeRun(8);
    const run = await makeRun(3);
    writeFileSync(join(run.checkpointsDir, 'latest'), `../../${other.dir}/checkpoints/step-000008\n`);
    let { found, scan } = pick(run);
    expect(found?.name).toBe('step-000003');
    expect(scan.pointerProblem).toMatch(/which is not a checkpoint of this run/);
    symlinkSync(ck(other, 8), ck(run, 8));
    writeFileSync(join(run.checkpointsDir, 'latest'), 'step-000008\n');
    ({ found, scan } = pick(run));
    expect(found?.name).toBe('step-000003');
    expect(scan.skipped).toEqual([{ name: 'step-000008', reason: expect.stringMatching(/symbolic link/) }]);
  });

  it('skips a truncated file, a missing file and corrupted bytes (manifest), newest first', async () => {
    const run = await makeRun(4);
    truncateSync(ck(run, 4, 'policy', 'marker.txt'), 1);
    rmSync(ck(run, 3, 'optimizer.safetensors'));
    writeFileSync(ck(run, 2, 'policy', 'marker.txt'), 'NaN'.slice(0, 2)); // same size, other bytes
    const { found, scan } = pick(run);
    expect(found?.name).toBe('step-000001');
    expect(scan.skipped).toEqual([
      { name: 'step-000004', reason: 'policy/marker.txt is 1 bytes, the manifest says 2' },
      { name: 'step-000003', reason: 'optimizer.safetensors is missing' },
      { name: 'step-000002', reason: 'policy/marker.txt does not match its SHA-256 checksum' },
    ]);
  });

  it('validates trainer-state.json even when the manifest is right', async () => {
    const run = await makeRun(2);
    writeFileSync(stateFile(run, 2), '{"step": 2, "offs');
    const manifestPath = ck(run, 2, 'manifest.json');
    const { writeCheckpointManifest } = await import('../checkpoint/checkpoint-manifest');
    rmSync(manifestPath);
    await writeCheckpointManifest(ck(run, 2));
    const { found, scan } = pick(run);
    expect(found?.name).toBe('step-000001');
    expect(scan.skipped[0]?.reason).toMatch(/trainer-state.json is not valid JSON/);
  });

  it.each([
    ['step as a string', (s: Record<string, unknown>) => ({ ...s, step: '2' }), /step: .*expected number/],
    ['a negative offset', (s: Record<string, unknown>) => ({ ...s, offsets: { metrics: -5, samples: 0 } }), /offsets.metrics: /],
    ['a fractional step', (s: Record<string, unknown>) => ({ ...s, step: 1.5 }), /step: .*int/],
    ['a missing field', ({ totals: _t, ...s }: Record<string, unknown>) => s, /totals: /],
    ['a non-finite total (null in JSON)', (s: Record<string, unknown>) => ({ ...s, elapsedMs: null }), /elapsedMs: /],
    ['an accuracy above 1', (s: Record<string, unknown>) => ({ ...s, initialAccuracy: 3 }), /initialAccuracy: /],
    [
      'a step other than the directory name',
      (s: Record<string, unknown>) => ({ ...s, step: 1 }),
      /says step 1, the directory is step-000002/,
    ],
    [
      'an offset past the end of the log',
      (s: Record<string, unknown>) => ({ ...s, offsets: { metrics: 1e6, samples: 0 } }),
      /past the end of metrics.jsonl/,
    ],
    ['an offset inside a line', (s: Record<string, unknown>) => ({ ...s, offsets: { metrics: 7, samples: 0 } }), /line boundary/],
  ])('skips a checkpoint whose trainer state has %s', async (_label, edit, reason) => {
    const run = await makeRun(2);
    editState(run, 2, edit);
    const { found, scan } = pick(run);
    expect(found?.name).toBe('step-000001');
    expect(scan.skipped).toEqual([{ name: 'step-000002', reason: expect.stringMatching(reason) }]);
  });

  it("skips a checkpoint whose offsets cut the log somewhere that is not its own step (another run's state)", async () => {
    const run = await makeRun(3);
    const offsets1 = JSON.parse(readFileSync(stateFile(run, 1), 'utf8')).offsets;
    editState(run, 3, (s) => ({ ...s, offsets: offsets1 }));
    const { found, scan } = pick(run);
    expect(found?.name).toBe('step-000002');
    expect(scan.skipped[0]?.reason).toMatch(/holds steps \[1\], not 1..3/);
  });

  it('accepts a checkpoint without manifest (older versions) when its files parse, and checks its optimizer file', async () => {
    const run = await makeRun(2);
    rmSync(ck(run, 2, 'manifest.json'));
    let { found } = pick(run);
    expect(found?.name).toBe('step-000002');
    expect(found?.verified).toBe('legacy');
    truncateSync(ck(run, 2, 'optimizer.safetensors'), 20);
    const next = pick(run);
    expect(next.found?.name).toBe('step-000001');
    expect(next.scan.skipped[0]?.reason).toMatch(
      /optimizer.safetensors: invalid safetensors file.*\(checkpoint without manifest\)/,
    );
    rmSync(ck(run, 1, 'policy'), { recursive: true });
    rmSync(ck(run, 1, 'manifest.json'));
    ({ found } = pick(run));
    expect(found).toBeUndefined();
  });

  it('latestCheckpoint throws an exit-2 error listing every reason when checkpoints exist but none is intact', async () => {
    const run = await makeRun(2);
    truncateSync(ck(run, 2, 'trainer-state.json'), 3);
    rmSync(ck(run, 1, 'trainer-state.json'));
    const err = (() => {
      try {
        latestCheckpoint(run);
      } catch (e) {
        return e as UnusableCheckpointsError;
      }
    })();
    expect(err).toBeInstanceOf(UnusableCheckpointsError);
    expect(err?.exitCode).toBe(2);
    expect(err?.message).toMatch(/no intact checkpoint/);
    expect(err?.message).toMatch(/step-000002: trainer-state.json is 3 bytes/);
    expect(err?.message).toMatch(/step-000001: trainer-state.json is missing/);
  });

  it('ignores non-checkpoint entries and temporary directories', async () => {
    const run = await makeRun(1);
    mkdirSync(join(run.checkpointsDir, '.tmp-step-000002-123'));
    mkdirSync(join(run.checkpointsDir, 'step-2'));
    cpSync(ck(run, 1), join(run.checkpointsDir, 'backup'), { recursive: true });
    appendFileSync(join(run.checkpointsDir, 'notes.txt'), 'hi');
    const { found, scan } = pick(run);
    expect(found?.name).toBe('step-000001');
    expect(scan.skipped).toEqual([]);
  });
});
