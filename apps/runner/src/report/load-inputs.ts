import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '@trellis/core';
import { parse as parseYaml } from 'yaml';
import { groupRunDirs } from './group-runs';
import { readMetricsFile } from './metrics-file';
import type { FailedRun, LoadedReport, ReportArm, ReportRun, RunStatus } from './types';
import { activeWallSeconds } from './wall-time';

/** The parts of `sweep.json` (written by `trellis sweep`) the report reads. */
interface SweepFile {
  name: string;
  baseline: string;
  arms: { name: string; set: string[] }[];
  runs: { id: string; arm: string; seed: number; dir: string; status: RunStatus; attempts: number; error?: string }[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function readSweepFile(dir: string): SweepFile {
  const file = join(dir, 'sweep.json');
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`cannot read sweep.json: ${(e as Error).message}`, file);
  }
  const ok =
    isObj(data) &&
    data.version === 1 &&
    Array.isArray(data.arms) &&
    Array.isArray(data.runs) &&
    data.runs.every((r) => isObj(r) && typeof r.arm === 'string' && typeof r.dir === 'string' && typeof r.seed === 'number');
  if (!ok) throw new ConfigError('not a sweep state file (expected version 1 with arms and runs)', file);
  return data as unknown as SweepFile;
}

function readConfig(dir: string, required: boolean): Record<string, unknown> {
  const file = join(dir, 'config.yaml');
  if (!existsSync(file)) {
    if (required) throw new ConfigError('run directory has metrics.jsonl but no config.yaml', dir);
    return {};
  }
  let data: unknown;
  try {
    data = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`cannot read config.yaml: ${(e as Error).message.split('\n')[0]}`, file);
  }
  return isObj(data) ? data : {};
}

/** Read one run directory; undefined when it has no metrics record yet. */
function readRun(dir: string, label: string, arm: string, status: RunStatus, configRequired: boolean, seed?: number) {
  const records = readMetricsFile(join(dir, 'metrics.jsonl'));
  if (records.length === 0) return undefined;
  const config = readConfig(dir, configRequired);
  const finished = existsSync(join(dir, 'summary.json'));
  return {
    dir,
    label,
    arm,
    seed: seed ?? (typeof config.seed === 'number' ? config.seed : undefined),
    // What the run directory says wins: one with a summary is done.
    status: finished && status !== 'failed' ? 'done' : status,
    config,
    records,
    wall: activeWallSeconds(records),
  } satisfies ReportRun;
}

function checkDir(input: string): string {
  const dir = resolve(input);
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new ConfigError('no such directory', input);
  }
  if (!isDir) throw new ConfigError('not a directory (give a sweep directory or run directories)', input);
  return dir;
}

function checkBaseline(arms: readonly ReportArm[], baseline: string, asked: boolean): string {
  if (arms.some((a) => a.name === baseline)) return baseline;
  const allowed = arms.map((a) => `'${a.name}'`).join(', ');
  throw new ConfigError(`no arm is named '${baseline}'; arms: ${allowed}`, asked ? '--baseline' : 'sweep.json baseline');
}

function loadSweep(input: string, dir: string, baseline: string | undefined): LoadedReport {
  const sweep = readSweepFile(dir);
  const failed: FailedRun[] = [];
  const byArm = new Map<string, ReportRun[]>(sweep.arms.map((a) => [a.name, []]));
  for (const r of sweep.runs) {
    const runDir = join(dir, r.dir);
    if (r.status === 'failed') {
      failed.push({
        id: r.id,
        arm: r.arm,
        seed: r.seed,
        dir: r.dir,
        attempts: r.attempts,
        error: r.error ?? '(no error recorded)',
      });
      continue;
    }
    const run = readRun(runDir, r.dir, r.arm, r.status, false, r.seed);
    if (!run) continue;
    const list = byArm.get(r.arm);
    if (list) list.push(run);
    else byArm.set(r.arm, [run]);
  }
  const sets = new Map(sweep.arms.map((a) => [a.name, a.set]));
  const arms: ReportArm[] = [...byArm.entries()].map(([name, runs]) => ({
    name,
    set: sets.get(name) ?? [],
    runs: runs.sort((a, b) => (a.seed ?? 0) - (b.seed ?? 0)),
  }));
  if (!arms.some((a) => a.runs.length > 0)) {
    throw new ConfigError(`no run of sweep '${sweep.name}' has metrics yet (${sweep.runs.length} runs in sweep.json)`, input);
  }
  return {
    kind: 'sweep',
    title: `sweep ${sweep.name}`,
    sources: [dir],
    arms,
    baseline: checkBaseline(arms, baseline ?? sweep.baseline, baseline !== undefined),
    failed,
    defaultOut: join(dir, 'report'),
  };
}

function loadRunDirs(inputs: readonly string[], dirs: readonly string[], baseline: string | undefined): LoadedReport {
  const runs: ReportRun[] = [];
  const seen = new Set<string>();
  dirs.forEach((dir, i) => {
    const input = inputs[i] as string;
    if (seen.has(dir)) return;
    seen.add(dir);
    const hasMetrics = existsSync(join(dir, 'metrics.jsonl'));
    if (!hasMetrics && !existsSync(join(dir, 'config.yaml'))) {
      throw new ConfigError(
        'neither a sweep directory (no sweep.json) nor a run directory (no config.yaml or metrics.jsonl)',
        input,
      );
    }
    const run = readRun(dir, input, '', 'incomplete', true);
    if (!run)
      throw new ConfigError(
        `run directory has no metrics (${hasMetrics ? 'metrics.jsonl has no records' : 'no metrics.jsonl'})`,
        input,
      );
    runs.push(run);
  });
  const arms: ReportArm[] = groupRunDirs(runs).map((g) => ({ name: g.name, runs: g.runs.map((r) => ({ ...r, arm: g.name })) }));
  return {
    kind: 'runs',
    title: arms.map((a) => a.name).join(' vs '),
    sources: [...seen],
    arms,
    baseline: checkBaseline(arms, baseline ?? (arms[0] as ReportArm).name, baseline !== undefined),
    failed: [],
    defaultOut: resolve('report'),
  };
}

/**
 * Read the report's inputs: one sweep directory (with `sweep.json`) or one or more run
 * directories. Runs of a sweep are grouped by their arm; run dirs by config (see `groupRunDirs`).
 * Bad input throws `ConfigError` naming the path: missing, not a directory, neither kind, a run dir
 * without metrics, a sweep dir mixed with others, or an unknown `baseline` (naming the arms).
 */
export function loadReportInputs(inputs: readonly string[], baseline?: string): LoadedReport {
  if (inputs.length === 0) throw new ConfigError('give a sweep directory or one or more run directories', 'trellis report');
  const dirs = inputs.map(checkDir);
  const sweeps = dirs.filter((d) => existsSync(join(d, 'sweep.json')));
  if (sweeps.length > 0) {
    if (dirs.length > 1) {
      const i = dirs.indexOf(sweeps[0] as string);
      throw new ConfigError('a sweep directory is reported on its own; give it alone, or give run directories', inputs[i]);
    }
    return loadSweep(inputs[0] as string, dirs[0] as string, baseline);
  }
  return loadRunDirs(inputs, dirs, baseline);
}
