import { flattenConfig, valueText } from './config-diff';

/** A run dir given on the command line, with its parsed config. */
export interface RunDirInput {
  readonly dir: string;
  readonly config: Record<string, unknown>;
}

/** Runs whose configs are equal except for `seed`, under one arm name. */
export interface RunGroup<T extends RunDirInput> {
  readonly name: string;
  readonly runs: readonly T[];
}

/** JSON with object keys sorted, so that key order does not make two configs differ. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const withoutSeed = (config: Record<string, unknown>): Record<string, unknown> => {
  const { seed: _seed, ...rest } = config;
  return rest;
};

const seedOf = (config: Record<string, unknown>) => (typeof config.seed === 'number' ? config.seed : Number.POSITIVE_INFINITY);

/** Most differing keys named in a disambiguated arm name before the rest are counted. */
const MAX_NAMED_KEYS = 3;

/**
 * Group run dirs into arms: runs whose configs are identical once the top-level `seed` is dropped
 * form one arm, in order of first appearance, runs sorted by seed. An arm is named by its
 * config's `name`; arms that share a name get the keys on which they differ appended,
 * `arithmetic-lanpo (rollout.options.reflectionShare=1)`, and a `#i` suffix if that is not enough.
 */
export function groupRunDirs<T extends RunDirInput>(runs: readonly T[]): RunGroup<T>[] {
  const groups = new Map<string, T[]>();
  for (const run of runs) {
    const key = stableJson(withoutSeed(run.config));
    const list = groups.get(key);
    if (list) list.push(run);
    else groups.set(key, [run]);
  }
  const arms = [...groups.values()].map((list) => [...list].sort((a, b) => seedOf(a.config) - seedOf(b.config)));
  const baseName = (list: T[]) => {
    const name = list[0]?.config.name;
    return typeof name === 'string' && name ? name : 'experiment';
  };
  const names = arms.map(baseName);
  const out: { name: string; runs: T[] }[] = arms.map((list, i) => ({ name: names[i] as string, runs: list }));
  for (const name of new Set(names)) {
    const clash = out.filter((a) => a.name === name);
    if (clash.length < 2) continue;
    const flat = clash.map((a) => flattenConfig(withoutSeed((a.runs[0] as T).config)));
    const keys = [...new Set(flat.flatMap((f) => [...f.keys()]))].filter(
      (k) => new Set(flat.map((f) => valueText(f.get(k)))).size > 1,
    );
    clash.forEach((arm, j) => {
      const f = flat[j] as Map<string, unknown>;
      const parts = keys.slice(0, MAX_NAMED_KEYS).map((k) => `${k}=${valueText(f.get(k))}`);
      if (keys.length > MAX_NAMED_KEYS) parts.push(`+${keys.length - MAX_NAMED_KEYS} more`);
      arm.name = `${name} (${parts.join(', ')})`;
    });
  }
  const counts = new Map<string, number>();
  for (const arm of out) {
    const n = (counts.get(arm.name) ?? 0) + 1;
    counts.set(arm.name, n);
    if (n > 1) arm.name = `${arm.name} #${n}`;
  }
  return out;
}
