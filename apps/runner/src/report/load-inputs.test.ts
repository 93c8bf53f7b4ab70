import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@trellis/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadReportInputs } from './load-inputs';
import { fixtureRecords, writeFixtureSweep, writeRunDir } from './test-support';

let dir: string;
const at = (...p: string[]) => join(dir, ...p);

/** The ConfigError `f` throws. */
function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trellis-report-in-'));
  writeFixtureSweep(at('sweep'));
  for (const seed of [1, 2])
    writeRunDir(at(`grpo-${seed}`), { name: 'grpo', seed, trainer: { steps: 12 } }, fixtureRecords(0, seed));
  writeRunDir(at('rloo-1'), { name: 'rloo', seed: 1, trainer: { steps: 12 } }, fixtureRecords(1, 1), false);
  writeRunDir(at('empty-run'), { name: 'x', seed: 1 }, []);
  mkdirSync(at('no-metrics'));
  writeFileSync(at('no-metrics', 'config.yaml'), 'name: x\n');
  mkdirSync(at('other'));
  writeFileSync(at('file.txt'), 'hi');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadReportInputs', () => {
  it('reads a sweep: its arms, baseline, runs with metrics and failed runs', () => {
    const r = loadReportInputs([at('sweep')]);
    expect(r.kind).toBe('sweep');
    expect(r.baseline).toBe('base');
    expect(r.arms.map((a) => [a.name, a.set, a.runs.map((x) => x.label)])).toEqual([
      ['base', [], ['base/seed-1', 'base/seed-2']],
      ['fast', ['trainer.learningRate=0.01'], ['fast/seed-1', 'fast/seed-2']],
    ]);
    expect(r.failed).toEqual([
      { id: 'fast/seed-3', arm: 'fast', seed: 3, dir: 'fast/seed-3', attempts: 2, error: 'worker crashed: out of memory' },
    ]);
    expect(r.defaultOut).toBe(at('sweep', 'report'));
    expect(loadReportInputs([at('sweep')], 'fast').baseline).toBe('fast');
  });

  it('groups run dirs into arms, the first one the baseline', () => {
    const r = loadReportInputs([at('rloo-1'), at('grpo-2'), at('grpo-1'), at('grpo-1')]);
    expect(r.kind).toBe('runs');
    expect(r.arms.map((a) => [a.name, a.runs.map((x) => [x.seed, x.status])])).toEqual([
      ['rloo', [[1, 'incomplete']]],
      [
        'grpo',
        [
          [1, 'done'],
          [2, 'done'],
        ],
      ],
    ]);
    expect(r.baseline).toBe('rloo');
    expect(loadReportInputs([at('rloo-1'), at('grpo-1')], 'grpo').baseline).toBe('grpo');
  });

  it('refuses bad input with a ConfigError naming the path', () => {
    expect(configError(() => loadReportInputs([at('nope')])).message).toBe(`${at('nope')}: no such directory`);
    expect(configError(() => loadReportInputs([at('file.txt')])).message).toMatch(/file\.txt: not a directory/);
    expect(configError(() => loadReportInputs([at('other')])).message).toMatch(
      /other: neither a sweep directory \(no sweep\.json\) nor a run directory/,
    );
    expect(configError(() => loadReportInputs([at('no-metrics')])).message).toMatch(
      /no-metrics: run directory has no metrics \(no metrics\.jsonl\)/,
    );
    expect(configError(() => loadReportInputs([at('grpo-1'), at('empty-run')])).message).toMatch(
      /empty-run: run directory has no metrics \(metrics\.jsonl has no records\)/,
    );
    expect(configError(() => loadReportInputs([at('grpo-1'), at('sweep')])).message).toMatch(
      /sweep: a sweep directory is reported on its own/,
    );
    expect(configError(() => loadReportInputs([])).message).toMatch(/give a sweep directory/);
  });

  it('names the allowed arms for an unknown baseline', () => {
    const e = configError(() => loadReportInputs([at('sweep')], 'slow'));
    expect(e.message).toBe("--baseline: no arm is named 'slow'; arms: 'base', 'fast'");
    expect(configError(() => loadReportInputs([at('grpo-1'), at('rloo-1')], 'ppo')).message).toBe(
      "--baseline: no arm is named 'ppo'; arms: 'grpo', 'rloo'",
    );
  });

  it('refuses a sweep none of whose runs has metrics', () => {
    const empty = at('empty-sweep');
    mkdirSync(empty);
    writeFileSync(
      join(empty, 'sweep.json'),
      JSON.stringify({
        version: 1,
        name: 'e',
        baseline: 'a',
        arms: [{ name: 'a', set: [] }],
        runs: [{ id: 'a/seed-1', arm: 'a', seed: 1, dir: 'a/seed-1', status: 'queued', attempts: 0 }],
      }),
    );
    expect(configError(() => loadReportInputs([empty])).message).toMatch(/no run of sweep 'e' has metrics yet/);
    writeFileSync(join(empty, 'sweep.json'), '{"version": 2}');
    expect(configError(() => loadReportInputs([empty])).message).toMatch(/not a sweep state file/);
  });
});
