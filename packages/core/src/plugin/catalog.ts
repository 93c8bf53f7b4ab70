import { ContainerModule, type ContainerModuleLoadOptions, type Newable } from 'inversify';
import type { ZodType } from 'zod';
import { Tokens } from '../tokens';
import type { SlotName } from './slots';

/** A partial experiment config merged *under* the user's config when a catalog entry is chosen. */
export type ConfigPatch = Readonly<Record<string, unknown>>;

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
