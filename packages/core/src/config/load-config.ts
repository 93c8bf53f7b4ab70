import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError } from '../errors/trellis-error';
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

/** Read an experiment file and apply `--set` overrides. */
export async function loadConfigFile(file: string, sets: readonly string[] = []): Promise<RawConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, file);
  }
  const data = applyOverrides(parseConfigText(text, file), sets.map(parseOverride));
  return { data, file, overrides: sets };
}
