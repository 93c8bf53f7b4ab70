import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { ConfigError, formatIssues, parseConfigText, parseOverride } from '@trellis/core';
import { z } from 'zod';
import { safeName } from '../run-paths';

/** A scalar, list or mapping a `--set` can carry. */
const value = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.unknown()), z.record(z.string(), z.unknown())]);

/** Overrides: a mapping `key.path: value`, or a list of `key.path=value` strings (as given to `--set`). */
const overrides = z.union([z.record(z.string(), value), z.array(z.string())]);

const armSchema = z.strictObject({
  /** Arm name: its directory under the sweep directory (default: its overrides, `key=value,...`). */
  name: z.string().min(1).optional(),
  /** This arm's overrides, on top of the sweep's `set`. */
  set: overrides.optional(),
});

/** The sweep file's shape (documented in the README, "Sweeps"). */
export const sweepSchema = z.strictObject({
  /** Sweep name (default: the file's base name); the default output directory is `sweeps/<name>`. */
  name: z.string().min(1).optional(),
  /** The base experiment file, relative to the sweep file. */
  experiment: z.string().min(1),
  /** Seeds every arm runs with: a list, or a count n (seeds 1..n). Default [1]. */
  seeds: z.union([z.array(z.number().int()).min(1), z.number().int().min(1).max(1000)]).optional(),
  /** Overrides applied to every run. */
  set: overrides.optional(),
  /** An explicit list of arms. */
  arms: z.array(armSchema).min(1).optional(),
  /** Axes `key.path: [values]`: one arm per combination (the grid product), after the `arms` list. */
  grid: z.record(z.string(), z.array(value).min(1)).optional(),
  /** Arm the report compares every other arm against (default: the first arm). */
  baseline: z.string().min(1).optional(),
  /** How many times a failed run (not a config error) is retried before it is recorded as failed. Default 1. */
  retries: z.number().int().min(0).max(10).optional(),
});

/** One arm: a name and its `--set` strings (the sweep's own first). */
export interface SweepArm {
  readonly name: string;
  readonly set: readonly string[];
}

/** A parsed, expanded sweep file. */
export interface SweepPlan {
  readonly name: string;
  /** The sweep file, absolute. */
  readonly file: string;
  /** The base experiment file, absolute. */
  readonly experiment: string;
  readonly seeds: readonly number[];
  readonly arms: readonly SweepArm[];
  readonly baseline: string;
  readonly retries: number;
}

/** `value` as the text after `=` of a `--set` (read back as YAML): strings as they are when that round-trips. */
function setText(v: unknown): string {
  if (typeof v === 'string') {
    const plain = /^[A-Za-z_][A-Za-z0-9_./+-]*$/.test(v) && !/^(true|false|null|yes|no|on|off|~)$/i.test(v);
    return plain ? v : JSON.stringify(v);
  }
  return JSON.stringify(v);
}

/** Overrides as `key=value` strings, each checked by core's `--set` parser (errors name `where`). */
function toSets(o: z.infer<typeof overrides> | undefined, where: string): string[] {
  if (!o) return [];
  const sets = Array.isArray(o) ? o : Object.entries(o).map(([k, v]) => `${k}=${setText(v)}`);
  sets.forEach((s, i) => {
    let path: readonly (string | number)[];
    try {
      path = parseOverride(s).path;
    } catch (e) {
      throw new ConfigError((e as Error).message, Array.isArray(o) ? `${where}[${i}]` : where);
    }
    if (path[0] === 'seed' && path.length === 1) {
      throw new ConfigError("'seed' is set by the sweep's 'seeds' list, not by overrides", `${where} (${s})`);
    }
  });
  return sets;
}

/** A name safe as one directory: letters, digits and `. _ - + = ,`; other runs of characters become `_`. */
export const armDir = (name: string): string => safeName(name).replace(/^\.+/, '_');

/** The arms of a sweep: the explicit list, then one per grid combination. */
function expandArms(data: z.infer<typeof sweepSchema>, file: string): SweepArm[] {
  const arms: SweepArm[] = (data.arms ?? []).map((a, i) => {
    const set = toSets(a.set, `${file}: arms[${i}].set`);
    return { name: a.name ?? (set.length ? set.join(',') : 'base'), set };
  });
  const axes = Object.entries(data.grid ?? {});
  axes.forEach(([key]) => toSets([`${key}=0`], `${file}: grid`));
  let combos: string[][] = axes.length ? [[]] : [];
  for (const [key, values] of axes) combos = combos.flatMap((c) => values.map((v) => [...c, `${key}=${setText(v)}`]));
  for (const set of combos) arms.push({ name: set.join(','), set });
  if (arms.length === 0) arms.push({ name: 'base', set: [] });
  const seen = new Map<string, string>();
  for (const arm of arms) {
    const dir = armDir(arm.name);
    const other = seen.get(dir);
    if (other !== undefined) {
      throw new ConfigError(
        `two arms share the name '${arm.name}'${other !== arm.name ? ` (as directory '${dir}', like '${other}')` : ''}; give each arm a distinct 'name'`,
        file,
      );
    }
    seen.set(dir, arm.name);
  }
  return arms;
}

/** Parse and check sweep-file data (already read from YAML/JSON). Errors: `ConfigError` naming the key path. */
export function parseSweep(data: Record<string, unknown>, file: string): SweepPlan {
  const parsed = sweepSchema.safeParse(data);
  if (!parsed.success) {
    throw new ConfigError(`invalid sweep file:\n  ${formatIssues(sweepSchema, parsed.error.issues).join('\n  ')}`, file);
  }
  const d = parsed.data;
  const experiment = resolve(dirname(file), d.experiment);
  let isFile = false;
  try {
    isFile = statSync(experiment).isFile();
  } catch {}
  if (!isFile)
    throw new ConfigError(`experiment: no such file '${d.experiment}' (resolved against the sweep file: ${experiment})`, file);
  const seeds = typeof d.seeds === 'number' ? Array.from({ length: d.seeds }, (_, i) => i + 1) : (d.seeds ?? [1]);
  if (new Set(seeds).size !== seeds.length) throw new ConfigError(`seeds: repeated seed in [${seeds.join(', ')}]`, file);
  const common = toSets(d.set, `${file}: set`);
  const arms = expandArms(d, file).map((a) => ({ name: a.name, set: [...common, ...a.set] }));
  const baseline = d.baseline ?? (arms[0] as SweepArm).name;
  if (!arms.some((a) => a.name === baseline)) {
    throw new ConfigError(`baseline: no arm is named '${baseline}'; arms: ${arms.map((a) => a.name).join(', ')}`, file);
  }
  return {
    name: d.name ?? basename(file, extname(file)),
    file,
    experiment,
    seeds,
    arms,
    baseline,
    retries: d.retries ?? 1,
  };
}

/** Read a sweep file (YAML or JSON). */
export function loadSweepFile(path: string): SweepPlan {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? 'no such sweep file' : `cannot read the sweep file (${code})`, path);
  }
  return parseSweep(parseConfigText(text, file), file);
}
