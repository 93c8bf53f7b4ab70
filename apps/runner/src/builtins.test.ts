import { buildCatalog, CORE_API_VERSION, Container, isPluginManifest, Tokens } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { BUILTIN_PLUGINS } from './builtins';

describe('built-in plugins', () => {
  for (const [alias, load] of Object.entries(BUILTIN_PLUGINS)) {
    it(`${alias}: default-exports a manifest and registers nothing at import time`, async () => {
      const mod = (await load()) as { default: unknown };
      const manifest = mod.default;
      expect(isPluginManifest(manifest)).toBe(true);
      if (!isPluginManifest(manifest)) return;
      expect(manifest.id).toBe(alias);
      expect(manifest.packageName).toBe(`@trellis/${alias}`);
      expect(manifest.coreApi).toBe(CORE_API_VERSION);
      expect(new Container().isBound(Tokens.CatalogEntry)).toBe(false);
      const plugin = { manifest, origin: 'test', location: alias, options: {} };
      const a = await buildCatalog([plugin]);
      const b = await buildCatalog([plugin]);
      expect(a.container).not.toBe(b.container);
      expect(a.catalog.items.map((i) => `${i.entry.slot}:${i.entry.id}`)).toEqual(
        b.catalog.items.map((i) => `${i.entry.slot}:${i.entry.id}`),
      );
    });
  }
});
