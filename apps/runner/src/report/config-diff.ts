const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Flatten a config into `--set`-style key paths (`trainer.steps`, `rewards.0.weight`) mapped to
 * their leaf values, in config order. Empty objects and lists are leaves of their own.
 */
export function flattenConfig(config: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  const entries: [string, unknown][] = Array.isArray(config)
    ? config.map((v, i) => [String(i), v])
    : isObj(config)
      ? Object.entries(config)
      : [];
  if (entries.length === 0) {
    if (prefix) out.set(prefix, config);
    return out;
  }
  for (const [k, v] of entries) flattenConfig(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

/** A config leaf as text: strings as they are, everything else as JSON; `(unset)` when absent. */
export function valueText(value: unknown): string {
  if (value === undefined) return '(unset)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** One key whose value differs between arms: the value text of each arm, in arm order. */
export interface ConfigDiffRow {
  readonly key: string;
  readonly values: readonly string[];
}

/**
 * The flattened config keys whose values differ across arms, top-level `seed` left out. Each arm
 * is given as the configs of its runs; where the runs of one arm disagree on a key the arm's value
 * lists the distinct values joined by ` | `. Keys come in the order they first appear.
 */
export function configDiff(arms: readonly (readonly Record<string, unknown>[])[]): ConfigDiffRow[] {
  const flat = arms.map((configs) => configs.map((c) => flattenConfig(c)));
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const runs of flat) {
    for (const run of runs) {
      for (const key of run.keys()) {
        if (key === 'seed' || seen.has(key)) continue;
        seen.add(key);
        keys.push(key);
      }
    }
  }
  const rows: ConfigDiffRow[] = [];
  for (const key of keys) {
    const values = flat.map((runs) => [...new Set(runs.map((run) => valueText(run.get(key))))].join(' | '));
    if (new Set(values).size > 1) rows.push({ key, values });
  }
  return rows;
}
