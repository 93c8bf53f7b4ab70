import {
  applyOverrides,
  type ComposedExperiment,
  composeContainer,
  type LoadPluginsOptions,
  loadConfigFile,
  parseOverride,
  type RawConfig,
} from '@trellis/core';
import { BUILTIN_PLUGINS } from './builtins';

/** Read an experiment file with `--set` overrides and compose it with the built-in plugins. */
export async function composeFromFile(
  file: string,
  sets: readonly string[] = [],
  options: LoadPluginsOptions = {},
): Promise<ComposedExperiment> {
  const raw: RawConfig = await loadConfigFile(file, sets);
  return composeContainer(raw, { builtins: BUILTIN_PLUGINS, ...options });
}

/** Compose an in-memory config (no file) with the built-ins. */
export async function composeFromObject(
  data: Record<string, unknown>,
  sets: readonly string[] = [],
  options: LoadPluginsOptions = {},
): Promise<ComposedExperiment> {
  const raw: RawConfig = { data: applyOverrides(data, sets.map(parseOverride)), file: undefined, overrides: sets };
  return composeContainer(raw, { builtins: BUILTIN_PLUGINS, ...options });
}
