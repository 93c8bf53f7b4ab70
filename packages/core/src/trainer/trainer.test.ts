import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { corePlugin } from '../builtin/core-plugin';
import { composeContainer } from '../plugin/compose-container';
import type { PluginManifest } from '../plugin/define-plugin';
import { Tokens } from '../tokens';
import { createTrainer } from './create-trainer';
import { RunDirectory } from './run-directory';
import { sayAExperiment } from './test-support/say-a-experiment';
import { trainerTestPlugin } from './test-support/test-plugin';
import { NonFiniteLossError } from './trainer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const base = (over: Record<string, unknown> = {}) => ({
  ...sayAExperiment({ steps: 3, problemsPerStep: 4, groupSize: 4, learningRate: 0.05, evalEvery: 0 }),
  ...over,
});

const manifests = [corePlugin, trainerTestPlugin] as PluginManifest[];
const tmp = () => mkdtempSync(join(tmpdir(), 'trellis-trainer-'));
const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { kind: string; step: number; values: Record<string, number> });

async function trainRun(config: Record<string, unknown>, dir?: string, resume = false) {
  const exp = await composeContainer(config, { manifests, loadBuiltins: false });
  const run = dir ? (resume ? RunDirectory.open(dir) : await RunDirectory.create(dir, JSON.stringify(exp.config))) : undefined;
  const trainer = await createTrainer(exp.container, run ? { run } : {});
  return trainer.train({ resume });
}

describe('Trainer skeleton', () => {
  it('dispose frees the reference snapshot and the optimizer state: back-to-back runs hold no more tensors', async () => {
    const once = async (dispose: boolean) => {
      const exp = await composeContainer(base(), { manifests, loadBuiltins: false });
      const trainer = await createTrainer(exp.container);
      await trainer.train({ onNotice: () => {} });
      if (dispose) trainer.dispose();
      (await exp.container.getAsync(Tokens.Policy)).dispose();
    };
    await once(true);
    const before = tf.memory().numTensors;
    await once(true);
    expect(tf.memory().numTensors).toBe(before);
    await once(false);
    expect(tf.memory().numTensors).toBeGreaterThan(before);
  });

  it('runs the full pipeline and writes the run directory; numTensors stays flat', async () => {
    const dir = join(tmp(), 'run');
    const summary = await trainRun(base({ trainer: { ...base().trainer, steps: 4 } }), dir);
    const records = lines(join(dir, 'metrics.jsonl'));
    const steps = records.filter((r) => r.kind === 'step');
    expect(steps.map((r) => r.step)).toEqual([1, 2, 3, 4]);
    expect(records.filter((r) => r.kind === 'eval').map((r) => r.step)).toEqual([0, 4]);
    for (const key of [
      'reward/total',
      'reward/starts-with-a',
      'actor/loss',
      'actor/clip_frac',
      'actor/kl',
      'lr',
      'actor/grad_norm',
    ]) {
      expect(steps[0]?.values[key], key).toBeTypeOf('number');
    }
    const counts = steps.map((r) => r.values['memory/num_tensors']);
    expect(counts[1]).toBe(counts[2]);
    expect(counts[2]).toBe(counts[3]);
    expect(lines(join(dir, 'samples.jsonl')).length).toBe(16);
    expect(readFileSync(join(dir, 'checkpoints', 'latest'), 'utf8').trim()).toBe('step-000004');
    expect(existsSync(join(dir, 'checkpoints', 'step-000004', 'optimizer.safetensors'))).toBe(true);
    expect(existsSync(join(dir, 'checkpoints', 'step-000002'))).toBe(false);
    const written = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(written.steps).toBe(4);
    expect(summary.generatedTokensPerSec).toBeGreaterThan(0);
    expect(summary.trainedTokensPerSec).toBeGreaterThan(0);
  });

  it('works when the objective reports its loss tensor as a metric (no KL term)', async () => {
    const cfg = base({
      objective: { use: 'clip', options: { kl: { estimator: 'none' } } },
      trainer: { ...base().trainer, steps: 2 },
    });
    const dir = join(tmp(), 'run');
    await trainRun(cfg, dir);
    const steps = lines(join(dir, 'metrics.jsonl')).filter((r) => r.kind === 'step');
    expect(steps[1]?.values['actor/pg_loss']).toBeCloseTo(steps[1]?.values['actor/loss'] ?? Number.NaN, 6);
  });

  it('names every missing slot a training run needs', async () => {
    const { policy: _p, advantage: _a, ...rest } = base();
    const exp = await composeContainer(rest, { manifests, loadBuiltins: false });
    await expect(createTrainer(exp.container)).rejects.toThrow(
      /a training run needs policy: \{ use: <id> \}, advantage: \{ use: <id> \}; see 'trellis plugins' for ids/,
    );
  });

  it('refuses to reuse a non-empty run directory', async () => {
    const dir = join(tmp(), 'run');
    await trainRun(base({ trainer: { ...base().trainer, steps: 1 } }), dir);
    await expect(RunDirectory.create(dir, '')).rejects.toThrow(/already exists and is not empty; resume it with --resume/);
  });

  it('learns: the mean reward rises on a one-answer task', async () => {
    const dir = join(tmp(), 'run');
    const cfg = base({ trainer: { ...base().trainer, steps: 25, checkpointEvery: 0, problemsPerStep: 8, groupSize: 8 } });
    const summary = await trainRun(cfg, dir);
    const steps = lines(join(dir, 'metrics.jsonl')).filter((r) => r.kind === 'step');
    const mean = (xs: typeof steps) => xs.reduce((a, r) => a + (r.values['reward/total'] ?? 0), 0) / xs.length;
    expect(mean(steps.slice(-5))).toBeGreaterThan(mean(steps.slice(0, 5)) + 0.3);
    expect(summary.finalAccuracy).toBeGreaterThan(summary.initialAccuracy ?? 1);
  });

  it('isolates throwing and hanging rewards: scored 0, counted, run continues', async () => {
    const dir = join(tmp(), 'run');
    const cfg = base({
      rewards: [{ use: 'starts-with-a' }, { use: 'throws', weight: 5 }, { use: 'hangs', weight: 5, timeoutMs: 20 }],
      trainer: { ...base().trainer, steps: 2 },
    });
    await trainRun(cfg, dir);
    const steps = lines(join(dir, 'metrics.jsonl')).filter((r) => r.kind === 'step');
    expect(steps).toHaveLength(2);
    expect(steps[0]?.values['reward_failures/throws/errors']).toBe(16);
    expect(steps[0]?.values['reward_failures/hangs/timeouts']).toBe(16);
    expect(steps[0]?.values['reward/throws']).toBe(0);
    expect(steps[0]?.values['reward/total']).toBe(steps[0]?.values['reward/starts-with-a']);
  });

  it('skips non-finite updates and stops after maxNonFiniteSteps in a row', async () => {
    const cfg = base({ objective: { use: 'nan' }, trainer: { ...base().trainer, steps: 10, maxNonFiniteSteps: 3 } });
    const dir = join(tmp(), 'run');
    await expect(trainRun(cfg, dir)).rejects.toThrow(NonFiniteLossError);
    const steps = lines(join(dir, 'metrics.jsonl')).filter((r) => r.kind === 'step');
    expect(steps.map((s) => s.values['update/non_finite'])).toEqual([1, 1, 1]);
  });

  it('resumes from the last checkpoint with no gaps or duplicates and identical metrics', async () => {
    const cfg = base({ trainer: { ...base().trainer, steps: 4, checkpointEvery: 2 } });
    const full = join(tmp(), 'full');
    await trainRun(cfg, full);
    const part = join(tmp(), 'part');
    await trainRun({ ...cfg, trainer: { ...cfg.trainer, steps: 3, checkpointEvery: 2 } }, part).catch(() => undefined);
    // Simulate a crash after step 3: the checkpoint is at step 2 (step 3's own checkpoint removed).
    const { rmSync, writeFileSync } = await import('node:fs');
    rmSync(join(part, 'checkpoints', 'step-000003'), { recursive: true, force: true });
    writeFileSync(join(part, 'checkpoints', 'latest'), 'step-000002\n');
    await trainRun(cfg, part, true);
    const a = lines(join(full, 'metrics.jsonl')).filter((r) => r.kind === 'step');
    const b = lines(join(part, 'metrics.jsonl')).filter((r) => r.kind === 'step');
    expect(b.map((r) => r.step)).toEqual([1, 2, 3, 4]);
    for (const i of [2, 3]) {
      for (const key of ['reward/total', 'actor/loss', 'actor/kl', 'actor/grad_norm', 'rollout/length']) {
        expect(
          Math.abs((b[i]?.values[key] ?? Number.NaN) - (a[i]?.values[key] ?? Number.NaN)),
          `step ${i + 1} ${key}`,
        ).toBeLessThan(1e-6);
      }
    }
  });
});
