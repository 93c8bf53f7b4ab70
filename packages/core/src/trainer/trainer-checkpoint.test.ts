import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../policy/policy';
import { encodeOptimizerState, loadOptimizerStateFile } from './optimizer-state';
import { RunDirectory } from './run-directory';
import { latestCheckpoint, restoreCheckpoint, type TrainerState, writeCheckpoint } from './trainer-checkpoint';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tmp = () => mkdtempSync(join(tmpdir(), 'trellis-ckpt-'));

/** Deterministic, varying gradient for step `s`. */
const gradient = (s: number) => tf.tensor1d([Math.sin(s + 1), 0.3 * Math.cos(2 * s), -0.7 + 0.1 * s]);

function step(optimizer: tf.Optimizer, v: tf.Variable, s: number): void {
  const g = gradient(s);
  optimizer.applyGradients({ [v.name]: g });
  g.dispose();
}

describe('optimizer state', () => {
  it('round-trips Adam exactly: a restored optimizer continues like the original', async () => {
    const hp = [0.05, 0.9, 0.999, 1e-8] as const;
    const a = tf.train.adam(...hp);
    const xa = tf.variable(tf.tensor1d([0.5, -1, 2]), true, 'ckpt-adam-a');
    for (let s = 0; s < 4; s++) step(a, xa, s);

    const path = join(tmp(), 'optimizer.safetensors');
    await writeFile(path, await encodeOptimizerState(a));

    const b = tf.train.adam(...hp);
    const xb = tf.variable(xa.clone(), true, 'ckpt-adam-b');
    await loadOptimizerStateFile(path, b);

    const fresh = tf.train.adam(...hp);
    const xc = tf.variable(xa.clone(), true, 'ckpt-adam-c');

    for (let s = 4; s < 7; s++) {
      step(a, xa, s);
      step(b, xb, s);
      step(fresh, xc, s);
    }
    const va = Array.from(xa.dataSync());
    const vb = Array.from(xb.dataSync());
    va.forEach((v, i) => expect(Math.abs(v - (vb[i] as number)), `element ${i}`).toBeLessThanOrEqual(1e-7));
    // The check is sensitive: an optimizer without the restored moments ends elsewhere.
    const vc = Array.from(xc.dataSync());
    expect(Math.max(...va.map((v, i) => Math.abs(v - (vc[i] as number))))).toBeGreaterThan(1e-3);

    const [ia, ib] = [await a.getWeights(), await b.getWeights()];
    expect(ib.length).toBe(ia.length);
    expect(ib[0]?.tensor.dataSync()[0]).toBe(7);
    tf.dispose([ia[0]?.tensor, ib[0]?.tensor].filter((t) => t !== undefined));

    for (const o of [a, b, fresh]) o.dispose();
    tf.dispose([xa, xb, xc]);
  });

  it('does not leak tensors when encoding repeatedly or loading', async () => {
    const opt = tf.train.adam(0.01);
    const x = tf.variable(tf.tensor1d([1, 2, 3]), true, 'ckpt-adam-leak');
    step(opt, x, 0);
    const before = tf.memory().numTensors;
    let bytes: Uint8Array = new Uint8Array();
    for (let i = 0; i < 5; i++) bytes = await encodeOptimizerState(opt);
    expect(tf.memory().numTensors).toBe(before);

    const path = join(tmp(), 'optimizer.safetensors');
    await writeFile(path, bytes);
    const other = tf.train.adam(0.01);
    const afterNew = tf.memory().numTensors;
    await loadOptimizerStateFile(path, other);
    // Only the two restored moment variables remain.
    expect(tf.memory().numTensors).toBe(afterNew + 2);

    opt.dispose();
    other.dispose();
    x.dispose();
  });

  it('refuses state written by another optimizer class', async () => {
    const adam = tf.train.adam(0.01);
    const x = tf.variable(tf.tensor1d([1, 2, 3]), true, 'ckpt-adam-class');
    step(adam, x, 0);
    const path = join(tmp(), 'optimizer.safetensors');
    await writeFile(path, await encodeOptimizerState(adam));
    const sgd = tf.train.sgd(0.01);
    await expect(loadOptimizerStateFile(path, sgd)).rejects.toThrow(/state is for optimizer .Adam., not .SGD./);
    adam.dispose();
    sgd.dispose();
    x.dispose();
  });
});

/** A stand-in policy whose checkpoint is one marker file holding its `weights` string. */
function fakePolicy(initial: string): Policy & { weights: string } {
  const policy = {
    weights: initial,
    async save(dir: string) {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'marker.txt'), policy.weights);
    },
    async load(dir: string) {
      policy.weights = await readFile(join(dir, 'marker.txt'), 'utf8');
    },
  };
  return policy as unknown as Policy & { weights: string };
}

/** A trainer state at `stepNo` whose offsets match the run's logs (one step line per step). */
function stateAt(run: RunDirectory, stepNo: number): TrainerState {
  run.appendMetrics({ kind: 'step', step: stepNo, values: {} });
  run.appendSamples([{ step: stepNo }]);
  return {
    step: stepNo,
    offsets: run.offsets(),
    nonFiniteInARow: 0,
    elapsedMs: stepNo * 1000,
    initialAccuracy: 0.25,
    lastAccuracy: 0.5,
    strategy: { pool: [stepNo] },
    contributions: [{ n: stepNo }],
    totals: { generatedTokens: 1, trainedTokens: 2, generateMs: 3, trainMs: 4 },
  };
}

describe('writeCheckpoint / latestCheckpoint', () => {
  it('has no latest checkpoint in a fresh run', async () => {
    const run = await RunDirectory.create(join(tmp(), 'run'), '');
    expect(latestCheckpoint(run)).toBeUndefined();
  });

  it('points latest at the newest step, writes a manifest, keeps only `keep` checkpoints and leaves no temporary directory', async () => {
    const run = await RunDirectory.create(join(tmp(), 'run'), '');
    const policy = fakePolicy('');
    const opt = tf.train.sgd(0.1);
    for (let s = 1; s <= 5; s++) {
      policy.weights = `weights-${s}`;
      const st = stateAt(run, s);
      const dir = await writeCheckpoint(run, st, policy, opt, 2);
      expect(dir).toBe(join(run.checkpointsDir, `step-${String(s).padStart(6, '0')}`));
      const latest = latestCheckpoint(run);
      expect(latest?.dir).toBe(dir);
      expect(latest?.state).toEqual(st);
      expect(latest?.verified).toBe('manifest');
      expect(latest?.skipped).toEqual([]);
    }
    expect(readdirSync(run.checkpointsDir).sort()).toEqual(['latest', 'step-000004', 'step-000005']);
    expect(readFileSync(join(run.checkpointsDir, 'latest'), 'utf8')).toBe('step-000005\n');
    expect(readdirSync(join(run.checkpointsDir, 'step-000005')).sort()).toEqual([
      'manifest.json',
      'optimizer.safetensors',
      'policy',
      'trainer-state.json',
    ]);
    const manifest = JSON.parse(readFileSync(join(run.checkpointsDir, 'step-000005', 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.files).sort()).toEqual(['optimizer.safetensors', 'policy/marker.txt', 'trainer-state.json']);

    const restored = fakePolicy('untrained');
    const latest = latestCheckpoint(run);
    if (!latest) throw new Error('no checkpoint');
    await restoreCheckpoint(latest.dir, restored, tf.train.sgd(0.1));
    expect(restored.weights).toBe('weights-5');
    opt.dispose();
  });

  it('overwrites a checkpoint of the same step and replaces a stale temporary directory', async () => {
    const run = await RunDirectory.create(join(tmp(), 'run'), '');
    const policy = fakePolicy('first');
    const opt = tf.train.sgd(0.1);
    const st = stateAt(run, 1);
    await writeCheckpoint(run, st, policy, opt, 3);
    await mkdir(join(run.checkpointsDir, `.tmp-step-000001-${process.pid}`, 'junk'), { recursive: true });
    policy.weights = 'second';
    await writeCheckpoint(run, st, policy, opt, 3);
    expect(readdirSync(run.checkpointsDir).sort()).toEqual(['latest', 'step-000001']);
    expect(readFileSync(join(run.checkpointsDir, 'step-000001', 'policy', 'marker.txt'), 'utf8')).toBe('second');
    opt.dispose();
  });

  it('removes checkpoints newer than the one written (a timeline replaced by resuming from an older one)', async () => {
    const run = await RunDirectory.create(join(tmp(), 'run'), '');
    const policy = fakePolicy('w');
    const opt = tf.train.sgd(0.1);
    const states = [1, 2, 3].map((s) => stateAt(run, s));
    for (const st of states) await writeCheckpoint(run, st, policy, opt, 1);
    await mkdir(join(run.checkpointsDir, 'step-000007'));
    await writeCheckpoint(run, states[2] as TrainerState, policy, opt, 1);
    expect(readdirSync(run.checkpointsDir).sort()).toEqual(['latest', 'step-000003']);
    opt.dispose();
  });

  it('starts fresh when latest names a checkpoint that does not exist and there is none', async () => {
    const run = await RunDirectory.create(join(tmp(), 'run'), '');
    writeFileSync(join(run.checkpointsDir, 'latest'), 'step-000009\n');
    expect(existsSync(join(run.checkpointsDir, 'step-000009'))).toBe(false);
    expect(latestCheckpoint(run)).toBeUndefined();
  });
});
