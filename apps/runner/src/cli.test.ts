import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const cli = here('../dist/cli.js');
const fixtures = here('../test/fixtures/');
const repo = here('../../../');

/** Run the *built* CLI in `cwd`, as a user would. */
function trellisIn(cwd: string, ...args: string[]) {
  if (!existsSync(cli)) throw new Error(`built CLI missing at ${cli}: run 'pnpm build' first`);
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Run the *built* CLI in the fixtures directory. */
const trellis = (...args: string[]) => trellisIn(fixtures, ...args);

describe('trellis CLI (built dist)', () => {
  it('plugins lists every workspace plugin and, with a config, the example plugin and its ids', () => {
    const plain = trellis('plugins');
    expect(plain.code).toBe(0);
    for (const id of ['policy-tfjs', 'rewards-math', 'algo-grpo', 'algo-lambdapo', 'algo-lanpo', 'algo-multiturn']) {
      expect(plain.stdout).toContain(`${id}  @trellis/${id}@`);
    }
    expect(plain.stdout).not.toContain('example-reward');
    const withConfig = trellis('plugins', '--config', 'good.yaml');
    expect(withConfig.code).toBe(0);
    expect(withConfig.stdout).toMatch(/example-reward {2}trellis-example-reward-plugin@0\.1\.0/);
    expect(withConfig.stdout).toMatch(/reward:\n\s+length-budget/);
  });

  it('plugins --json is machine readable', () => {
    const r = trellis('plugins', '--config', 'good.yaml', '--json');
    const rows = JSON.parse(r.stdout) as { id: string; provides: Record<string, { id: string }[]> }[];
    expect(rows.find((p) => p.id === 'example-reward')?.provides.reward?.[0]?.id).toBe('length-budget');
  });

  it('config prints the resolved config with defaults and --set overrides', () => {
    const r = trellis('config', 'good.yaml', '--set', 'trainer.steps=7', '--set', 'rewards.0.options.budget=50');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('steps: 7');
    expect(r.stdout).toContain('budget: 50');
    expect(r.stdout).toContain('slack: 100');
    expect(r.stdout).toContain('groupSize: 8');
  });

  it('--help works on every command', () => {
    for (const args of [['--help'], ['plugins', '--help'], ['config', '--help']]) {
      const r = trellis(...args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: trellis/);
    }
  });

  const broken: [string, string[], RegExp][] = [
    [
      'unknown plugin',
      ['unknown-plugin.yaml'],
      /unknown plugin 'not-a-real-plugin': not a built-in alias \(algo-grpo, .*rewards-math\)/,
    ],
    [
      'unknown slot id',
      ['unknown-choice.yaml'],
      /rewards\[0\]\.use: unknown reward 'length-budgett'; available: .*length-budget.*/,
    ],
    [
      'wrong option type',
      ['wrong-option-type.yaml'],
      /rewards\[0\]\.options\.budget: Invalid input: expected number, received string/,
    ],
    ['missing required key', ['missing-required.yaml'], /rewards\[0\]\.use: required key is missing/],
    [
      'duplicate plugin ids',
      ['duplicate-plugin.yaml'],
      /duplicate plugin id 'example-reward': provided by trellis-example-reward-plugin \(..\/..\/..\/..\/examples\/reward-plugin via .*plugins\[0\]\) and by trellis-example-reward-plugin \(.*dist\/index.js via .*plugins\[1\]\)/,
    ],
    ['malformed YAML', ['malformed.yaml'], /malformed\.yaml:3:\d+: malformed YAML/],
    ['core API mismatch', ['core-api-mismatch.yaml'], /targets core API 99, but this @trellis\/core provides API 1/],
    [
      'bad --set path (through a scalar)',
      ['good.yaml', '--set', 'seed.value=1'],
      /--set seed\.value=1: 'seed' is a number, it has no key 'value'/,
    ],
    [
      'bad --set path (list index)',
      ['good.yaml', '--set', 'rewards.first.weight=2'],
      /'rewards' is a list; use a numeric index, not 'first'/,
    ],
    [
      'bad --set key',
      ['good.yaml', '--set', 'trainer.stpes=2'],
      /--set trainer\.stpes=2: trainer: unknown key 'stpes'; allowed keys: .*steps/,
    ],
    ['unknown top-level key', ['unknown-key.yaml'], /unknown key 'trainr'; allowed keys: advantage, contributions/],
    ['bad enum value', ['bad-enum.yaml'], /trainer\.schedule: Invalid option: expected one of "constant"\|"cosine"/],
    ['missing file', ['no-such-file.yaml'], /cannot read config file: ENOENT/],
  ];

  for (const [what, args, pattern] of broken) {
    it(`config exits 2 with a clear message on: ${what}`, () => {
      const r = trellis('config', ...args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^error: /);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  describe('the quickstart (run from the repository root, as documented)', () => {
    const quickstart = 'examples/arithmetic/grpo.yaml';
    const resolved = (...sets: string[]) => {
      const r = trellisIn(repo, 'config', quickstart, '--json', ...sets.flatMap((s) => ['--set', s]));
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout) as Record<string, { use: string; options: Record<string, unknown> }>;
    };

    it("config shows the checkpoint's shape and alphabet, not the schema defaults", () => {
      const checkpoint = JSON.parse(readFileSync(join(repo, 'examples/arithmetic/base-critique/config.json'), 'utf8'));
      const tokenizer = JSON.parse(readFileSync(join(repo, 'examples/arithmetic/base-critique/tokenizer.json'), 'utf8'));
      const policy = resolved().policy?.options as { model: Record<string, unknown>; tokenizer: Record<string, unknown> };
      expect(policy.model).toEqual(checkpoint.model);
      expect(policy.model.maxContext).toBe(512);
      expect(policy.tokenizer).toEqual({ type: 'char', alphabet: tokenizer.alphabet });
      expect(tokenizer.alphabet).toHaveLength(96); // printable ASCII + newline; + 4 special ids = vocabSize 100
      const yaml = trellisIn(repo, 'config', quickstart);
      expect(yaml.code).toBe(0);
      expect(yaml.stdout).toContain('maxContext: 512');
      expect(yaml.stdout).not.toContain('maxContext: 256');
    });

    it('the printed config resolves again to itself (what --resume does with a run config.yaml)', () => {
      const dir = mkdtempSync(join(tmpdir(), 'trellis-config-'));
      try {
        const first = trellisIn(repo, 'config', quickstart);
        expect(first.code).toBe(0);
        writeFileSync(join(dir, 'config.yaml'), first.stdout);
        const again = trellisIn(repo, 'config', join(dir, 'config.yaml'));
        expect(again.stderr).toBe('');
        expect(again.stdout).toBe(first.stdout);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('a shape that contradicts the checkpoint exits 2 naming both values', () => {
      const r = trellisIn(repo, 'config', quickstart, '--set', 'policy.options.model.maxContext=256');
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `error: --set policy.options.model.maxContext=256: policy.options.model.maxContext: 256 contradicts the checkpoint ${join(repo, 'examples/arithmetic/base-critique')} (512)\n`,
      );
    });

    it('a missing checkpoint exits 2 at config time naming the path, resolved against the config file', () => {
      const dir = mkdtempSync(join(tmpdir(), 'trellis-config-'));
      try {
        writeFileSync(join(dir, 'exp.yaml'), `extends: ${join(repo, quickstart)}\npolicy: { options: { checkpoint: ./nope } }\n`);
        const r = trellis('config', join(dir, 'exp.yaml'));
        expect(r.code).toBe(2);
        expect(r.stderr).toBe(
          `error: ${join(dir, 'exp.yaml')}: policy.options.checkpoint: checkpoint directory ./nope does not exist (resolved against ${dir}: ${join(dir, 'nope')})\n`,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('a run with a group-relative estimator and groupSize 1 exits 2 before training', () => {
      const out = join(mkdtempSync(join(tmpdir(), 'trellis-g1-')), 'run');
      const r = trellisIn(repo, 'run', quickstart, '--set', 'trainer.groupSize=1', '--out', out, '-q');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/trainer\.groupSize: 1 with advantage 'grpo' trains nothing/);
    });

    it('--set on an option of the preset-filled objective changes only that option', () => {
      type Objective = { use: string; options: { kl: { coef: number } } };
      const plain = resolved();
      const tweaked = resolved('objective.options.kl.coef=0');
      const objective = plain.objective as Objective;
      expect(objective.use).toBe('clip');
      expect(objective.options.kl.coef).toBe(0.001);
      const expected = structuredClone(plain);
      (expected.objective as Objective).options.kl.coef = 0;
      expect(tweaked).toEqual(expected);
    });
  });
});
