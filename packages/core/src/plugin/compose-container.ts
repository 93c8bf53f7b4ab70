import { dirname, resolve } from 'node:path';
import type { Container } from 'inversify';
import { z } from 'zod';
import { experimentSchema, pluginSpecSchema, type ResolvedConfig } from '../config/experiment-config';
import { formatIssues } from '../config/format-issues';
import type { RawConfig } from '../config/load-config';
import { resolveConfig } from '../config/resolve-config';
import { ConfigError } from '../errors/trellis-error';
import { Rng } from '../rng/rng';
import { Tokens } from '../tokens';
import { bindSlots } from './bind-slots';
import { buildCatalog, type Catalog } from './build-catalog';
import type { LoadedPlugin } from './load-plugin';
import { type LoadPluginsOptions, loadPlugins } from './load-plugins';

/** A composed experiment: the container with every slot bound, the resolved config, the catalog. */
export interface ComposedExperiment {
  readonly container: Container;
  readonly config: ResolvedConfig;
  readonly plugins: readonly LoadedPlugin[];
  readonly catalog: Catalog;
}

/** Accept a `RawConfig` or a plain object (in-memory config). */
export function toRawConfig(config: RawConfig | Record<string, unknown>): RawConfig {
  if ('data' in config && 'overrides' in config && typeof config.data === 'object') return config as RawConfig;
  return { data: config as Record<string, unknown>, file: undefined, overrides: [] };
}

/**
 * Load plugins (built-ins + the config's `plugins:`), validate plugin options, build the catalog,
 * resolve the config against it and bind every chosen implementation to its slot token.
 * Throws `ConfigError` (exit code 2) on any user mistake.
 */
export async function composeContainer(
  config: RawConfig | Record<string, unknown>,
  options: LoadPluginsOptions = {},
): Promise<ComposedExperiment> {
  const raw = toRawConfig(config);
  const specsParsed = z.array(pluginSpecSchema).optional().safeParse(raw.data.plugins);
  if (!specsParsed.success) {
    const line = formatIssues(experimentSchema, specsParsed.error.issues, ['plugins'])[0];
    throw new ConfigError(line ?? 'plugins: invalid', raw.file ?? 'config');
  }
  const specs = specsParsed.data ?? [];
  const baseDir = options.baseDir ?? (raw.file ? dirname(resolve(raw.file)) : process.cwd());
  const plugins = await loadPlugins(specs, {
    ...options,
    baseDir,
    source: options.source ?? raw.file ?? 'config',
  });
  const { container, catalog } = await buildCatalog(plugins);
  const resolved = resolveConfig(raw, catalog, { baseDir });
  container.bind(Tokens.Rng).toConstantValue(Rng.fromSeed(resolved.seed));
  bindSlots(container, resolved, catalog);
  return { container, config: resolved, plugins, catalog };
}
