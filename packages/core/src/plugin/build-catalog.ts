import { Container } from 'inversify';
import { PluginError } from '../errors/trellis-error';
import { Tokens } from '../tokens';
import type { CatalogEntry } from './catalog';
import type { LoadedPlugin } from './load-plugin';
import type { SlotName } from './slots';

/** A catalog entry with the plugin that provided it. */
export interface CatalogItem {
  readonly entry: CatalogEntry;
  readonly plugin: LoadedPlugin;
}

/** Everything choosable, indexed by slot and id. */
export class Catalog {
  constructor(readonly items: readonly CatalogItem[]) {}

  find(slot: SlotName, id: string): CatalogItem | undefined {
    return this.items.find((i) => i.entry.slot === slot && i.entry.id === id);
  }

  ids(slot: SlotName): string[] {
    return this.items.filter((i) => i.entry.slot === slot).map((i) => i.entry.id);
  }

  /** The entry of `slot` marked {@link CatalogEntry.slotDefault}, if a loaded plugin offers one. */
  defaultFor(slot: SlotName): CatalogItem | undefined {
    return this.items.find((i) => i.entry.slot === slot && i.entry.slotDefault === true);
  }
}

/**
 * Create the root container, load every plugin's module into it (in order) and collect the
 * catalog. Checks each plugin's bound entries against its declared `provides` and refuses two
 * plugins offering the same slot id, or two default entries for one slot.
 */
export async function buildCatalog(plugins: readonly LoadedPlugin[]): Promise<{ container: Container; catalog: Catalog }> {
  const container = new Container({ defaultScope: 'Singleton' });
  const items: CatalogItem[] = [];
  for (const plugin of plugins) {
    const before = container.isBound(Tokens.CatalogEntry) ? container.getAll(Tokens.CatalogEntry).length : 0;
    await container.load(plugin.manifest.createModule(plugin.options as never));
    const all = container.isBound(Tokens.CatalogEntry) ? container.getAll(Tokens.CatalogEntry) : [];
    const mine = all.slice(before);
    const declared = Object.entries(plugin.manifest.provides).flatMap(([slot, ids]) => (ids ?? []).map((id) => `${slot}:${id}`));
    const bound = mine.map((e) => `${e.slot}:${e.id}`);
    const missing = declared.filter((d) => !bound.includes(d));
    const extra = bound.filter((b) => !declared.includes(b));
    if (missing.length || extra.length) {
      throw new PluginError(
        `plugin '${plugin.manifest.id}' (${plugin.manifest.packageName}): manifest 'provides' does not match its module` +
          (missing.length ? `; declared but not bound: ${missing.join(', ')}` : '') +
          (extra.length ? `; bound but not declared: ${extra.join(', ')}` : ''),
      );
    }
    for (const entry of mine) {
      const clash = items.find((i) => i.entry.slot === entry.slot && i.entry.id === entry.id);
      if (clash) {
        throw new PluginError(
          `${entry.slot} id '${entry.id}' is provided by both ${clash.plugin.manifest.packageName} and ${plugin.manifest.packageName}`,
        );
      }
      const otherDefault = entry.slotDefault ? items.find((i) => i.entry.slot === entry.slot && i.entry.slotDefault) : undefined;
      if (otherDefault) {
        throw new PluginError(
          `${entry.slot} '${entry.id}' (${plugin.manifest.packageName}) and '${otherDefault.entry.id}' (${otherDefault.plugin.manifest.packageName}) both declare themselves the default ${entry.slot}; at most one may (a plugin sets the choices its entries need with a preset)`,
        );
      }
      items.push({ entry, plugin });
    }
  }
  return { container, catalog: new Catalog(items) };
}
