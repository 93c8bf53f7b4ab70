import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const cli = here('../dist/cli.js');
const config = here('../test/fixtures/rl/tiny-grpo.yaml');

type Line = { kind: string; step: number; values: Record<string, number>; message?: string; changes?: unknown };
const lines = (dir: string): Line[] =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
const savedConfig = (dir: string) =>
  parse(readFileSync(join(dir, 'config.yaml'), 'utf8')) as { trainer: Record<string, number>; [k: string]: unknown };
const summary = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;

function trellis(...args: string[]) {
  if (!existsSync(cli)) throw new Error(`built CLI missing at ${cli}: run 'pnpm build' first`);
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 240_000 });
}

/** A finished 2-step tiny run, checkpointed every step. */
function finishedRun(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'trellis-resume-config-')), 'run');
  const r = trellis('run', config, '--set', 'trainer.steps=2', '--out', dir, '-q');
  expect(r.status, r.stderr).toBe(0);
  return dir;
}

describe('trellis run --resume with --set (built CLI)', () => {
  it('records allowed changes in config.yaml, source.json and an event; a later plain resume keeps the summary', () => {
    const dir = finishedRun();
    const resumed = trellis('run', '--resume', dir, '--set', 'trainer.steps=3', '--set', 'trainer.learningRate=0.0005', '-q');
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(
      /resuming run 'tiny-grpo' .* with trainer\.steps 2 -> 3, trainer\.learningRate 0\.001 -> 0\.0005/,
    );
    expect(savedConfig(dir).trainer.steps).toBe(3);
    expect(savedConfig(dir).trainer.learningRate).toBe(0.0005);

    const all = lines(dir);
    expect(all.filter((l) => l.kind === 'step').map((l) => l.step)).toEqual([1, 2, 3]);
    const resumedAt = all.findIndex((l) => l.kind === 'event' && /^resumed from /.test(l.message ?? ''));
    const changed = all.findIndex((l) => l.kind === 'event' && /^config changed on resume: /.test(l.message ?? ''));
    expect(resumedAt).toBeGreaterThanOrEqual(0);
    expect(changed).toBe(resumedAt + 1);
    expect(all[changed]?.message).toBe('config changed on resume: trainer.steps 2 -> 3, trainer.learningRate 0.001 -> 0.0005');
    expect(all[changed]?.step).toBe(2);
    expect(all[changed]?.changes).toEqual([
      { key: 'trainer.steps', from: 2, to: 3 },
      { key: 'trainer.learningRate', from: 0.001, to: 0.0005 },
    ]);
    const source = JSON.parse(readFileSync(join(dir, 'source.json'), 'utf8'));
    expect(source.resumes).toHaveLength(1);
    expect(source.resumes[0]).toMatchObject({ step: 2, changes: all[changed]?.changes });
    const after = summary(dir);
    expect(after.steps).toBe(3);

    // A plain resume of the complete run changes nothing it reports.
    const again = trellis('run', '--resume', dir, '-q');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/ with /);
    expect(savedConfig(dir).trainer.steps).toBe(3);
    const final = summary(dir);
    expect(final.steps).toBe(3);
    expect(final.initialAccuracy).toBe(after.initialAccuracy);
    expect(final.finalAccuracy).toBe(after.finalAccuracy);
    expect(
      lines(dir)
        .filter((l) => l.kind === 'step')
        .map((l) => l.step),
    ).toEqual([1, 2, 3]);
  });

  it('refuses (exit 2) changes that make it another run, naming the key, and leaves the run as it was', () => {
    const dir = finishedRun();
    const before = readFileSync(join(dir, 'config.yaml'), 'utf8');
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
    const cases: [string[], RegExp][] = [
      [
        ['trainer.groupSize=2'],
        /^error: --set trainer\.groupSize=2: trainer\.groupSize 4 -> 2: this key cannot change on --resume/,
      ],
      [['advantage.use=rloo'], /advantage\.use "grpo" -> "rloo"/],
      [['policy.options.model.dModel=64'], /policy\.options\.model\.dModel 32 -> 64/],
      [['seed=3'], /^error: --set seed=3: seed 11 -> 3/],
      [['rewards.1.weight=0.5'], /rewards\.1\.weight 0\.1 -> 0\.5/],
      [
        ['trainer.steps=1'],
        /^error: --set trainer\.steps=1: trainer\.steps: 1 is below the 2 steps this run has already trained .*give trainer\.steps >= 2/,
      ],
    ];
    for (const [sets, pattern] of cases) {
      const r = trellis('run', '--resume', dir, ...sets.flatMap((s) => ['--set', s]), '-q');
      expect(r.status, `${sets}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(readFileSync(join(dir, 'config.yaml'), 'utf8')).toBe(before);
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8')).toBe(metrics);
  });

  it('refuses a config file or --out given with --resume', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'trellis-resume-args-')), 'run');
    const both = trellis('run', config, '--resume', dir);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/^error: give either a config file or --resume, not both/);
    const out = trellis('run', '--resume', dir, '--out', join(dir, 'elsewhere'));
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/^error: --out cannot be used with --resume/);
    const neither = trellis('run');
    expect(neither.status).toBe(2);
    expect(neither.stderr).toMatch(/^error: a config file is required/);
  });
});
