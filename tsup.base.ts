import { defineConfig, type Options } from 'tsup';

/** Shared tsup settings: ESM + type declarations, one bundle per entry, Node 20 target. */
export function packageConfig(entry: Record<string, string> | string[], extra: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    splitting: true,
    treeshake: true,
    ...extra,
  });
}
