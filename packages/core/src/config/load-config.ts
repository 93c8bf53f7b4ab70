import { open } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError } from '../errors/trellis-error';
import { armName } from './arm-name';
import { applyOverrides, findProtoKey, parseOverride } from './overrides';

/**
 * Largest experiment file read (1 MiB). Real configs are a few KiB; a larger file is refused before
 * it is read, so a wrong path (a dataset, a checkpoint) fails at once instead of filling memory.
 */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** A config as read from disk with overrides applied, before plugin resolution. */
export interface RawConfig {
  readonly data: Record<string, unknown>;
  /** The file it came from (undefined for in-memory configs). */
  readonly file: string | undefined;
  /** The `--set` strings applied, for error attribution. */
  readonly overrides: readonly string[];
  /**
   * The directory a relative path at `path` (a key path into `data`) resolves against: that of the
   * file that set the value (through `extends`, the base file that set it). Undefined, or a result
   * of undefined, means the directory of `file` (the working directory for an in-memory config).
   * A value written by a `--set` always resolves against the working directory.
   */
  readonly baseDirOf?: (path: readonly PropertyKey[]) => string | undefined;
}

/** Which file set each value of a merged config: a tree parallel to the data. */
interface Origin {
  readonly file: string;
  readonly kids?: Readonly<Record<string, Origin>>;
}

function originOf(value: unknown, file: string): Origin {
  if (typeof value !== 'object' || value === null) return { file };
  const kids: Record<string, Origin> = {};
  for (const [k, v] of Object.entries(value)) kids[k] = originOf(v, file);
  return { file, kids };
}

interface Tracked {
  readonly value: unknown;
  readonly origin: Origin | undefined;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const useOf = (v: unknown): string | undefined => (isObj(v) && typeof v.use === 'string' ? v.use : undefined);

/**
 * `mergeUnder` of plugin/merge-preset (same rules: objects key by key, lists of choices by `use`, a different `use`
 * takes nothing from the base) that also merges the origin trees, so each merged value still
 * knows the file that set it.
 */
function mergeTracked(base: Tracked, own: Tracked): Tracked {
  const kid = (t: Tracked, k: string): Tracked => ({
    value: (t.value as Record<string, unknown> | undefined)?.[k],
    origin: t.origin?.kids?.[k],
  });
  if (own.value === undefined) return { value: structuredClone(base.value), origin: base.origin };
  const file = own.origin?.file ?? base.origin?.file ?? '';
  if (isObj(base.value) && isObj(own.value)) {
    if (useOf(base.value) !== undefined && useOf(own.value) !== undefined && useOf(base.value) !== useOf(own.value)) return own;
    const value: Record<string, unknown> = { ...own.value };
    const kids: Record<string, Origin> = { ...own.origin?.kids };
    for (const k of Object.keys(base.value)) {
      const merged = mergeTracked(kid(base, k), kid(own, k));
      value[k] = merged.value;
      if (merged.origin) kids[k] = merged.origin;
    }
    return { value, origin: { file, kids } };
  }
  if (Array.isArray(base.value) && Array.isArray(own.value)) {
    const used = new Set(own.value.map(useOf).filter((u): u is string => u !== undefined));
    const value: unknown[] = [...own.value];
    const kids: Record<string, Origin> = { ...own.origin?.kids };
    base.value.forEach((item, i) => {
      if (used.has(useOf(item) ?? '\u0000')) return;
      const origin = base.origin?.kids?.[String(i)];
      if (origin) kids[String(value.length)] = origin;
      value.push(item);
    });
    return { value, origin: { file, kids } };
  }
  return own;
}

/** The file that set the value at `path`: the deepest origin recorded along it. */
function fileAt(origin: Origin, path: readonly PropertyKey[]): string {
  let node = origin;
  for (const seg of path) {
    const next = node.kids?.[String(seg)];
    if (!next) break;
    node = next;
  }
  return node.file;
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
  const proto = findProtoKey(data);
  if (proto) throw new ConfigError(`${proto}: key '__proto__' is not allowed in an experiment file`, file);
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

/** Read a config file as UTF-8, refusing one that is not a regular file or is over `MAX_CONFIG_BYTES`. */
async function readConfigText(file: string, chain: readonly string[]): Promise<string> {
  const via = chain.length ? ` (extended by ${chain[chain.length - 1]})` : '';
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(file, 'r');
    const info = await handle.stat();
    if (info.isDirectory())
      throw new ConfigError(`cannot read config file${via}: it is a directory, not a YAML or JSON file`, file);
    if (info.size > MAX_CONFIG_BYTES) {
      throw new ConfigError(
        `config file${via} is ${info.size} bytes, over the ${MAX_CONFIG_BYTES}-byte limit for experiment files (is it the right file?)`,
        file,
      );
    }
    // Read at most one byte past the limit: a file that grows or a FIFO cannot make this unbounded.
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_CONFIG_BYTES) {
        throw new ConfigError(`config file${via} is over the ${MAX_CONFIG_BYTES}-byte limit for experiment files`, file);
      }
    }
    return buffer.subarray(0, length).toString('utf8');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`cannot read config file${via}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, file);
  } finally {
    await handle?.close();
  }
}

async function readConfigData(file: string, chain: readonly string[]): Promise<Tracked & { value: Record<string, unknown> }> {
  const text = await readConfigText(file, chain);
  const data = parseConfigText(text, file);
  const parent = data.extends;
  if (parent === undefined) return { value: data, origin: originOf(data, resolve(file)) };
  if (typeof parent !== 'string') throw new ConfigError(`'extends' must be a path to another experiment file`, file);
  const parentFile = resolve(dirname(file), parent);
  if ([...chain, resolve(file)].includes(parentFile))
    throw new ConfigError(`'extends' forms a cycle through ${parentFile}`, file);
  const base = await readConfigData(parentFile, [...chain, resolve(file)]);
  const { extends: _, ...own } = data;
  const merged = mergeTracked(
    { value: absolutePluginPaths(base.value, dirname(parentFile)), origin: base.origin },
    { value: own, origin: originOf(own, resolve(file)) },
  );
  return merged as Tracked & { value: Record<string, unknown> };
}

/**
 * Read an experiment file and apply `--set` overrides. A file may say `extends: ./base.yaml`
 * (relative to itself): the base is merged under it (objects recursively, lists of choices by `use`,
 * a different `use` replaces the base's choice and options). The result remembers which file set
 * each value (`baseDirOf`), so relative paths in options resolve against the file that wrote them.
 * Overrides that change which plugin fills a slot append that arm to `name` ({@link armName}).
 */
export async function loadConfigFile(file: string, sets: readonly string[] = []): Promise<RawConfig> {
  const read = await readConfigData(file, []);
  const data = applyOverrides(read.value, sets.map(parseOverride));
  // A --set that swaps an arm renames the run (`arithmetic-grpo+advantage=rloo`).
  const renamed = armName(read.value, data, sets);
  if (renamed !== undefined) data.name = renamed;
  const origin = read.origin ?? { file: resolve(file) };
  return { data, file, overrides: sets, baseDirOf: (path) => dirname(fileAt(origin, path)) };
}
