import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const cli = here('../dist/cli.js');
const config = here('../test/fixtures/rl/tiny-grpo.yaml');

type Line = { kind: string; step: number; values: Record<string, number> };
const readLines = (path: string): Line[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
const stepLines = (dir: string) => readLines(join(dir, 'metrics.jsonl')).filter((l) => l.kind === 'step');

function runCli(args: string[]) {
  if (!existsSync(cli)) throw new Error(`built CLI missing at ${cli}: run 'pnpm build' first`);
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 240_000 });
}

const DETERMINISTIC = ['reward/total', 'reward/math-accuracy', 'actor/loss', 'actor/kl', 'actor/grad_norm', 'rollout/length'];

describe('trellis run (built CLI, tiny transformer)', () => {
  it('runs 3 RL steps and writes a complete run directory with flat numTensors', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'trellis-run-')), 'run');
    const r = runCli(['run', config, '--out', dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/held-out accuracy \d+\.\d% -> \d+\.\d% \([+-]\d+\.\d\) in \d+s/);
    expect(r.stderr).toContain(`run directory: ${dir}`);
    for (const f of ['config.yaml', 'source.json', 'metrics.jsonl', 'samples.jsonl', 'summary.json', 'checkpoints/latest']) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    const steps = stepLines(dir);
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3]);
    const tensors = steps.map((s) => s.values['memory/num_tensors']);
    expect(tensors[1]).toBe(tensors[0]);
    expect(tensors[2]).toBe(tensors[1]);
    expect(readLines(join(dir, 'samples.jsonl')).length).toBeGreaterThan(0);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.generatedTokensPerSec).toBeGreaterThan(0);
    expect(summary.trainedTokensPerSec).toBeGreaterThan(0);
    const again = runCli(['run', config, '--out', dir]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already exists and is not empty/);
  });

  it('resumes after SIGKILL with no gaps or duplicates and the same metrics as an uninterrupted run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'trellis-resume-'));
    const sets = ['--set', 'trainer.steps=5', '--set', 'trainer.checkpointEvery=2'];
    const full = join(root, 'full');
    expect(runCli(['run', config, ...sets, '--out', full, '-q']).status).toBe(0);

    const killed = join(root, 'killed');
    const child: ChildProcess = spawn(process.execPath, [cli, 'run', config, ...sets, '--out', killed, '-q'], {
      stdio: 'ignore',
    });
    const latest = join(killed, 'checkpoints', 'latest');
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (existsSync(latest) && readFileSync(latest, 'utf8').includes('step-000002')) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve();
        }
      }, 20);
      child.on('exit', () => {
        clearInterval(timer);
        reject(new Error('run finished before it could be killed'));
      });
    });
    await new Promise((r) => child.once('exit', r));
    const resumed = runCli(['run', '--resume', killed, '-q']);
    expect(resumed.status, resumed.stderr).toBe(0);
    const a = stepLines(full);
    const b = stepLines(killed);
    expect(b.map((s) => s.step)).toEqual([1, 2, 3, 4, 5]);
    for (let i = 2; i < 5; i++) {
      for (const key of DETERMINISTIC) {
        expect(
          Math.abs((b[i]?.values[key] ?? Number.NaN) - (a[i]?.values[key] ?? Number.NaN)),
          `step ${i + 1} ${key}`,
        ).toBeLessThan(1e-6);
      }
    }
  });
});
