import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const cli = here('../dist/cli.js');
const fixtures = here('../test/fixtures/');
const tiny = join(fixtures, 'rl/tiny-grpo.yaml');
const base = here('../../../examples/arithmetic/base');

function trellis(...args: string[]) {
  if (!existsSync(cli)) throw new Error(`built CLI missing at ${cli}: run 'pnpm build' first`);
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 240_000, cwd: tmpdir() });
}

/** A run directory path two levels below a fresh temporary directory (neither level exists yet). */
function outPath(): { root: string; out: string } {
  const root = mkdtempSync(join(tmpdir(), 'trellis-setup-'));
  return { root, out: join(root, 'runs', 'run') };
}

describe('trellis run: a set-up failure leaves no run directory behind (built CLI)', () => {
  const cases: [string, () => string[], number, RegExp][] = [
    ['a jsonl task file with a malformed line', () => [join(fixtures, 'setup/bad-jsonl.yaml')], 2, /bad\.jsonl:2: invalid JSON/],
    [
      'a missing base checkpoint',
      () => [tiny, '--set', 'policy.options.checkpoint=/no/such/checkpoint'],
      2,
      /policy\.options\.checkpoint: checkpoint directory \/no\/such\/checkpoint does not exist/,
    ],
    [
      'a base checkpoint whose weights cannot be loaded',
      () => {
        const broken = mkdtempSync(join(tmpdir(), 'trellis-broken-ckpt-'));
        cpSync(base, broken, { recursive: true });
        writeFileSync(join(broken, 'model.safetensors'), 'not safetensors');
        return [tiny, '--set', `policy.options.checkpoint=${broken}`, '--set', 'policy.options.model={}'];
      },
      2,
      /model\.safetensors: invalid safetensors file/,
    ],
    // A plugin bug, not bad input: exit 1 with the stack.
    [
      'a reward whose constructor throws',
      () => [join(fixtures, 'setup/throwing-reward.yaml')],
      1,
      /throwing-reward: broken on purpose/,
    ],
  ];

  for (const [what, args, code, pattern] of cases) {
    it(what, () => {
      const { root, out } = outPath();
      const r = trellis('run', ...args(), '--out', out, '-q');
      expect(r.status, r.stderr).toBe(code);
      expect(r.stderr).toMatch(pattern);
      expect(readdirSync(root)).toEqual([]);
    });
  }

  it('an empty --out directory that existed is kept, emptied; the same --out then works', () => {
    const out = mkdtempSync(join(tmpdir(), 'trellis-setup-empty-'));
    const failed = trellis('run', join(fixtures, 'setup/throwing-reward.yaml'), '--out', out, '-q');
    expect(failed.status).toBe(1);
    expect(readdirSync(out)).toEqual([]);
    const ok = trellis('run', tiny, '--set', 'trainer.steps=1', '--out', out, '-q');
    expect(ok.status, ok.stderr).toBe(0);
    expect(existsSync(join(out, 'summary.json'))).toBe(true);
  });

  it('a directory that is not empty is refused and left alone', () => {
    const out = mkdtempSync(join(tmpdir(), 'trellis-setup-full-'));
    writeFileSync(join(out, 'mine.txt'), 'user data');
    const r = trellis('run', tiny, '--out', out, '-q');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/already exists and is not empty/);
    expect(readdirSync(out)).toEqual(['mine.txt']);
  });
});
