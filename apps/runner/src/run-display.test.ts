// The built CLI as a newcomer sees it: `trellis run` in a real pseudo-terminal of 40, 80 and 200
// columns (util-linux `script`, read back through xterm.js), piped, its default run directory
// name, and `trellis eval <runDir>` on the run's own held-out set.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import xterm from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { cli, runCli, stepLines, tempRoot, tinyConfig } from './run-cli-harness';

/** Shell-quote one word. */
const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** Run the built CLI in a pseudo-terminal of `cols` columns; resolves to what the terminal received. */
function inTerminal(cols: number, args: readonly string[], cwd: string) {
  const command = `stty cols ${cols} rows 40; exec ${q(process.execPath)} ${[cli, ...args].map(q).join(' ')}`;
  return spawnSync('script', ['-qec', command, '/dev/null'], {
    cwd,
    encoding: 'utf8',
    timeout: 240_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Rows of a terminal of `cols` columns after `output`, with whether each continues (wraps) the row above. */
async function screen(cols: number, output: string) {
  const term = new xterm.Terminal({ cols, rows: 40, scrollback: 1000, allowProposedApi: true });
  await new Promise<void>((r) => term.write(output, r));
  const rows: { text: string; wrapped: boolean }[] = [];
  for (let i = 0; i < term.buffer.active.length; i++) {
    const line = term.buffer.active.getLine(i);
    if (line) rows.push({ text: line.translateToString(true), wrapped: line.isWrapped });
  }
  term.dispose();
  return rows.filter((r) => r.text !== '');
}

const isDisplay = (text: string) => /^(step \d+\/\d+|eval @ )/.test(text);

describe('trellis run: the progress display (built CLI)', () => {
  for (const cols of [40, 80, 200]) {
    it(`in a ${cols}-column terminal: one live line redrawn in place, never wrapping`, async () => {
      const cwd = tempRoot('trellis-tty-');
      // At 80 columns, also: a --set that swaps the advantage names the run (and its directory) after it.
      const arm = cols === 80 ? ['--set', 'advantage.use=rloo'] : ['--out', join(cwd, 'run')];
      const r = inTerminal(cols, ['run', tinyConfig, '--set', 'trainer.steps=3', ...arm], cwd);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('\x1b[2K');
      const rows = await screen(cols, r.stdout);
      rows.forEach((row, i) => {
        if (!row.wrapped) return;
        let start = i;
        while (start > 0 && rows[start]?.wrapped) start--;
        expect(isDisplay(rows[start]?.text ?? ''), `a progress line wrapped at ${cols} columns: ${rows[start]?.text}`).toBe(
          false,
        );
      });
      const display = rows.filter((row) => !row.wrapped && isDisplay(row.text));
      for (const row of display) expect(row.text.length).toBeLessThan(cols);
      // Three steps drew one live line: only the last state stays, below the final evaluation.
      expect(display.map((row) => row.text.replace(/: .*/, ''))).toEqual([
        expect.stringMatching(/^eval @ (step )?0$/),
        expect.stringMatching(/^eval @ (step )?3$/),
        expect.stringMatching(/^step 3\/3 \| /),
      ]);
      expect(display[2]?.text).toMatch(cols >= 200 ? /gen .* tok\/s \| train .* tok\/s \| ETA 0s$/ : /ETA 0s/);
      if (cols === 80) {
        expect(r.stdout).toContain("starting run 'tiny-grpo+advantage=rloo'");
        expect(readdirSync(join(cwd, 'runs'))).toEqual([expect.stringMatching(/^tiny-grpo\+advantage=rloo-\d{8}-\d{6}$/)]);
      }
    });
  }

  it('piped: one full line per step, no escape codes; `trellis eval <runDir>` uses the run config', () => {
    const dir = join(tempRoot('trellis-pipe-'), 'run');
    const r = runCli(['run', tinyConfig, '--set', 'trainer.steps=3', '--out', dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.includes('\x1b') || r.stderr.includes('\r')).toBe(false);
    const steps = r.stderr.split('\n').filter((l) => l.startsWith('step '));
    expect(steps.map((l) => l.split(' | ')[0])).toEqual(['step 1/3', 'step 2/3', 'step 3/3']);
    for (const l of steps) expect(l).toMatch(/ \| reward .* \| acc .* \| held-out .* \| kl .* \| gen .* \| train .* \| ETA /);
    expect(stepLines(dir)).toHaveLength(3);

    // tiny-grpo.yaml evaluates 4 held-out problems (the default config would take 200).
    const ev = runCli(['eval', dir]);
    expect(ev.status, ev.stderr).toBe(0);
    expect(ev.stderr).toContain(`using the run's config ${join(dir, 'config.yaml')}`);
    expect(ev.stderr).toMatch(/on 4 test problems of 'arithmetic'/);
  });
});
