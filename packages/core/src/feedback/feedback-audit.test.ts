import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { corePlugin } from '../builtin/core-plugin';
import { composeContainer } from '../plugin/compose-container';
import type { PluginManifest } from '../plugin/define-plugin';
import { createTrainer } from '../trainer/create-trainer';
import { RunDirectory } from '../trainer/run-directory';
import { trainerTestPlugin } from '../trainer/test-support/test-plugin';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const config = (steps: number, feedback: Record<string, unknown>[], audit: Record<string, unknown> = {}) => ({
  seed: 5,
  policy: { use: 'bigram' },
  task: { use: 'say-a' },
  rollout: { use: 'groups' },
  advantage: { use: 'mean-baseline' },
  objective: { use: 'clip' },
  rewards: [{ use: 'starts-with-a' }],
  feedback,
  contributions: [{ use: 'feedback-audit', options: { perStep: 3, select: 'any', ...audit } }],
  trainer: {
    steps,
    problemsPerStep: 4,
    groupSize: 2,
    evalEvery: 0,
    evalProblems: 4,
    checkpointEvery: 1,
    accuracyReward: 'starts-with-a',
    sampling: { maxNewTokens: 3 },
    feedback: { timeoutMs: 100, retries: 1, backoffMs: 0 },
  },
});

const manifests = [corePlugin, trainerTestPlugin] as PluginManifest[];
const jsonl = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

async function train(cfg: Record<string, unknown>, dir: string, resume = false) {
  const exp = await composeContainer(cfg, { manifests, loadBuiltins: false });
  const run = resume ? RunDirectory.open(dir) : await RunDirectory.create(dir, JSON.stringify(exp.config));
  return (await createTrainer(exp.container, { run })).train({ resume });
}

describe('feedback through a training run (feedback-audit)', () => {
  it('logs each request and outcome, redacts the gold, and writes the counters to metrics.jsonl', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'trellis-audit-')), 'run');
    await train(config(2, [{ use: 'echo-critic', name: 'critic' }]), dir);
    const audit = jsonl(join(dir, 'feedback.jsonl'));
    expect(audit.map((a) => a.step)).toEqual([1, 1, 1, 2, 2, 2]);
    for (const a of audit) {
      expect(a).toMatchObject({ ok: true, provider: 'critic', kind: 'critique', leaks: 1, redacted: true, attempts: 1 });
      expect(a.text).toBe(`Issue: wrote "${a.attempt}"; the answer is [redacted]`);
    }
    const steps = jsonl(join(dir, 'metrics.jsonl')).filter((r) => r.kind === 'step');
    for (const s of steps) {
      expect(s.values).toMatchObject({
        'feedback/requests': 3,
        'feedback/critique/requests': 3,
        'feedback/calls': 3,
        'feedback/leaks': 3,
        'feedback/leaked_spans': 3,
        'feedback_audit/requests': 3,
      });
      expect(s.values['feedback/latency_ms']).toBeGreaterThanOrEqual(0);
      expect(s.values['feedback/failures']).toBeUndefined();
    }
  });

  it('a stalling provider times out, is retried and counted, and the run goes on', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'trellis-audit-')), 'run');
    const summary = await train(config(2, [{ use: 'stalls' }]), dir);
    expect(summary.steps).toBe(2);
    const audit = jsonl(join(dir, 'feedback.jsonl'));
    expect(audit).toHaveLength(6);
    for (const a of audit) expect(a).toMatchObject({ ok: false, reason: 'timeout', attempts: 2 });
    for (const s of jsonl(join(dir, 'metrics.jsonl')).filter((r) => r.kind === 'step')) {
      expect(s.values).toMatchObject({
        'feedback/calls': 6,
        'feedback/timeouts': 6,
        'feedback/retries': 3,
        'feedback/failures': 3,
        'feedback/failures/timeout': 3,
      });
    }
  });

  it('refuses select: failed when the accuracy reward is not configured, naming the key', async () => {
    const cfg = config(1, [{ use: 'echo-critic' }], { select: 'failed' });
    const exp = await composeContainer(
      { ...cfg, trainer: { ...cfg.trainer, accuracyReward: 'nope' } },
      { manifests, loadBuiltins: false },
    );
    await expect(createTrainer(exp.container)).rejects.toThrow(
      /feedback-audit selects failed rollouts by trainer.accuracyReward 'nope', but no reward has that name \(rewards: starts-with-a\)/,
    );
  });

  it('cuts feedback.jsonl back to the checkpoint on resume', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'trellis-audit-')), 'run');
    await train(config(2, [{ use: 'echo-critic' }]), dir);
    appendFileSync(join(dir, 'feedback.jsonl'), '{"step":3,"lost":"written after the last checkpoint"}\n');
    await train(config(3, [{ use: 'echo-critic' }]), dir, true);
    const audit = jsonl(join(dir, 'feedback.jsonl'));
    expect(audit.map((a) => a.step)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3]);
    expect(audit.some((a) => 'lost' in a)).toBe(false);
  });
});
