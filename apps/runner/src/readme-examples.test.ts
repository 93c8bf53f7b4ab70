// The README's examples against what the built CLI really prints: every flag of the CLI synopsis
// is in that command's --help, every `# prints: ...` command prints that line, every line the
// README says a run ends with is the shape the quickstart really ends with, and the quickstart's
// figures of what it runs agree with examples/arithmetic/grpo.yaml. (The "Use Trellis as a
// library" example runs in packed-install.test.ts, in a project outside the repository.)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { codeBlocks, readme, readmeSection, repoRoot } from './readme-blocks';
import { arithmeticConfig, cli, runCli, tempRoot } from './run-cli-harness';

/**
 * A regular expression for an example line: `<placeholder>`s match any text, durations (`6m40s`,
 * `1h02m`, `12s`) any duration, numbers any number (a leading sign any sign); the rest literally.
 */
export function exampleToRegExp(example: string): RegExp {
  const token = /<[^>]+>|\d+h\d{2}m|\d+m\d{2}s|\b\d+s\b|[+-]?\d+(?:\.\d+)?/g;
  let out = '';
  let last = 0;
  for (const m of example.matchAll(token)) {
    out += example.slice(last, m.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const t = m[0];
    if (t.startsWith('<')) out += '.+?';
    else if (/^\d+(h\d{2}m|m\d{2}s|s)$/.test(t)) out += '(?:\\d+h\\d{2}m|\\d+m\\d{2}s|\\d+s)';
    else out += `${/^[+-]/.test(t) ? '[+-]' : ''}\\d+(?:\\.\\d+)?`;
    last = (m.index ?? 0) + t.length;
  }
  out += example.slice(last).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${out}$`, 'm');
}

/** `pnpm trellis <args>` as the README writes it: argument words, without the comment. */
const words = (line: string) =>
  line
    .replace(/#.*$/, '')
    .trim()
    .split(/\s+/)
    .slice(2)
    .filter((w) => w.length > 0);

describe('exampleToRegExp', () => {
  it('keeps the words and turns numbers, durations and placeholders into wildcards', () => {
    const re = exampleToRegExp('held-out accuracy 33.3% -> 42.0% (+8.7) in 4m38s');
    expect(re.test('held-out accuracy 0.0% -> 10.0% (-1.5) in 12s')).toBe(true);
    expect(re.test('held-out accuracy 0.0% -> 10.0% in 12s')).toBe(false);
    expect(exampleToRegExp('listening on http://127.0.0.1:<port>').test('listening on http://127.0.0.1:41234')).toBe(true);
  });
});

describe('README examples against the built CLI', () => {
  const text = readme();
  const cliSection = readmeSection('## The CLI', text);

  it("every flag of 'The CLI' synopsis is in that command's --help", () => {
    const [synopsis] = codeBlocks(cliSection, 'bash');
    const flags = new Map<string, Set<string>>();
    let command = '';
    for (const line of (synopsis ?? '').split('\n')) {
      if (line.startsWith('pnpm trellis ')) command = words(line)[0]?.startsWith('-') ? '' : (words(line)[0] ?? '');
      if (!command) continue;
      const set = flags.get(command) ?? new Set<string>();
      for (const flag of line.replace(/#.*$/, '').match(/--[a-z][a-z-]*/g) ?? []) set.add(flag);
      flags.set(command, set);
    }
    expect([...flags.keys()].sort()).toEqual([
      'config',
      'eval',
      'plugins',
      'pretrain',
      'report',
      'run',
      'serve',
      'sweep',
      'worker',
    ]);
    for (const [cmd, set] of flags) {
      const help = runCli([cmd, '--help'], 60_000);
      expect(help.status, help.stderr).toBe(0);
      for (const flag of set) expect(help.stdout, `trellis ${cmd} --help lists ${flag}`).toMatch(new RegExp(`${flag}\\b`));
    }
  });

  it('every `# prints: ...` command prints that line on stdout', async () => {
    const examples = codeBlocks(text, 'bash')
      .flatMap((b) => b.split('\n'))
      .filter((l) => l.startsWith('pnpm trellis ') && l.includes('# prints: '));
    expect(examples.length).toBeGreaterThan(0);
    for (const line of examples) {
      const expected = exampleToRegExp(line.slice(line.indexOf('# prints: ') + '# prints: '.length).trim());
      const child = spawn(process.execPath, [cli, ...words(line)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
      });
      const first = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
        });
        child.on('exit', (code) => reject(new Error(`'${line}' exited ${code} before printing: ${err}`)));
      });
      // A long-running command (serve) is stopped the way the README says: SIGTERM, exit 0. (serve
      // installs its signal handlers just after printing the line: give it a moment.)
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGTERM');
      expect(first, line).toMatch(expected);
      expect(await exited, err).toBe(0);
    }
  });

  it('the line a run ends with, as the README shows it, is what the quickstart prints (shortened)', () => {
    const prose = text.replace(/^```[\s\S]*?^```/gm, '');
    const promised = [...prose.matchAll(/`(held-out accuracy [^`]+)`/g)].map((m) => m[1] ?? '');
    expect(promised.length).toBeGreaterThanOrEqual(2);
    const dir = join(tempRoot('trellis-readme-'), 'run');
    const sets = ['trainer.steps=1', 'trainer.problemsPerStep=2', 'trainer.evalProblems=8', 'trainer.checkpointEvery=1'];
    const r = runCli(['run', arithmeticConfig, ...sets.flatMap((s) => ['--set', s]), '--out', dir, '-q']);
    expect(r.status, r.stderr).toBe(0);
    for (const line of promised) expect(r.stderr, `README promises a line like '${line}'`).toMatch(exampleToRegExp(line));
    expect(r.stderr).toContain(`run directory: ${dir}\n`);
  });

  it("the quickstart's description agrees with examples/arithmetic/grpo.yaml", () => {
    const quickstart = readmeSection('## Quickstart: what the main job does', text).replace(/\s+/g, ' ');
    const t = (parse(readFileSync(arithmeticConfig, 'utf8')) as { trainer: Record<string, number> }).trainer;
    const described = {
      steps: /runs (\d+) GRPO steps/.exec(quickstart)?.[1],
      problemsPerStep: /(\d+) problems x \d+ samples per step/.exec(quickstart)?.[1],
      groupSize: /\d+ problems x (\d+) samples per step/.exec(quickstart)?.[1],
      evalProblems: /on (\d+) test problems every \d+ steps/.exec(quickstart)?.[1],
      evalEvery: /on \d+ test problems every (\d+) steps/.exec(quickstart)?.[1],
    };
    expect(described).toEqual({
      steps: String(t.steps),
      problemsPerStep: String(t.problemsPerStep),
      groupSize: String(t.groupSize),
      evalProblems: String(t.evalProblems),
      evalEvery: String(t.evalEvery),
    });
  });
});
