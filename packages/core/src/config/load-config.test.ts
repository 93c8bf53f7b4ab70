import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/trellis-error';
import { mergeUnder } from '../plugin/merge-preset';
import { loadConfigFile, parseConfigText } from './load-config';

function files(entries: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-config-'));
  for (const [name, text] of Object.entries(entries)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('loadConfigFile', () => {
  it('merges an extended base under the file, then applies --set', async () => {
    const dir = files({
      'base.yaml':
        'name: base\nseed: 1\nadvantage: { use: grpo, options: { epsilon: 0.1 } }\ntrainer: { steps: 10, groupSize: 4 }\nrewards: [{ use: acc }]\nplugins: [./plugin]\n',
      'sub/child.yaml':
        'extends: ../base.yaml\nname: child\nadvantage: { use: rloo }\ntrainer: { steps: 20 }\nrewards: [{ use: fmt, weight: 0.1 }]\n',
    });
    const raw = await loadConfigFile(join(dir, 'sub/child.yaml'), ['trainer.groupSize=8']);
    expect(raw.data).toEqual({
      name: 'child',
      seed: 1,
      advantage: { use: 'rloo' },
      trainer: { steps: 20, groupSize: 8 },
      rewards: [{ use: 'fmt', weight: 0.1 }, { use: 'acc' }],
      plugins: [join(dir, 'plugin')],
    });
  });

  it('reports cycles and unreadable bases with the file that named them', async () => {
    const dir = files({
      'a.yaml': 'extends: ./b.yaml\n',
      'b.yaml': 'extends: ./a.yaml\n',
      'c.yaml': 'extends: ./missing.yaml\n',
    });
    await expect(loadConfigFile(join(dir, 'a.yaml'))).rejects.toThrow(/'extends' forms a cycle/);
    const err = await loadConfigFile(join(dir, 'c.yaml')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/missing\.yaml: cannot read config file \(extended by .*c\.yaml\): ENOENT/);
  });

  it('remembers which file set each value, through extends and list merges by use', async () => {
    const dir = files({
      'base/base.yaml':
        'policy: { use: p, options: { checkpoint: ./ckpt, seed: 1 } }\nrewards: [{ use: acc, options: { file: a.txt } }, { use: fmt }]\ntask: { use: t, options: { path: data.jsonl } }\n',
      'sub/child.yaml':
        'extends: ../base/base.yaml\npolicy: { options: { seed: 2 } }\nrewards: [{ use: fmt, options: { file: f.txt } }, { use: new }]\ntask: { use: other, options: { path: mine.jsonl } }\n',
    });
    const raw = await loadConfigFile(join(dir, 'sub/child.yaml'), ['policy.options.tokenizer.path=t.json']);
    const of = (...path: (string | number)[]) => raw.baseDirOf?.(path);
    expect(of('policy', 'options', 'checkpoint')).toBe(join(dir, 'base'));
    expect(of('policy', 'options', 'seed')).toBe(join(dir, 'sub'));
    expect(raw.data.rewards).toEqual([
      { use: 'fmt', options: { file: 'f.txt' } },
      { use: 'new' },
      { use: 'acc', options: { file: 'a.txt' } },
    ]);
    expect(of('rewards', 0, 'options', 'file')).toBe(join(dir, 'sub'));
    expect(of('rewards', 2, 'options', 'file')).toBe(join(dir, 'base'));
    // a different `use` takes nothing from the base
    expect(of('task', 'options', 'path')).toBe(join(dir, 'sub'));
    // values no file set (defaults) belong to the file that set their parent
    expect(of('trainer', 'steps')).toBe(join(dir, 'sub'));
    // the merged data is exactly what mergeUnder gives
    const base = parseConfigText(
      'policy: { use: p, options: { checkpoint: ./ckpt, seed: 1 } }\nrewards: [{ use: acc, options: { file: a.txt } }, { use: fmt }]\ntask: { use: t, options: { path: data.jsonl } }\n',
    );
    const own = parseConfigText(
      'policy: { options: { seed: 2 } }\nrewards: [{ use: fmt, options: { file: f.txt } }, { use: new }]\ntask: { use: other, options: { path: mine.jsonl } }\n',
    );
    const expected = mergeUnder(base, own) as Record<string, unknown>;
    expect({ ...raw.data, policy: { use: 'p', options: { checkpoint: './ckpt', seed: 2 } } }).toEqual(expected);
  });
});
