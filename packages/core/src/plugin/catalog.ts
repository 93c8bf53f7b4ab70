import { ContainerModule, type ContainerModuleLoadOptions, type Newable } from 'inversify';
import type { ZodType } from 'zod';
import { Tokens } from '../tokens';
import type { SlotName } from './slots';

/** A partial experiment config merged *under* the user's config when a catalog entry is chosen. */
export type ConfigPatch = Readonly<Record<string, unknown>>;

/** What {@link CatalogEntry.resolveOptions} is told about the choice it resolves. */
export interface ResolveOptionsContext {
  /** Key path of the choice's options in the config, e.g. `['policy', 'options']` or `['rewards', 0, 'options']`. */
  readonly path: readonly (string | number)[];
  /**
   * The options as the config wrote them (file, `extends`, `--set` and presets merged), before the
   * schema filled in defaults: a key present here is one the user (or a preset) set.
   */
  readonly given: Readonly<Record<string, unknown>>;
  /** Directory of the config file (the working directory for an in-memory config). */
  readonly baseDir: string;
  /**
   * The directory a relative path in the option at `key` (relative to the options) resolves
   * against: that of the config file that set it (through `extends`, the base file that wrote
   * it), the working directory for a `--set` or an in-memory config.
   */
  dirOf(key: readonly (string | number)[]): string;
  /**
   * `value` (the path-valued option at `key`) as an absolute path, resolved against
   * {@link dirOf}(key). A hook returns options with absolute paths, so the resolved config (and a
   * run's `config.yaml`) means the same from any working directory.
   */
  resolvePath(key: readonly (string | number)[], value: string): string;
  /**
   * Throw the `ConfigError` (exit code 2) for the option at `key` (relative to the options, e.g.
   * `['model', 'maxContext']`): the message is prefixed with the full key path and the error names
   * where that value came from (the file or the `--set` that wrote it).
   */
  fail(key: readonly (string | number)[], message: string): never;
}

/**
 * One choosable implementation of a slot. `service` is a class constructed in a child container
 * where `Tokens.ChoiceOptions` holds this choice's validated options; every constructor parameter
 * needs an explicit `@inject(Token)`. If the instance has an async `init()`, it is awaited.
 */
export interface CatalogEntry<T = unknown> {
  readonly slot: SlotName;
  /** Id used in config `use:` (unique per slot across all loaded plugins). */
  readonly id: string;
  /** One line for `trellis plugins`. */
  readonly description: string;
  /** Zod schema of this choice's `options` (defaults filled in the resolved config). */
  readonly optionsSchema?: ZodType;
  readonly service: Newable<T>;
  /**
   * Preset: config merged under the user's config when this entry is chosen (the user's own
   * values win; lists merge by `use`). Lets `advantage.use: dapo` also set objective options.
   */
  readonly preset?: ConfigPatch;
  /**
   * Makes this entry its slot's default: a config that chooses an `advantage` (a training config)
   * but leaves this single slot without a `use`, after presets, gets `{ use: <this id> }` (options
   * it wrote for the slot are kept; a default picks no preset). Core marks `objective: clip` and
   * `rollout: groups`, so an advantage plugin without a preset trains with the shared clipped
   * objective. At most one loaded entry per slot may set it (`buildCatalog` refuses two).
   */
  readonly slotDefault?: boolean;
  /**
   * Runs at config time after the options passed `optionsSchema`, and returns the options the
   * service will really get (and the resolved config will show), e.g. a model shape read from the
   * checkpoint the options name in place of the schema's defaults. It must be synchronous and
   * return options that still satisfy `optionsSchema`; a user mistake (a value that contradicts
   * what the options point at, a missing file) goes through `ctx.fail`. An entry with path-valued
   * options makes them absolute here with `ctx.resolvePath` (relative to the config file that set
   * them), since nothing else in core knows which options are paths.
   */
  readonly resolveOptions?: (options: Record<string, unknown>, ctx: ResolveOptionsContext) => Record<string, unknown>;
}

/** Instances built from a catalog entry may implement this to finish async set-up. */
export interface Initializable {
  init(): Promise<void>;
}

/**
 * A ContainerModule that multi-binds the given catalog entries, then runs `extra` for any other
 * bindings the plugin needs. This is what most plugins return from `createModule`.
 */
export function catalogModule(
  entries: readonly CatalogEntry[],
  extra?: (options: ContainerModuleLoadOptions) => void,
): ContainerModule {
  return new ContainerModule((options) => {
    for (const entry of entries) options.bind(Tokens.CatalogEntry).toConstantValue(entry);
    extra?.(options);
  });
}
