import type { ContainerModule } from 'inversify';
import type { ZodType, z } from 'zod';
import type { SlotName } from './slots';

/** Version of the plugin contract this core implements. Bumped on breaking contract changes. */
export const CORE_API_VERSION = 1;

/**
 * What a plugin package default-exports. Loading it registers nothing; `createModule` is called
 * by `composeContainer` with the plugin's validated options.
 */
export interface PluginManifest<O = unknown> {
  /** Unique plugin id, e.g. `algo-grpo`. */
  readonly id: string;
  /** npm package name, e.g. `@trellis/algo-grpo` (shown in errors and `trellis plugins`). */
  readonly packageName: string;
  readonly version: string;
  readonly description?: string;
  /** The core API version this plugin was written against (`CORE_API_VERSION`). */
  readonly coreApi: number;
  /** Ids this plugin offers per slot. Must match the catalog entries its module binds. */
  readonly provides: Readonly<Partial<Record<SlotName, readonly string[]>>>;
  /** Schema of plugin-level options (config `plugins: [{ from, options }]`). */
  readonly optionsSchema?: ZodType<O>;
  createModule(options: O): ContainerModule;
}

/** Define a plugin manifest with typed options. Pure: returns the manifest unchanged. */
export function definePlugin<S extends ZodType | undefined = undefined>(
  manifest: Omit<PluginManifest<S extends ZodType ? z.output<S> : Record<string, never>>, 'optionsSchema'> & {
    readonly optionsSchema?: S;
  },
): PluginManifest<S extends ZodType ? z.output<S> : Record<string, never>> {
  return manifest as PluginManifest<S extends ZodType ? z.output<S> : Record<string, never>>;
}

/** Structural check used on whatever a plugin module default-exports. */
export function isPluginManifest(value: unknown): value is PluginManifest {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return (
    typeof m.id === 'string' &&
    typeof m.coreApi === 'number' &&
    typeof m.createModule === 'function' &&
    typeof m.provides === 'object' &&
    m.provides !== null
  );
}
