import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORE_API_VERSION } from '@trellis/core';
import { BACKEND_NAMES } from '@trellis/policy-tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './program';

/**
 * The bad-input corpus: malformed invocations of the *built* CLI (flags, `--set`s, config files,
 * plugins, checkpoints, output paths). Each must exit 2 with one `error:` message matching its
 * pattern, print no stack trace and nothing on stdout, and leave nothing behind (no run
 * directory, no output file, no probe). They run in parallel; most fail before loading a model.
 */

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const cli = here('../dist/cli.js');
const tinyGrpo = here('../test/fixtures/rl/tiny-grpo.yaml');
const good = here('../test/fixtures/good.yaml');
const base = here('../../../examples/arithmetic/base');

const root = mkdtempSync(join(tmpdir(), 'trellis-bad-input-'));
const at = (...p: string[]) => join(root, ...p);
/** The working directory of every case: must still be empty afterwards. */
const cwd = at('cwd');

/** Write the fixture files every case reads (none of them is written by a case). */
function writeFixtures(): void {
  mkdirSync(cwd);
  const files: Record<string, string> = {
    'huge.yaml': `name: huge\n# ${'x'.repeat(1024 * 1024)}\n`,
    'top-list.yaml': '- use: grpo\n',
    'malformed.json': '{ "name": "x", }',
    'proto.yaml': 'trainer:\n  __proto__:\n    steps: 1\n',
    'cycle-a.yaml': 'extends: ./cycle-b.yaml\n',
    'cycle-b.yaml': 'extends: ./cycle-a.yaml\n',
    'extends-number.yaml': 'extends: 3\n',
    'missing-base.yaml': 'extends: ./no-such-base.yaml\n',
    'duplicate-key.yaml': 'name: a\nname: b\n',
    'alias-bomb.yaml': `a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n${Array.from(
      { length: 9 },
      (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`,
    ).join('\n')}\n`,
    'unknown-key.yaml': 'trainr: { steps: 1 }\n',
    'bad-enum.yaml': 'trainer: { schedule: linear }\n',
    'negative-steps.yaml': 'trainer: { steps: -3 }\n',
    'plugins-number.yaml': 'plugins: 3\n',
    'plugin-missing.yaml': 'plugins: [./no-such-plugin]\n',
    'plugin-bad-package.yaml': 'plugins: [./bad-package]\n',
    'bad-package/package.json': '{ "name": "bad-package", "main": ',
    'plugin-not-manifest.yaml': 'plugins: [./not-a-manifest.mjs]\n',
    'not-a-manifest.mjs': 'export default { hello: "world" };\n',
    'unknown-reward.yaml': 'rewards: [{ use: no-such-reward }]\n',
    'no-accuracy.yaml': `extends: ${tinyGrpo}\ntrainer: { accuracyReward: nope }\n`,
    'problems.jsonl': '{"question":"1+1","answer":"2"}\n{"question":"2+2","answer":"4"}\n',
    'no-test-split.yaml': `extends: ${tinyGrpo}\ntask: { use: jsonl, options: { path: ${at('problems.jsonl')} } }\n`,
    'a-file.txt': 'not a directory\n',
    'run-without-checkpoint/config.yaml': 'name: x\n',
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(at(name), '..'), { recursive: true });
    writeFileSync(at(name), text);
  }
  mkdirSync(at('run-without-checkpoint', 'checkpoints'));
  mkdirSync(at('out-dir'));
  mkdirSync(at('not-a-checkpoint'));
  // Checkpoints whose safetensors file is truncated, declares an impossible header length, has a
  // header that is not JSON, or lies about a tensor's shape.
  const weights = readFileSync(join(base, 'model.safetensors'));
  const headerLen = Number(weights.readBigUInt64LE(0));
  const corrupt = (name: string, bytes: Buffer) => {
    cpSync(base, at(name), { recursive: true });
    writeFileSync(at(name, 'model.safetensors'), bytes);
  };
  corrupt('ck-truncated', weights.subarray(0, weights.length - 100));
  const hugeLength = Buffer.from(weights);
  hugeLength.writeBigUInt64LE(2n ** 40n, 0);
  corrupt('ck-header-length', hugeLength);
  const notJson = Buffer.from(weights);
  notJson[8] = 'X'.charCodeAt(0);
  corrupt('ck-header-json', notJson);
  const header = JSON.parse(weights.subarray(8, 8 + headerLen).toString('utf8')) as Record<string, { shape?: number[] }>;
  const first = Object.keys(header).find((k) => k !== '__metadata__') as string;
  (header[first] as { shape: number[] }).shape = [1];
  const lying = Buffer.from(weights);
  Buffer.from(JSON.stringify(header).padEnd(headerLen, ' ')).copy(lying, 8);
  corrupt('ck-lying-shape', lying);
  // A plugin whose module building throws: a bug, not bad input (exit 1, see below).
  writeFileSync(
    at('buggy-plugin.mjs'),
    `export default { id: 'buggy', packageName: 'buggy', version: '1.0.0', coreApi: ${CORE_API_VERSION}, provides: {},
  createModule() { throw new Error('buggy plugin: createModule failed'); } };\n`,
  );
  writeFileSync(at('buggy.yaml'), 'plugins: [./buggy-plugin.mjs]\n');
}

type Case = readonly [what: string, args: readonly string[], pattern: RegExp];

const f = (name: string) => at(name);
const ck = base;

/** The corpus: [what, argv, expected stderr pattern]. */
const CASES: readonly Case[] = [
  // Usage: commands, arguments, options (commander), one line plus the --help hint.
  ['unknown command', ['bogus'], /^error: unknown command 'bogus'\n\(run 'trellis --help' for usage\)\n$/],
  ['unknown option', ['run', tinyGrpo, '--frob'], /^error: unknown option '--frob'\n\(run 'trellis run --help' for usage\)\n$/],
  ['missing argument', ['config'], /^error: missing required argument 'file'\n/],
  ['too many arguments', ['config', good, good], /^error: too many arguments for 'config'\. Expected 1 argument but got 2\./],
  ['eval without a checkpoint', ['eval'], /missing required argument 'checkpoint'/],
  ['run without a config', ['run'], /^error: a config file is required \(trellis run exp\.yaml\), unless .*--resume <runDir>\n$/],
  [
    '--samples 0',
    ['eval', ck, '--samples', '0'],
    /option '-k, --samples <k>' argument '0' is invalid\. expected an integer >= 1/,
  ],
  ['--samples abc', ['eval', ck, '--samples', 'abc'], /--samples <k>' argument 'abc' is invalid\. expected an integer >= 1/],
  ['--samples 1.5', ['eval', ck, '-k', '1.5'], /--samples <k>' argument '1\.5' is invalid/],
  ['--limit 0', ['eval', ck, '--limit', '0'], /option '--limit <n>' argument '0' is invalid\. expected an integer >= 1/],
  ['--limit -2', ['eval', ck, '--limit', '-2'], /option '--limit <n>' argument '-2' is invalid/],
  [
    '--temperature -1',
    ['eval', ck, '--temperature', '-1'],
    /'--temperature <t>' argument '-1' is invalid\. expected a number > 0/,
  ],
  ['--temperature 0', ['eval', ck, '--temperature', '0'], /'--temperature <t>' argument '0' is invalid\. expected a number > 0/],
  ['--temperature NaN', ['eval', ck, '--temperature', 'NaN'], /'--temperature <t>' argument 'NaN' is invalid/],
  [
    '--split foo',
    ['eval', ck, '--split', 'foo'],
    /'--split <split>' argument 'foo' is invalid\. Allowed choices are train, test\./,
  ],
  [
    'eval --context foo',
    ['eval', ck, '--context', 'none,foo'],
    /'--context <list>' argument 'none,foo' is invalid\. unknown context 'foo'; allowed: none, attempt, /,
  ],
  ['--max-new-tokens 0', ['eval', ck, '--max-new-tokens', '0'], /'--max-new-tokens <n>' argument '0' is invalid/],
  ['--seed -1', ['eval', ck, '--seed', '-1'], /'--seed <n>' argument '-1' is invalid\. expected an integer >= 0/],
  [
    'eval --backend foo',
    ['eval', ck, '--backend', 'foo'],
    /'--backend <name>' argument 'foo' is invalid\. Allowed choices are auto, wasm/,
  ],
  ['run --backend foo', ['run', tinyGrpo, '--backend', 'gpu'], /'--backend <name>' argument 'gpu' is invalid\. Allowed choices/],
  [
    'serve --port 70000',
    ['serve', ck, '--port', '70000'],
    /'--port <port>' argument '70000' is invalid\. expected an integer from 0 to 65535/,
  ],

  // --set
  [
    '--set __proto__',
    ['config', good, '--set', '__proto__.polluted=1'],
    /^error: --set __proto__\.polluted=1: path segment '__proto__' is not allowed/,
  ],
  [
    '--set trainer.__proto__',
    ['config', good, '--set', 'trainer.__proto__.x=1'],
    /--set trainer\.__proto__\.x=1: path segment '__proto__' is not allowed/,
  ],
  [
    '--set constructor.prototype',
    ['plugins', '--set', 'constructor.prototype.x=1'],
    /--set constructor\.prototype\.x=1: path segment 'constructor' is not allowed/,
  ],
  [
    '--set a __proto__ value',
    ['config', good, '--set', 'trainer={__proto__: {steps: 1}}'],
    /trainer\.__proto__: key '__proto__' is not allowed in a config value/,
  ],
  [
    '--set without =',
    ['config', good, '--set', 'trainer.steps'],
    /^error: --set: expected key\.path=value, got 'trainer\.steps'\n$/,
  ],
  ['--set empty segment', ['config', good, '--set', 'trainer..steps=1'], /empty path segment in 'trainer\.\.steps'/],
  [
    '--set through a scalar',
    ['config', good, '--set', 'seed.value=1'],
    /--set seed\.value=1: 'seed' is a number, it has no key 'value'/,
  ],
  [
    '--set bad YAML value',
    ['config', good, '--set', 'trainer.steps=[1'],
    /^error: --set trainer\.steps=\[1: cannot read value '\[1' as YAML: .+\n$/,
  ],
  [
    '--set wrong type',
    ['config', good, '--set', 'trainer.steps=abc'],
    /trainer\.steps: Invalid input: expected number, received string/,
  ],
  ['--set unknown key', ['config', good, '--set', 'trainer.stpes=2'], /trainer: unknown key 'stpes'; allowed keys: .*steps/],

  // Config files
  ['config over 1 MiB', ['config', f('huge.yaml')], /huge\.yaml: config file is \d+ bytes, over the 1048576-byte limit/],
  ['config is a directory', ['config', f('out-dir')], /out-dir: cannot read config file: it is a directory/],
  ['config does not exist', ['config', f('no-such.yaml')], /no-such\.yaml: cannot read config file: ENOENT/],
  [
    'config top level is a list',
    ['config', f('top-list.yaml')],
    /top-list\.yaml: the top level of an experiment file must be a mapping/,
  ],
  ['malformed JSON', ['config', f('malformed.json')], /malformed\.json: malformed JSON: /],
  [
    '__proto__ key in a file',
    ['config', f('proto.yaml')],
    /proto\.yaml: trainer\.__proto__: key '__proto__' is not allowed in an experiment file/,
  ],
  ['extends cycle', ['config', f('cycle-a.yaml')], /'extends' forms a cycle through .*cycle-a\.yaml/],
  [
    'extends not a path',
    ['config', f('extends-number.yaml')],
    /extends-number\.yaml: 'extends' must be a path to another experiment file/,
  ],
  [
    'extends a missing file',
    ['config', f('missing-base.yaml')],
    /no-such-base\.yaml: cannot read config file \(extended by .*missing-base\.yaml\): ENOENT/,
  ],
  ['duplicate YAML key', ['config', f('duplicate-key.yaml')], /duplicate-key\.yaml:2:1: malformed YAML: Map keys must be unique/],
  ['YAML alias bomb', ['config', f('alias-bomb.yaml')], /alias-bomb\.yaml: malformed YAML: Excessive alias count/],
  ['unknown top-level key', ['config', f('unknown-key.yaml')], /unknown key 'trainr'; allowed keys: /],
  ['bad enum value', ['config', f('bad-enum.yaml')], /trainer\.schedule: Invalid option: expected one of "constant"\|"cosine"/],
  ['negative steps', ['config', f('negative-steps.yaml')], /trainer\.steps: Too small: expected number to be >0/],
  ['unknown reward id', ['config', f('unknown-reward.yaml')], /rewards\[0\]\.use: unknown reward 'no-such-reward'; available: /],

  // Plugins
  [
    'plugins not a list',
    ['config', f('plugins-number.yaml')],
    /plugins-number\.yaml: plugins: Invalid input: expected array, received number/,
  ],
  ['plugin path missing', ['config', f('plugin-missing.yaml')], /plugins\[0\]: plugin path '\.\/no-such-plugin' does not exist/],
  [
    'plugin with a bad package.json',
    ['config', f('plugin-bad-package.yaml')],
    /plugins\[0\]: cannot read the plugin's .*bad-package\/package\.json: malformed JSON \(/,
  ],
  [
    'plugin that is not a manifest',
    ['config', f('plugin-not-manifest.yaml')],
    /'\.\/not-a-manifest\.mjs' does not default-export a Trellis plugin manifest/,
  ],
  [
    '--set a plugin path',
    ['config', good, '--set', 'plugins.0=./no-such-plugin'],
    /(plugins\[0\]|--set plugins\.0=\.\/no-such-plugin): plugin path '\.\/no-such-plugin' does not exist/,
  ],

  // Checkpoints given to eval
  ['eval a missing checkpoint', ['eval', f('no-such-checkpoint')], /checkpoint directory .*no-such-checkpoint does not exist/],
  [
    'eval a file',
    ['eval', f('a-file.txt')],
    /checkpoint .*a-file\.txt is a file, not a directory; pass a policy checkpoint directory/,
  ],
  [
    'eval a non-checkpoint directory',
    ['eval', f('not-a-checkpoint')],
    /not-a-checkpoint is not a policy checkpoint \(no config\.json in it\); pass .*checkpoints\/step-000010\/policy.*or a run directory/,
  ],
  [
    'eval a run without checkpoints',
    ['eval', f('run-without-checkpoint')],
    /run directory .*run-without-checkpoint has no complete checkpoint yet \(no checkpoints\/latest\)/,
  ],
  [
    'truncated safetensors',
    ['eval', f('ck-truncated'), '--limit', '1'],
    /ck-truncated\/model\.safetensors: invalid safetensors file: .*truncated/,
  ],
  [
    'safetensors header length',
    ['eval', f('ck-header-length'), '--limit', '1'],
    /ck-header-length\/model\.safetensors: invalid safetensors file: header length \d+ exceeds the \d+-byte limit/,
  ],
  [
    'safetensors header not JSON',
    ['eval', f('ck-header-json'), '--limit', '1'],
    /ck-header-json\/model\.safetensors: invalid safetensors file: header is not valid UTF-8 JSON/,
  ],
  [
    'safetensors lying shape',
    ['eval', f('ck-lying-shape'), '--limit', '1'],
    /ck-lying-shape\/model\.safetensors: invalid safetensors file: tensor '.+' spans \d+ bytes but F32 \[1\] needs 4/,
  ],

  // Output paths, checked before any work
  [
    'eval --out a directory',
    ['eval', ck, '--out', f('out-dir')],
    /--out .*out-dir: is a directory; give the path of a file to write, e\.g\. .*out-dir\/results\.jsonl/,
  ],
  ['eval --out ending in /', ['eval', ck, '--out', f('out-new/')], /--out .*out-new\/: ends with '\/', so it names a directory/],
  [
    'eval --out under a file',
    ['eval', ck, '--out', join(f('a-file.txt'), 'results.jsonl')],
    /cannot be created: .*a-file\.txt is a file, not a directory/,
  ],
  [
    'eval --out in /proc',
    ['eval', ck, '--out', '/proc/self/x/results.jsonl'],
    /--out \/proc\/self\/x\/results\.jsonl: cannot be created: \/proc\/self does not accept new files or directories/,
  ],
  [
    'run --out in /proc',
    ['run', tinyGrpo, '--out', '/proc/self/x'],
    /^error: --out \/proc\/self\/x: cannot be created: \/proc\/self does not accept new files or directories \(ENOENT\)\n$/,
  ],
  ['run --out a file', ['run', tinyGrpo, '--out', f('a-file.txt')], /--out .*a-file\.txt: exists and is not a directory/],
  ['pretrain --out in /proc', ['pretrain', tinyGrpo, '--out', '/proc/self/x'], /--out \/proc\/self\/x: cannot be created/],

  // Runs that would train but measure nothing: refused before the first step
  [
    'accuracyReward names no reward',
    ['run', f('no-accuracy.yaml'), '--out', f('run-no-accuracy'), '-q'],
    /trainer\.accuracyReward: 'nope' names no configured reward; .*one of: format, math-accuracy/,
  ],
  [
    'task without a test split',
    ['run', f('no-test-split.yaml'), '--out', f('run-no-test'), '-q'],
    /task: 'jsonl' has no 'test' problems, but every run evaluates trainer\.evalProblems/,
  ],
  [
    'eval a split with no problems',
    ['eval', ck, '--config', f('no-test-split.yaml'), '--limit', '1'],
    /--split test: task 'jsonl' has no 'test' problems to evaluate/,
  ],
];

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function trellis(args: readonly string[], timeoutMs = 120_000): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Run `jobs` with at most `limit` at a time, keeping their order. */
async function pool<T>(jobs: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await (jobs[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return out;
}

/** Every path under `dir`, relative to it. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((p) => relative(dir, join(dir, p)))
    .sort();
}

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`built CLI missing at ${cli}: run 'pnpm build' first`);
  writeFixtures();
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('bad input: every user-caused failure exits 2 with one clear message (built CLI)', () => {
  const results = new Map<string, Result>();
  let before: string[] = [];

  beforeAll(async () => {
    before = tree(root);
    const got = await pool(
      CASES.map(
        ([, args]) =>
          () =>
            trellis(args),
      ),
      Math.max(3, Math.min(8, availableParallelism() + 1)),
    );
    CASES.forEach(([what], i) => {
      results.set(what, got[i] as Result);
    });
  }, 600_000);

  it('has at least 40 cases, with distinct names', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CASES.map(([what]) => what)).size).toBe(CASES.length);
  });

  for (const [what, args, pattern] of CASES) {
    it(`${what}: trellis ${args.map((a) => relative(root, a) || a).join(' ')}`, () => {
      const r = results.get(what) as Result;
      // One error message (a run may have logged where it was starting before it).
      expect(r.stderr.match(/^error: /gm), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr, 'no stack trace').not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
      expect(r.code, r.stderr).toBe(2);
    });
  }

  it('leaves nothing behind: no run directory, output file or probe, in the working directory or beside the fixtures', () => {
    expect(tree(cwd)).toEqual([]);
    expect(tree(root)).toEqual(before);
    expect(existsSync('/proc/self/x')).toBe(false);
  });

  it('BACKENDS (checked by commander without loading TensorFlow.js) equals the policy package list', () => {
    expect([...BACKENDS]).toEqual([...BACKEND_NAMES]);
  });
});

describe('--debug and internal errors', () => {
  it('--debug adds the stack trace to a bad-input error, still exit 2', async () => {
    const r = await trellis(['config', at('no-such.yaml'), '--debug']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*no-such\.yaml: cannot read config file: ENOENT\nConfigError: /);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('an unexpected error (a plugin bug) exits 1 with its message and a --debug hint, no stack', async () => {
    const r = await trellis(['config', at('buggy.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: .*buggy plugin: createModule failed\n\(unexpected error; run again with --debug for the stack trace\)\n$/,
    );
    const debug = await trellis(['--debug', 'config', at('buggy.yaml')]);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/buggy plugin: createModule failed\n\s+at /);
  });
});
