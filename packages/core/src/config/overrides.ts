import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors/trellis-error';

/** A parsed `--set a.b=c` override. */
export interface Override {
  readonly raw: string;
  readonly path: readonly (string | number)[];
  readonly value: unknown;
}

/**
 * Parse `a.b.c=value`. The value is read as a YAML scalar or flow collection, so `10` is a
 * number, `true` a boolean, `[a, b]` a list, and `"10"` a string. Numeric path segments index lists.
 */
export function parseOverride(raw: string): Override {
  const eq = raw.indexOf('=');
  if (eq <= 0) throw new ConfigError(`expected key.path=value, got '${raw}'`, '--set');
  const key = raw.slice(0, eq).trim();
  const text = raw.slice(eq + 1);
  const segments = key.split('.');
  if (segments.some((s) => s.length === 0)) throw new ConfigError(`empty path segment in '${key}'`, `--set ${raw}`);
  let value: unknown;
  try {
    value = text === '' ? '' : parseYaml(text);
  } catch (e) {
    throw new ConfigError(`cannot read value '${text}': ${(e as Error).message}`, `--set ${raw}`);
  }
  return { raw, path: segments.map((s) => (/^\d+$/.test(s) ? Number(s) : s)), value };
}

/** Apply overrides to a plain config object (copy-on-write); errors name the bad segment. */
export function applyOverrides(config: Record<string, unknown>, overrides: readonly Override[]): Record<string, unknown> {
  const root = structuredClone(config);
  for (const o of overrides) {
    let node: unknown = root;
    for (let i = 0; i < o.path.length; i++) {
      const seg = o.path[i] as string | number;
      const last = i === o.path.length - 1;
      const here = o.path.slice(0, i).join('.') || '(top level)';
      if (Array.isArray(node)) {
        if (typeof seg !== 'number')
          throw new ConfigError(`'${here}' is a list; use a numeric index, not '${seg}'`, `--set ${o.raw}`);
        if (seg > node.length)
          throw new ConfigError(`index ${seg} is out of range for '${here}' (length ${node.length})`, `--set ${o.raw}`);
      } else if (typeof node !== 'object' || node === null) {
        throw new ConfigError(`'${here}' is a ${typeof node}, it has no key '${seg}'`, `--set ${o.raw}`);
      }
      const container = node as Record<string | number, unknown>;
      if (last) {
        container[seg] = o.value;
      } else {
        if (container[seg] === undefined) container[seg] = typeof o.path[i + 1] === 'number' ? [] : {};
        node = container[seg];
      }
    }
  }
  return root;
}
