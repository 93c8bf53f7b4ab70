import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * End to end through the built CLI: `examples/arithmetic/multiturn.yaml` (the context-reading
 * base, math-verifier critiques, FCO) trains, is SIGKILLed after a step and resumes with every
 * step exactly once; numTensors stays flat; no injected feedback holds the gold answer (counted by
 * the guard, checked here independently on every prefill of the batch's samples).
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'apps/runner/dist/cli.js');
const config = join(root, 'examples/arithmetic/multiturn.yaml');
const STEPS = 3;
const SETS = [
  ['trainer.steps', STEPS],
  ['trainer.problemsPerStep', 4],
  ['trainer.sampling.temperature', 0.8],
  ['trainer.groupSize', 4],
  ['trainer.evalProblems', 2],
  ['trainer.evalEvery', 0],
  ['trainer.checkpointEvery', 1],
  ['trainer.samplesPerStep', 1000],
  ['trainer.sampling.maxNewTokens', 36],
].flatMap(([k, v]) => ['--set', `${k}=${v}`]);

type Line = { kind: string; step: number; values: Record<string, number>; message?: string };
const lines = (dir: string): Line[] =>
  existsSync(join(dir, 'metrics.jsonl'))
    ? readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Line)
    : [];

/** The value of an arithmetic prompt such as `3*4-2=?` (digits, + - * / and parentheses only). */
function goldOf(prompt: string): string | undefined {
  const expr = prompt.split('=')[0]?.trim() ?? '';
  if (!/^[\d+\-*/() ]+$/.test(expr)) return undefined;
  return String(Function(`"use strict"; return (${expr});`)());
}

describe.skipIf(!existsSync(cli))('multiturn through the built CLI', () => {
  it('trains, survives SIGKILL + --resume with no lost or duplicated step, keeps numTensors flat, leaks no gold answer', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'trellis-multiturn-')), 'run');
    const child = spawn(process.execPath, [cli, 'run', config, '--out', dir, '-q', ...SETS], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise((resolve) => child.on('close', resolve));
    const until = Date.now() + 120_000;
    // Kill during step 2, once the step-1 checkpoint is complete.
    const checkpointed = () => existsSync(join(dir, 'checkpoints', 'step-000001', 'manifest.json'));
    while (Date.now() < until && !checkpointed() && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await exited;
    expect(checkpointed(), stderr).toBe(true);

    const resumed = spawnSync(process.execPath, [cli, 'run', '--resume', dir, '-q'], {
      encoding: 'utf8',
      timeout: 180_000,
    });
    expect(resumed.status, resumed.stderr).toBe(0);
    const steps = lines(dir).filter((l) => l.kind === 'step');
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3]);
    const resumedAt = lines(dir)
      .map((l) => /resumed from .*step-0*(\d+)/.exec(l.message ?? '')?.[1])
      .find((m) => m !== undefined);
    expect(resumedAt, 'the second run resumed from a checkpoint').toBeDefined();
    // numTensors is flat within the resumed process once the optimizer has its slots (the first
    // applied update creates them).
    const resumedSteps = steps.filter((st) => st.step > Number(resumedAt));
    const settled = resumedSteps.findIndex((st) => (st.values['update/applied'] ?? 0) > 0);
    const counts = resumedSteps.slice(Math.max(0, settled)).map((st) => st.values['memory/num_tensors']);
    expect(new Set(counts).size, JSON.stringify(counts)).toBe(1);
    for (const s of steps) {
      expect(s.values['multiturn/trigger_rate'], `step ${s.step}`).toBeTypeOf('number');
      expect(s.values['multiturn/solve_rate/turn0']).toBeTypeOf('number');
      expect(s.values['multiturn/feedback_leaks'] ?? 0).toBe(0);
      expect(s.values['update/dropped_pairs'] ?? 0).toBe(0);
    }
    // The strategy's run totals were checkpointed, restored and carried on: 3 steps of 4 prompts.
    const state = JSON.parse(readFileSync(join(dir, 'checkpoints', 'step-000003', 'trainer-state.json'), 'utf8')) as {
      strategy: { steps: number; prompts: number };
    };
    expect(state.strategy).toMatchObject({ steps: 3, prompts: 12 });
    const total = (key: string) => steps.reduce((a, s) => a + (s.values[key] ?? 0), 0);
    expect(total('multiturn/feedback_calls')).toBeGreaterThan(0);
    expect(total('update/applied')).toBeGreaterThan(0);
    const samplesPath = join(dir, 'samples.jsonl');
    const samples = (existsSync(samplesPath) ? readFileSync(samplesPath, 'utf8') : '')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { step: number; prompt: string; prefill?: string; completion: string });
    expect([...new Set(samples.map((s) => s.step))]).toEqual([1, 2, 3].filter((k) => samples.some((s) => s.step === k)));
    for (const s of samples.filter((x) => x.prefill)) {
      const gold = goldOf(s.prompt);
      if (gold === undefined) continue;
      expect(s.prefill?.match(/-?\d+/g) ?? [], `prefill of ${s.prompt}`).not.toContain(gold);
      expect(s.completion.startsWith('<feedback>')).toBe(false);
    }
  }, 300_000);
});
