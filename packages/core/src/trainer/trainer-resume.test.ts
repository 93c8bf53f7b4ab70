import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { corePlugin } from '../builtin/core-plugin';
import { ConfigError } from '../errors/trellis-error';
import { composeContainer } from '../plugin/compose-container';
import type { PluginManifest } from '../plugin/define-plugin';
import { UnusableCheckpointsError } from './checkpoint-scan';
import { createTrainer } from './create-trainer';
import { RunDirectory } from './run-directory';
import { RunLockedError } from './run-lock';
import { sayAExperiment } from './test-support/say-a-experiment';
import { trainerTestPlugin } from './test-support/test-plugin';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const config = (trainer: Record<string, unknown> = {}) =>
  sayAExperiment({
    steps: 6,
    problemsPerStep: 8,
    groupSize: 8,
    learningRate: 0.1,
    evalEvery: 3,
    keepCheckpoints: 10,
    ...trainer,
  });

const manifests = [corePlugin, trainerTestPlugin] as PluginManifest[];
type Line = { kind: string; step: number; values: Record<string, number>; message?: string };
const lines = (dir: string): Line[] =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
const steps = (dir: string) => lines(dir).filter((l) => l.kind === 'step');
const ck = (dir: string, s: number, ...rest: string[]) => join(dir, 'checkpoints', `step-${String(s).padStart(6, '0')}`, ...rest);

async function train(cfg: Record<string, unknown>, dir: string, resume = false, notices: string[] = []) {
  const exp = await composeContainer(cfg, { manifests, loadBuiltins: false });
  const run = resume ? RunDirectory.open(dir) : await RunDirectory.create(dir, JSON.stringify(exp.config));
  const trainer = await createTrainer(exp.container, { run });
  return trainer.train({ resume, onNotice: (m) => notices.push(m) });
}

let reference: { dir: string; summary: Awaited<ReturnType<typeof train>> };
async function referenceRun() {
  if (!reference) {
    const dir = join(mkdtempSync(join(tmpdir(), 'trellis-resume-')), 'ref');
    reference = { dir, summary: await train(config(), dir) };
  }
  return reference;
}
/** A copy of the reference run directory, to damage. */
async function copyOfReference(): Promise<string> {
  const { dir } = await referenceRun();
  const copy = join(mkdtempSync(join(tmpdir(), 'trellis-resume-')), 'run');
  const { cpSync } = await import('node:fs');
  cpSync(dir, copy, { recursive: true });
  return copy;
}
const expectSameLosses = (a: Line[], b: Line[]) => {
  expect(b.map((l) => l.step)).toEqual(a.map((l) => l.step));
  a.forEach((l, i) => {
    expect(Math.abs((b[i]?.values['actor/loss'] ?? Number.NaN) - (l.values['actor/loss'] ?? 0)), `step ${l.step}`).toBeLessThan(
      1e-6,
    );
  });
};

describe('Trainer resume hardening', () => {
  it('resuming a finished run keeps its real final accuracy (not the initial one) and trains nothing', async () => {
    const { summary } = await referenceRun();
    expect(summary.finalAccuracy).not.toBe(summary.initialAccuracy);
    const dir = await copyOfReference();
    rmSync(join(dir, 'summary.json')); // killed after the last checkpoint, before the summary
    const again = await train(config(), dir, true);
    expect(again).toMatchObject({
      steps: 6,
      initialAccuracy: summary.initialAccuracy,
      finalAccuracy: summary.finalAccuracy,
    });
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).finalAccuracy).toBe(summary.finalAccuracy);
    expect(steps(dir).map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(lines(dir).at(-1)?.message).toMatch(/resumed from .*step-000006 \(the run is already complete\)/);
  });

  it('takes the final accuracy from the logs for checkpoints of older versions (no lastAccuracy)', async () => {
    const { summary } = await referenceRun();
    const dir = await copyOfReference();
    const path = ck(dir, 6, 'trainer-state.json');
    const { lastAccuracy: _drop, ...old } = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify(old));
    rmSync(ck(dir, 6, 'manifest.json'));
    const notices: string[] = [];
    const again = await train(config(), dir, true, notices);
    expect(again.finalAccuracy).toBe(summary.finalAccuracy);
    expect(notices).toEqual([expect.stringMatching(/step-000006 has no manifest/)]);
  });

  it('falls back to the previous checkpoint when the latest is corrupt, with a notice and an event', async () => {
    const ref = await referenceRun();
    const dir = await copyOfReference();
    truncateSync(ck(dir, 6, 'optimizer.safetensors'), 100);
    const notices: string[] = [];
    const summary = await train(config(), dir, true, notices);
    expect(notices).toEqual([
      'resuming from step-000005, the newest intact checkpoint; skipped step-000006: optimizer.safetensors is 100 bytes, the manifest says ' +
        `${readFileSync(ck(ref.dir, 6, 'optimizer.safetensors')).byteLength}`,
    ]);
    expect(lines(dir).some((l) => l.kind === 'event' && l.message === notices[0])).toBe(true);
    expectSameLosses(steps(ref.dir), steps(dir));
    expect(summary.finalAccuracy).toBe(ref.summary.finalAccuracy);
  });

  it('skips a checkpoint whose weights load as non-finite', async () => {
    const ref = await referenceRun();
    const dir = await copyOfReference();
    const weights = ck(dir, 6, 'policy', 'bigram.json');
    writeFileSync(weights, readFileSync(weights, 'utf8').replace(/"w":\[[^,]+,/, '"w":[1e999,'));
    rmSync(ck(dir, 6, 'manifest.json'));
    const notices: string[] = [];
    await train(config(), dir, true, notices);
    expect(notices[0]).toMatch(
      /resuming from step-000005.*skipped step-000006: it cannot be loaded: its policy weights hold NaN or Inf/,
    );
    expectSameLosses(steps(ref.dir), steps(dir));
  });

  it('refuses to resume when checkpoints exist but none is intact, leaving the logs alone', async () => {
    const dir = await copyOfReference();
    for (let s = 1; s <= 6; s++) rmSync(ck(dir, s, 'trainer-state.json'));
    const before = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
    await expect(train(config(), dir, true)).rejects.toThrow(UnusableCheckpointsError);
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8')).toBe(before);
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
  });

  it('removes temporary directories left by interrupted checkpoint writes, and says so', async () => {
    const dir = await copyOfReference();
    rmSync(ck(dir, 6), { recursive: true });
    mkdirSync(join(dir, 'checkpoints', '.tmp-step-000006-4242', 'policy'), { recursive: true });
    writeFileSync(join(dir, 'checkpoints', '.latest.tmp-4242-abcd'), 'step-000006');
    writeFileSync(join(dir, '.summary.json.tmp-4242-abcd'), '{');
    const notices: string[] = [];
    await train(config(), dir, true, notices);
    expect(existsSync(join(dir, 'checkpoints', '.tmp-step-000006-4242'))).toBe(false);
    expect(existsSync(join(dir, 'checkpoints', '.latest.tmp-4242-abcd'))).toBe(false);
    expect(existsSync(join(dir, '.summary.json.tmp-4242-abcd'))).toBe(false);
    expect(notices.join('\n')).toMatch(/removed 3 temporary entries/);
  });

  it('holds the run lock while training and releases it at the end', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'trellis-resume-')), 'run');
    const exp = await composeContainer(config({ steps: 2 }), { manifests, loadBuiltins: false });
    const run = await RunDirectory.create(dir, JSON.stringify(exp.config));
    expect(() => RunDirectory.open(dir)).toThrow(RunLockedError);
    const trainer = await createTrainer(exp.container, { run });
    const training = trainer.train();
    expect(existsSync(join(dir, 'run.lock'))).toBe(true);
    await training;
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
    RunDirectory.open(dir).releaseLock();
  });

  it('continues a finished run to a larger trainer.steps and reports those steps', async () => {
    const dir = await copyOfReference();
    const summary = await train(config({ steps: 8 }), dir, true);
    expect(summary.steps).toBe(8);
    expect(steps(dir).map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    await expect(train(config({ steps: 4 }), dir, true)).rejects.toThrow(ConfigError);
  });
});
