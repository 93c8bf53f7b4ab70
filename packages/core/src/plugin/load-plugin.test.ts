import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/trellis-error';
import { loadPlugin } from './load-plugin';
import { loadPlugins } from './load-plugins';

function pluginDir(packageJson: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-plugin-'));
  mkdirSync(join(dir, 'bad-plugin'));
  writeFileSync(join(dir, 'bad-plugin', 'package.json'), packageJson);
  return dir;
}

describe('loading a plugin with a bad package.json', () => {
  it('names the package.json and the JSON problem', async () => {
    const dir = pluginDir('{ "name": "bad", "main": ');
    const load = loadPlugin('./bad-plugin', { aliases: {}, baseDir: dir, where: 'exp.yaml plugins[0]' });
    await expect(load).rejects.toBeInstanceOf(ConfigError);
    await expect(load).rejects.toThrow(
      new RegExp(
        `^exp\\.yaml plugins\\[0\\]: cannot read the plugin's ${join(dir, 'bad-plugin', 'package.json')}: malformed JSON \\(`,
      ),
    );
  });

  it('refuses a package.json that is not an object, or whose main is not a string', async () => {
    const where = { aliases: {}, where: 'exp.yaml plugins[0]' };
    await expect(loadPlugin('./bad-plugin', { ...where, baseDir: pluginDir('[1, 2]') })).rejects.toThrow(/is not a JSON object/);
    await expect(loadPlugin('./bad-plugin', { ...where, baseDir: pluginDir('{"main": 3}') })).rejects.toThrow(
      /'main' must be a string path, got 3/,
    );
  });
});

describe('loadPlugins blames a plugin entry written by --set on that --set', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-plugins-'));
  for (const [specs, overrides, where] of [
    [['./nope'], ['plugins.0=./nope'], '--set plugins.0=./nope'],
    [['./nope'], ['plugins=[./nope]'], '--set plugins=[./nope]'],
    [[{ from: './nope' }], ['plugins.0.from=./nope'], '--set plugins.0.from=./nope'],
    [['./nope'], ['plugins.1=./other', 'trainer.steps=2'], 'exp.yaml plugins[0]'],
  ] as const) {
    it(`${overrides.join(' ')} -> ${where}`, async () => {
      const load = loadPlugins(specs, { builtins: {}, baseDir: dir, source: 'exp.yaml', overrides });
      await expect(load).rejects.toThrow(`${where}: plugin path './nope' does not exist`);
    });
  }
});
