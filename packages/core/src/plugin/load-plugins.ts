import { formatIssues } from '../config/format-issues';
import { ConfigError, PluginError } from '../errors/trellis-error';
import { CORE_API_VERSION, type PluginManifest } from './define-plugin';
import { type LoadedPlugin, loadPlugin, type PluginLoader } from './load-plugin';

export interface LoadPluginsOptions {
  /** Built-in aliases: short name -> loader. */
  readonly builtins?: Readonly<Record<string, PluginLoader>>;
  /** Load every built-in (default true); a list loads only those aliases. */
  readonly loadBuiltins?: boolean | readonly string[];
  /** Already-imported manifests to include (tests, embedding applications). */
  readonly manifests?: readonly PluginManifest[];
  /** Folder for relative plugin paths. */
  readonly baseDir?: string;
  /** Name of the config source for errors. */
  readonly source?: string;
  /**
   * The `--set` strings applied to the config (`RawConfig.overrides`): a plugin entry one of them
   * wrote (`plugins=[...]`, `plugins.0=...`, `plugins.0.from=...`) is blamed on that `--set`, not
   * on the file.
   */
  readonly overrides?: readonly string[];
}

/** The last `--set` that wrote `plugins[index]` (or the whole list), if any. */
function overrideOf(index: number, overrides: readonly string[]): string | undefined {
  let found: string | undefined;
  for (const raw of overrides) {
    const eq = raw.indexOf('=');
    if (eq <= 0) continue;
    const [head, at] = raw.slice(0, eq).trim().split('.');
    if (head === 'plugins' && (at === undefined || at === String(index))) found = raw;
  }
  return found;
}

/**
 * Load built-ins, given manifests and the config's `plugins:` list. Checks core API versions,
 * duplicate plugin ids (naming both origins) and plugin-level options.
 */
export async function loadPlugins(specs: readonly unknown[], options: LoadPluginsOptions): Promise<LoadedPlugin[]> {
  const aliases = options.builtins ?? {};
  const baseDir = options.baseDir ?? process.cwd();
  const source = options.source ?? 'config';
  const loaded: LoadedPlugin[] = [];
  const builtinNames =
    options.loadBuiltins === false ? [] : Array.isArray(options.loadBuiltins) ? options.loadBuiltins : Object.keys(aliases);
  const fromOf = (spec: unknown): string => (typeof spec === 'string' ? spec : (spec as { from: string }).from);
  const requested = new Set(specs.map(fromOf));
  for (const m of options.manifests ?? []) {
    loaded.push({ manifest: m, origin: `embedded ${m.packageName}`, location: m.packageName, options: {} });
  }
  for (const name of builtinNames) {
    if (requested.has(name)) continue;
    const loader = aliases[name];
    if (!loader) throw new PluginError(`built-in plugin alias '${name}' has no loader`);
    loaded.push(await loadPlugin(name, { aliases, baseDir, where: 'built-ins' }));
  }
  for (const [i, spec] of specs.entries()) {
    const opts = typeof spec === 'string' ? {} : ((spec as { options?: Record<string, unknown> }).options ?? {});
    const set = overrideOf(i, options.overrides ?? []);
    const where = set ? `--set ${set}` : `${source} plugins[${i}]`;
    loaded.push(await loadPlugin(fromOf(spec), { aliases, baseDir, where }, opts));
  }

  const byId = new Map<string, LoadedPlugin>();
  for (const p of loaded) {
    const { manifest } = p;
    if (manifest.coreApi !== CORE_API_VERSION) {
      throw new ConfigError(
        `plugin '${manifest.id}' (${manifest.packageName}, from ${p.origin}) targets core API ${manifest.coreApi}, ` +
          `but this @trellis/core provides API ${CORE_API_VERSION}; install a plugin version built for core API ${CORE_API_VERSION}`,
      );
    }
    const other = byId.get(manifest.id);
    if (other) {
      throw new ConfigError(
        `duplicate plugin id '${manifest.id}': provided by ${other.manifest.packageName} (${other.origin}) ` +
          `and by ${manifest.packageName} (${p.origin}); remove one of them`,
      );
    }
    byId.set(manifest.id, p);
    if (manifest.optionsSchema) {
      const parsed = manifest.optionsSchema.safeParse(p.options);
      if (!parsed.success) {
        const lines = formatIssues(manifest.optionsSchema, parsed.error.issues, ['options']);
        throw new ConfigError(`invalid options for plugin '${manifest.id}':\n  ${lines.join('\n  ')}`, p.origin);
      }
      (p as { options: unknown }).options = parsed.data;
    } else if (Object.keys(p.options).length > 0) {
      throw new ConfigError(`plugin '${manifest.id}' takes no options, got: ${Object.keys(p.options).join(', ')}`, p.origin);
    }
  }
  return loaded;
}
