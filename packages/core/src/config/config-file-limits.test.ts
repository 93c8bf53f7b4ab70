import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/trellis-error';
import { loadConfigFile, MAX_CONFIG_BYTES, parseConfigText } from './load-config';

const dir = () => mkdtempSync(join(tmpdir(), 'trellis-limits-'));

describe('config files: size limit and forbidden keys', () => {
  it('refuses a file over MAX_CONFIG_BYTES before reading it, naming the file and the limit', async () => {
    const file = join(dir(), 'huge.yaml');
    writeFileSync(file, `name: x\n# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`);
    await expect(loadConfigFile(file)).rejects.toBeInstanceOf(ConfigError);
    await expect(loadConfigFile(file)).rejects.toThrow(
      new RegExp(`^${file}: config file is \\d+ bytes, over the ${MAX_CONFIG_BYTES}-byte limit`),
    );
  });

  it('names the extending file when the base is too large', async () => {
    const d = dir();
    writeFileSync(join(d, 'base.yaml'), `# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`);
    writeFileSync(join(d, 'exp.yaml'), 'extends: ./base.yaml\n');
    await expect(loadConfigFile(join(d, 'exp.yaml'))).rejects.toThrow(/base\.yaml: config file \(extended by .*exp\.yaml\) is/);
  });

  it('reads a file just under the limit', async () => {
    const file = join(dir(), 'ok.yaml');
    const head = 'name: fine\n# ';
    writeFileSync(file, `${head}${'x'.repeat(MAX_CONFIG_BYTES - head.length - 1)}\n`);
    expect((await loadConfigFile(file)).data).toEqual({ name: 'fine' });
  });

  it('refuses a directory with a clear message', async () => {
    await expect(loadConfigFile(dir())).rejects.toThrow(/cannot read config file: it is a directory/);
  });

  it('refuses a __proto__ key anywhere in a file (YAML and JSON)', () => {
    expect(() => parseConfigText('trainer:\n  __proto__:\n    steps: 1\n', 'exp.yaml')).toThrow(
      "exp.yaml: trainer.__proto__: key '__proto__' is not allowed in an experiment file",
    );
    expect(() => parseConfigText('{"rewards":[{"__proto__":{}}]}', 'exp.json')).toThrow(/rewards\.0\.__proto__/);
  });
});
