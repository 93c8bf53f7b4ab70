import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors/trellis-error';

/** A parsed `--set a.b=c` override. */
export interface Override {
  readonly raw: string;
  readonly path: readonly (string | number)[];
  readonly value: unknown;
}

/**
 * Key names that would reach an object's prototype instead of a config key; refused in `--set`
 * paths, and `__proto__` also as a key inside values and files.
 */
export const FORBIDDEN_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/**
 * The path (`a.b.__proto__`) of the first own `__proto__` key found in `value`, or undefined.
 * Parsers (JSON, YAML) keep such a key as an ordinary own property, but spreading or merging the
 * object would turn it into a prototype, so config data must not hold one.
 */
export function findProtoKey(value: unknown, path: readonly (string | number)[] = []): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.keys(value).map((k) => [k, (value as Record<string, unknown>)[k]]);
  for (const [k, v] of entries) {
    if (k === '__proto__') return [...path, k].join('.');
    const found = findProtoKey(v, [...path, k]);
    if (found) return found;
  }
  return undefined;
}

/**
 * Parse `a.b.c=value`. The value is read as a YAML scalar or flow collection, so `10` is a
 * number, `true` a boolean, `[a, b]` a list, and `"10"` a string. Numeric path segments index lists.
 * Path segments `__proto__`, `constructor` and `prototype` are refused (they name no config key).
 */
export function parseOverride(raw: string): Override {
  const eq = raw.indexOf('=');
  if (eq <= 0) throw new ConfigError(`expected key.path=value, got '${raw}'`, '--set');
  const key = raw.slice(0, eq).trim();
  const text = raw.slice(eq + 1);
  const segments = key.split('.');
  if (segments.some((s) => s.length === 0)) throw new ConfigError(`empty path segment in '${key}'`, `--set ${raw}`);
  const forbidden = segments.find((s) => FORBIDDEN_KEYS.includes(s));
  if (forbidden) {
    throw new ConfigError(
      `path segment '${forbidden}' is not allowed (${FORBIDDEN_KEYS.join(', ')} name no config key); use the key path of a config value, e.g. trainer.steps=10`,
      `--set ${raw}`,
    );
  }
  let value: unknown;
  try {
    value = text === '' ? '' : parseYaml(text);
  } catch (e) {
    const first = ((e as Error).message.split('\n')[0] ?? '').replace(/:\s*$/, '');
    throw new ConfigError(`cannot read value '${text}' as YAML: ${first}`, `--set ${raw}`);
  }
  const proto = findProtoKey(value, segments);
  if (proto) throw new ConfigError(`${proto}: key '__proto__' is not allowed in a config value`, `--set ${raw}`);
  return { raw, path: segments.map((s) => (/^\d+$/.test(s) ? Number(s) : s)), value };
}

/**
 * Apply overrides to a plain config object (copy-on-write); errors name the bad segment. Only own
 * keys are followed, so an inherited property (`toString`) is never mistaken for a config value.
 */
export function applyOverrides(config: Record<string, unknown>, overrides: readonly Override[]): Record<string, unknown> {
  const root = structuredClone(config);
  for (const o of overrides) {
    const bad = o.path.find((s) => typeof s === 'string' && FORBIDDEN_KEYS.includes(s));
    if (bad !== undefined) throw new ConfigError(`path segment '${bad}' is not allowed`, `--set ${o.raw}`);
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
      const own = Object.hasOwn(container, seg) ? container[seg] : undefined;
      if (last) {
        container[seg] = o.value;
      } else {
        if (own === undefined) container[seg] = typeof o.path[i + 1] === 'number' ? [] : {};
        node = container[seg];
      }
    }
  }
  return root;
}
