import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const cli = here('../dist/cli.js');
const repo = here('../../../');
const quickstart = join(repo, 'examples/arithmetic/grpo.yaml');
const tiny = here('../test/fixtures/rl/tiny-grpo.yaml');

function trellisIn(cwd: string, ...args: string[]) {
  if (!existsSync(cli)) throw new Error(`built CLI missing at ${cli}: run 'pnpm build' first`);
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 240_000, cwd });
}

/** The quickstart cut down to seconds. */
const SHORT = [
  'trainer.steps=1',
  'trainer.problemsPerStep=2',
  'trainer.groupSize=2',
  'trainer.evalProblems=4',
  'trainer.checkpointEvery=1',
  'policy.options.workers=0',
].flatMap((s) => ['--set', s]);

describe('paths in a config resolve against the config file (built CLI)', () => {
  it('the quickstart runs from another working directory, and resumes from a third', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'trellis-elsewhere-'));
    const out = join(elsewhere, 'run');
    const r = trellisIn(elsewhere, 'run', quickstart, ...SHORT, '--out', out, '-q');
    expect(r.status, r.stderr).toBe(0);
    const saved = parse(readFileSync(join(out, 'config.yaml'), 'utf8')) as { policy: { options: { checkpoint: string } } };
    expect(saved.policy.options.checkpoint).toBe(join(repo, 'examples/arithmetic/base-critique'));

    const third = mkdtempSync(join(tmpdir(), 'trellis-elsewhere-'));
    const resumed = trellisIn(third, 'run', '--resume', out, '--set', 'trainer.steps=2', '-q');
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).steps).toBe(2);
  });

  it('trellis config shows the checkpoint absolute, the same from the repository root and from elsewhere', () => {
    const fromRoot = trellisIn(repo, 'config', 'examples/arithmetic/grpo.yaml', '--json');
    const fromTmp = trellisIn(tmpdir(), 'config', quickstart, '--json');
    expect(fromRoot.status, fromRoot.stderr).toBe(0);
    expect(fromTmp.stdout).toBe(fromRoot.stdout);
    expect(JSON.parse(fromRoot.stdout).policy.options.checkpoint).toBe(join(repo, 'examples/arithmetic/base-critique'));
  });

  it('trellis eval --config: a relative task path set by an extended file resolves against that file', () => {
    const root = mkdtempSync(join(tmpdir(), 'trellis-eval-paths-'));
    mkdirSync(join(root, 'shared'));
    mkdirSync(join(root, 'exp'));
    writeFileSync(join(root, 'shared', 'problems.jsonl'), '{"question":"1+1","answer":"2"}\n{"question":"2+3","answer":"5"}\n');
    writeFileSync(
      join(root, 'shared', 'base.yaml'),
      'task: { use: jsonl, options: { path: ./problems.jsonl, split: test } }\nrewards: [{ use: math-accuracy }]\n',
    );
    writeFileSync(join(root, 'exp', 'eval.yaml'), 'extends: ../shared/base.yaml\n');
    const r = trellisIn(tmpdir(), 'eval', join(repo, 'examples/arithmetic/base'), '--config', join(root, 'exp', 'eval.yaml'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\| 2 problems\n$/);
  });

  it('a --set path resolves against the working directory', () => {
    const r = trellisIn(tmpdir(), 'config', quickstart, '--set', 'policy.options.checkpoint=examples/arithmetic/base');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `error: --set policy.options.checkpoint=examples/arithmetic/base: policy.options.checkpoint: checkpoint directory examples/arithmetic/base does not exist (resolved against ${tmpdir()}: ${join(tmpdir(), 'examples/arithmetic/base')})\n`,
    );
  });
});

describe('trellis run and signals (built CLI)', () => {
  for (const [signal, code, word] of [
    ['SIGTERM', 143, 'terminated'],
    ['SIGINT', 130, 'interrupted'],
  ] as const) {
    it(`${signal} prints how to resume and exits ${code}; the run then resumes`, async () => {
      const dir = join(mkdtempSync(join(tmpdir(), 'trellis-signal-')), 'run');
      const child: ChildProcess = spawn(process.execPath, [cli, 'run', tiny, '--set', 'trainer.steps=40', '--out', dir, '-q'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const latest = join(dir, 'checkpoints', 'latest');
      await new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
          if (existsSync(latest)) {
            clearInterval(timer);
            child.kill(signal);
            resolve();
          }
        }, 20);
        child.on('exit', () => {
          clearInterval(timer);
          reject(new Error(`run ended before it could be signalled: ${stderr}`));
        });
      });
      const exitCode = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      expect(exitCode, stderr).toBe(code);
      expect(stderr).toContain(`${word}; continue with: trellis run --resume ${dir}\n`);
      const done = Number.parseInt(readFileSync(latest, 'utf8').trim().slice('step-'.length), 10);
      const resumed = trellisIn(tmpdir(), 'run', '--resume', dir, '--set', `trainer.steps=${done + 1}`, '-q');
      expect(resumed.status, resumed.stderr).toBe(0);
      expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).steps).toBe(done + 1);
    });
  }
});
