import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, listOf } from '../errors/trellis-error';
import { isPluginManifest, type PluginManifest } from './define-plugin';

/** Imports a plugin module (returns the module namespace). */
export type PluginLoader = () => Promise<unknown>;

/** A loaded manifest and where it came from. */
export interface LoadedPlugin {
  readonly manifest: PluginManifest;
  /** Human description of the origin, e.g. `built-in 'grpo'` or `./my-plugin (config plugins[0])`. */
  readonly origin: string;
  /** Resolved file or package the code was imported from. */
  readonly location: string;
  /** Raw plugin-level options from the config. */
  readonly options: Record<string, unknown>;
}

export interface LoadPluginOptions {
  /** Built-in aliases: short name -> loader. */
  readonly aliases: Readonly<Record<string, PluginLoader>>;
  /** Directory relative paths are resolved against (the config file's folder). */
  readonly baseDir: string;
  /** Where the spec came from, for errors (e.g. `exp.yaml plugins[0]`). */
  readonly where: string;
}

function isPathSpec(spec: string): boolean {
  return spec.startsWith('.') || isAbsolute(spec) || spec.startsWith('file:');
}

type Exports = string | { [k: string]: Exports } | undefined;

/** Largest package.json read when resolving a plugin's entry. */
const MAX_PACKAGE_JSON_BYTES = 1024 * 1024;

function readPackageJson(pj: string, where: string): { exports?: Exports; main?: string; module?: string } {
  let pkg: unknown;
  try {
    const size = statSync(pj).size;
    if (size > MAX_PACKAGE_JSON_BYTES) {
      throw new ConfigError(`${pj}: package.json is ${size} bytes, over the ${MAX_PACKAGE_JSON_BYTES}-byte limit`, where);
    }
    pkg = JSON.parse(readFileSync(pj, 'utf8'));
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const problem = e instanceof SyntaxError ? `malformed JSON (${e.message})` : ((e as NodeJS.ErrnoException).code ?? String(e));
    throw new ConfigError(`cannot read the plugin's ${pj}: ${problem}`, where);
  }
  if (typeof pkg !== 'object' || pkg === null || Array.isArray(pkg)) {
    throw new ConfigError(`the plugin's ${pj} is not a JSON object`, where);
  }
  const { main, module } = pkg as { main?: unknown; module?: unknown };
  for (const [key, value] of [
    ['main', main],
    ['module', module],
  ] as const) {
    if (value !== undefined && typeof value !== 'string') {
      throw new ConfigError(`the plugin's ${pj}: '${key}' must be a string path, got ${JSON.stringify(value)}`, where);
    }
  }
  return pkg as { exports?: Exports; main?: string; module?: string };
}

function entryFromPackageJson(dir: string, where: string): string | undefined {
  const pj = join(dir, 'package.json');
  if (!existsSync(pj)) return undefined;
  const pkg = readPackageJson(pj, where);
  let exp: Exports = pkg.exports;
  if (exp && typeof exp === 'object' && '.' in exp) exp = exp['.'];
  while (exp && typeof exp === 'object') exp = exp.import ?? exp.default ?? exp.node;
  const rel = typeof exp === 'string' ? exp : (pkg.module ?? pkg.main ?? 'index.js');
  return join(dir, rel);
}

/** Find `node_modules/<name>` walking up from `from`. */
function findPackageDir(name: string, from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function resolveSpec(spec: string, baseDir: string, where: string): string {
  if (isPathSpec(spec)) {
    const path = spec.startsWith('file:') ? new URL(spec).pathname : resolve(baseDir, spec);
    if (!existsSync(path)) throw new ConfigError(`plugin path '${spec}' does not exist (resolved to ${path})`, where);
    if (statSync(path).isDirectory()) {
      const entry = entryFromPackageJson(path, where) ?? join(path, 'index.js');
      if (!existsSync(entry))
        throw new ConfigError(`plugin directory '${spec}' has no built entry ${entry} (run its build first)`, where);
      return entry;
    }
    return path;
  }
  for (const from of [baseDir, process.cwd()]) {
    const dir = findPackageDir(spec, from);
    if (dir) {
      const entry = entryFromPackageJson(dir, where);
      if (entry && existsSync(entry)) return entry;
    }
  }
  return spec;
}

/**
 * Load one plugin by built-in alias, npm package name or file path. Importing runs the plugin's
 * code: only load plugins you trust. Nothing is registered until `createModule` is called.
 */
export async function loadPlugin(
  spec: string,
  options: LoadPluginOptions,
  pluginOptions: Record<string, unknown> = {},
): Promise<LoadedPlugin> {
  const alias = options.aliases[spec];
  let mod: unknown;
  let location: string;
  let origin: string;
  if (alias) {
    mod = await alias();
    location = spec;
    origin = `built-in '${spec}'`;
  } else {
    location = resolveSpec(spec, options.baseDir, options.where);
    origin = `${spec} via ${options.where}`;
    try {
      mod = await import(location.startsWith('/') ? pathToFileURL(location).href : location);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (!isPathSpec(spec) && (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND')) {
        throw new ConfigError(
          `unknown plugin '${spec}': not a built-in alias (${listOf(Object.keys(options.aliases))}), ` +
            'not an installed npm package, and not a path (paths start with ./, ../ or /)',
          options.where,
        );
      }
      throw new ConfigError(`plugin '${spec}' failed to load: ${err.message}`, options.where);
    }
  }
  const manifest = (mod as { default?: unknown }).default ?? mod;
  if (!isPluginManifest(manifest)) {
    throw new ConfigError(
      `'${spec}' does not default-export a Trellis plugin manifest (use definePlugin from @trellis/core)`,
      options.where,
    );
  }
  return { manifest, origin, location, options: pluginOptions };
}
