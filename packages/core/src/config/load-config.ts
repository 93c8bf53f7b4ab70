import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError } from '../errors/trellis-error';
import { mergeUnder } from '../plugin/merge-preset';
import { applyOverrides, parseOverride } from './overrides';

/** A config as read from disk with overrides applied, before plugin resolution. */
export interface RawConfig {
  readonly data: Record<string, unknown>;
  /** The file it came from (undefined for in-memory configs). */
  readonly file: string | undefined;
  /** The `--set` strings applied, for error attribution. */
  readonly overrides: readonly string[];
}

/** Parse YAML or JSON text; syntax errors carry `file:line:col`. */
export function parseConfigText(text: string, file = '<config>'): Record<string, unknown> {
  let data: unknown;
  try {
    if (extname(file) === '.json') data = JSON.parse(text);
    else data = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const pos = e.linePos?.[0];
      const loc = pos ? `${file}:${pos.line}:${pos.col}` : file;
      throw new ConfigError(`malformed YAML: ${(e.message.split('\n')[0] ?? '').replace(/:\s*$/, '')}`, loc);
    }
    throw new ConfigError(`malformed ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message}`, file);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError('the top level of an experiment file must be a mapping (key: value)', file);
  }
  return data as Record<string, unknown>;
}

/** Make a base file's relative plugin paths independent of the file that extends it. */
function absolutePluginPaths(data: Record<string, unknown>, dir: string): Record<string, unknown> {
  if (!Array.isArray(data.plugins)) return data;
  const fix = (spec: unknown) => (typeof spec === 'string' && spec.startsWith('.') ? resolve(dir, spec) : spec);
  const plugins = data.plugins.map((p) =>
    typeof p === 'object' && p !== null && 'from' in p ? { ...p, from: fix((p as { from: unknown }).from) } : fix(p),
  );
  return { ...data, plugins };
}

async function readConfigData(file: string, chain: readonly string[]): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const via = chain.length ? ` (extended by ${chain[chain.length - 1]})` : '';
    throw new ConfigError(`cannot read config file${via}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, file);
  }
  const data = parseConfigText(text, file);
  const parent = data.extends;
  if (parent === undefined) return data;
  if (typeof parent !== 'string') throw new ConfigError(`'extends' must be a path to another experiment file`, file);
  const parentFile = resolve(dirname(file), parent);
  if ([...chain, resolve(file)].includes(parentFile))
    throw new ConfigError(`'extends' forms a cycle through ${parentFile}`, file);
  const base = absolutePluginPaths(await readConfigData(parentFile, [...chain, resolve(file)]), dirname(parentFile));
  const { extends: _, ...own } = data;
  return mergeUnder(base, own) as Record<string, unknown>;
}

/**
 * Read an experiment file and apply `--set` overrides. A file may say `extends: ./base.yaml`
 * (relative to itself): the base is merged under it (objects recursively, lists of choices by `use`,
 * a different `use` replaces the base's choice and options).
 */
export async function loadConfigFile(file: string, sets: readonly string[] = []): Promise<RawConfig> {
  const data = applyOverrides(await readConfigData(file, []), sets.map(parseOverride));
  return { data, file, overrides: sets };
}
