import { expect, it } from 'vitest';
import { corePlugin } from '../builtin/core-plugin';
import { resolveConfig } from '../config/resolve-config';
import { bindSlots, SLOT_TOKENS } from '../plugin/bind-slots';
import { buildCatalog } from '../plugin/build-catalog';
import { toRawConfig } from '../plugin/compose-container';
import { getContributions } from '../plugin/contributions';
import type { PluginManifest } from '../plugin/define-plugin';
import { loadPlugins } from '../plugin/load-plugins';
import { type MultiSlot, SINGLE_SLOTS, SLOT_CONFIG_KEYS, type SlotName } from '../plugin/slots';
import { Rng } from '../rng/rng';
import { Tokens } from '../tokens';

/**
 * The implementation a conformance suite tests, named the way a config names it: the suite loads
 * the manifest into a fresh container as `composeContainer` does for `trellis run` (the manifest's
 * `provides` checked against its module, the entry's `optionsSchema` filling defaults, its
 * `resolveOptions` hook, the service built through inversify with its `@inject` tokens) and takes
 * the instance bound to the slot. The entry's preset is not applied: it configures other slots.
 */
export interface PluginUnderTest {
  /** The plugin's manifest: its package's default export (`definePlugin({...})`). */
  readonly plugin: PluginManifest;
  /** The catalog id to choose, as a config's `use:`. */
  readonly use: string;
  /** The choice's `options`, as a config writes them (the entry's schema fills in defaults). */
  readonly options?: Record<string, unknown>;
  /** Plugin-level options (`plugins: [{ from, options }]`), validated by the manifest's schema. */
  readonly pluginOptions?: Record<string, unknown>;
  /** Further plugins the choice needs (core's own plugin is always loaded). */
  readonly with?: readonly PluginManifest[];
}

/**
 * What a suite builds its subject from: a plugin choice (use this), or, deprecated, a `create()`
 * that constructs the instance directly and so skips the manifest and dependency-injection path.
 */
export type ConformanceSubject<T> =
  | (PluginUnderTest & { readonly create?: never })
  | {
      /** @deprecated Give `plugin`, `use` and `options` instead: `create` bypasses the manifest and the container. */
      create(): T | Promise<T>;
      readonly plugin?: never;
    };

/** Compose `subject` into a fresh container and return the instance bound to its slot. */
async function compose<T>(subject: PluginUnderTest, slot: SlotName): Promise<T> {
  const choice = { use: subject.use, options: subject.options ?? {} };
  const single = (SINGLE_SLOTS as readonly string[]).includes(slot);
  const key = SLOT_CONFIG_KEYS[slot];
  const manifest: PluginManifest =
    subject.pluginOptions === undefined
      ? subject.plugin
      : {
          ...subject.plugin,
          optionsSchema: undefined,
          createModule: () => subject.plugin.createModule(subject.plugin.optionsSchema?.parse(subject.pluginOptions)),
        };
  const manifests = [manifest, ...(subject.with ?? [])];
  if (!manifests.some((m) => m.id === corePlugin.id)) manifests.unshift(corePlugin as PluginManifest);
  // composeContainer's steps, without presets: the suite tests this entry, not the recipe its
  // preset adds (which may name rewards or contributions of plugins not loaded here).
  const { container, catalog } = await buildCatalog(await loadPlugins([], { manifests, loadBuiltins: false }));
  const config = resolveConfig(toRawConfig({ [key]: single ? choice : [choice] }), catalog, { presets: false });
  container.bind(Tokens.Rng).toConstantValue(Rng.fromSeed(config.seed));
  bindSlots(container, config, catalog);
  if (single) return (await container.getAsync(SLOT_TOKENS[slot])) as T;
  const [instance] = await getContributions(container, SLOT_TOKENS[slot as MultiSlot]);
  if (instance === undefined) throw new Error(`internal: ${slot} '${subject.use}' was not bound`);
  return instance as T;
}

/** A factory of fresh subjects: each call composes a new container (or calls the deprecated `create`). */
export function subjectFactory<T>(subject: ConformanceSubject<T>, slot: SlotName): () => Promise<T> {
  if (subject.plugin) {
    const chosen = subject as PluginUnderTest;
    return () => compose<T>(chosen, slot);
  }
  if (typeof subject.create !== 'function') {
    throw new Error(`conformance: give the plugin under test as { plugin, use, options } (or a create() function)`);
  }
  const create = subject.create;
  return async () => create();
}

/** True when the suite builds its subject through the manifest and the container. */
export const throughManifest = <T>(subject: ConformanceSubject<T>): subject is PluginUnderTest & { create?: never } =>
  subject.plugin !== undefined;

/**
 * The test every suite starts with when it goes through the manifest: the manifest declares the
 * id in `provides`, the container builds it (every constructor parameter needs an explicit
 * `@inject(Token)`), and each container gets its own instance (no global registry).
 */
export function itIsBuiltFromItsManifest<T>(subject: ConformanceSubject<T>, slot: SlotName, create: () => Promise<T>): void {
  if (!throughManifest(subject)) return;
  it(`is declared by its manifest ('${subject.plugin.id}' provides ${slot} '${subject.use}') and built by the container`, async () => {
    expect(subject.plugin.provides[slot] ?? []).toContain(subject.use);
    const a = await create();
    const b = await create();
    expect(a).toBeTypeOf('object');
    expect(b).not.toBe(a);
  });
}
