import { EventEmitter } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricsRecord } from '@trellis/core';
import xterm from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { cells, fitLine } from './fit-line';
import { ProgressLine, type ProgressStream } from './progress-line';
import { TrainingProgressSink } from './training-progress-sink';

/** A terminal of `cols` columns (xterm.js, headless) behind a stream that says it is a TTY. */
class Screen extends EventEmitter {
  readonly isTTY = true;
  readonly term: InstanceType<typeof xterm.Terminal>;
  written = '';

  constructor(public columns: number) {
    super();
    // convertEol: LF also returns the carriage, as a terminal's tty driver does (onlcr).
    this.term = new xterm.Terminal({ cols: columns, rows: 30, scrollback: 1000, allowProposedApi: true, convertEol: true });
  }

  write(chunk: string): boolean {
    this.written += chunk;
    this.term.write(chunk);
    return true;
  }

  resize(columns: number): void {
    this.columns = columns;
    this.term.resize(columns, 30);
    this.emit('resize');
  }

  /** Every row of the buffer with its text and whether it continues the row above (a wrap). */
  async rows(): Promise<{ text: string; wrapped: boolean }[]> {
    await new Promise<void>((r) => this.term.write('', r));
    const buffer = this.term.buffer.active;
    const rows: { text: string; wrapped: boolean }[] = [];
    for (let i = 0; i < buffer.length; i++) {
      const line = buffer.getLine(i);
      if (line) rows.push({ text: line.translateToString(true), wrapped: line.isWrapped });
    }
    while (rows.length && rows[rows.length - 1]?.text === '') rows.pop();
    return rows;
  }

  get stream(): ProgressStream {
    return this as unknown as ProgressStream;
  }
}

/** A clock that advances 1.4 s per reading: the ETA of step s of 200 is (200 - s) * 1.4 s. */
const fakeClock = () => {
  let t = 0;
  return () => (t += 1400);
};

/** Records of a run: an initial eval, `steps` steps with large numbers and failures, an eval every 50. */
function records(steps: number, total = 200): MetricsRecord[] {
  const out: MetricsRecord[] = [{ kind: 'eval', step: 0, time: 0, values: { 'eval/accuracy': 0.333, 'eval/problems': 300 } }];
  for (let step = 1; step <= steps; step++) {
    out.push({
      kind: 'step',
      step,
      time: step,
      values: {
        'reward/total': 0.4125,
        'reward/math-accuracy': 0.453,
        'actor/kl': 0.00123,
        'throughput/generated_tokens_per_s': 11_100,
        'throughput/trained_tokens_per_s': 4_230,
        'time/step_s': 1.4,
        'reward_failures/overlong': step > 2 ? 3 : 0,
        'update/non_finite': 0,
      },
    });
    if (step % 50 === 0 || step === total) {
      out.push({ kind: 'eval', step, time: step, values: { 'eval/accuracy': 0.42, 'eval/problems': 300 } });
    }
  }
  return out;
}

describe('fitLine', () => {
  const fields = [
    { text: 'step 12/200', priority: 10 },
    { text: '[##########..........]', short: '[#####.....]', priority: 2 },
    { text: 'held-out 33.3%', short: 'eval 33.3%', priority: 8 },
    { text: 'gen 11.1k tok/s', short: 'gen 11.1k/s', priority: 5 },
    { text: 'ETA 4m12s', priority: 9 },
  ];

  it('shows every field when there is room or no terminal', () => {
    const full = 'step 12/200 | [##########..........] | held-out 33.3% | gen 11.1k tok/s | ETA 4m12s';
    expect(fitLine(fields, undefined)).toBe(full);
    expect(fitLine(fields, full.length)).toBe(full);
  });

  it('takes short forms, then drops the least important fields, and never exceeds the width', () => {
    expect(fitLine(fields, 70)).toBe('step 12/200 | [#####.....] | held-out 33.3% | gen 11.1k/s | ETA 4m12s');
    expect(fitLine(fields, 60)).toBe('step 12/200 | eval 33.3% | gen 11.1k/s | ETA 4m12s');
    expect(fitLine(fields, 40)).toBe('step 12/200 | eval 33.3% | ETA 4m12s');
    expect(fitLine(fields, 24)).toBe('step 12/200 | ETA 4m12s');
    expect(fitLine(fields, 8)).toBe('step 12/');
    for (let w = 1; w <= 100; w++) expect(cells(fitLine(fields, w))).toBeLessThanOrEqual(w);
  });
});

describe('TrainingProgressSink on a terminal (xterm.js headless)', () => {
  for (const cols of [40, 80, 200]) {
    it(`at ${cols} columns: one live line rewritten in place, never wrapping`, async () => {
      const screen = new Screen(cols);
      const sink = new TrainingProgressSink(200, 'math-accuracy', { line: new ProgressLine(screen.stream), now: fakeClock() });
      for (const r of records(120)) sink.write(r);
      sink.write({ kind: 'event', step: 120, time: 0, values: {}, message: 'short event' });
      const rows = await screen.rows();
      expect(rows.filter((r) => r.wrapped)).toEqual([]);
      for (const r of rows) expect(cells(r.text)).toBeLessThan(cols);
      // Permanent lines: the three evaluations and the event; then the live line, and nothing else.
      expect(rows.map((r) => r.text.split(':')[0])).toEqual([
        expect.stringMatching(/^eval @ (step )?0/),
        expect.stringMatching(/^eval @ (step )?50/),
        expect.stringMatching(/^eval @ (step )?100/),
        '[step 120] short event',
        expect.stringMatching(/^step 120\/200/),
      ]);
      const live = rows[rows.length - 1]?.text ?? '';
      expect(live).toMatch(/^step 120\/200 \| .*(held-out|eval) 42\.0% .*\| ETA 1m52s/);
      if (cols === 80) expect(live).toBe('step 120/200 | reward 0.41 | acc 45.3% | eval 42.0% | ETA 1m52s | fail 3');
      if (cols === 40) expect(live).toBe('step 120/200 | eval 42.0% | ETA 1m52s');
      if (cols >= 200) {
        expect(live).toBe(
          'step 120/200 | [############........] | reward 0.41 | acc 45.3% | held-out 42.0% | kl 0.0012 | gen 11.1k tok/s | train 4.2k tok/s | ETA 1m52s | reward failures 3',
        );
        expect(rows[0]?.text).toBe('eval @ step 0: held-out accuracy 33.3% on 300 problems');
      }
    });
  }

  it('redraws the live line to the new width when the terminal is resized', async () => {
    const screen = new Screen(200);
    const sink = new TrainingProgressSink(200, 'math-accuracy', { line: new ProgressLine(screen.stream), now: fakeClock() });
    for (const r of records(3)) sink.write(r);
    screen.resize(40);
    const rows = await screen.rows();
    const live = rows[rows.length - 1];
    expect(live?.text).toBe('step 3/200 | eval 33.3% | ETA 4m36s');
    expect(cells(live?.text ?? '')).toBeLessThan(40);
    expect(live?.wrapped).toBe(false);
  });

  it('ends with the last step line kept on screen and the cursor on a fresh line', async () => {
    const screen = new Screen(80);
    const sink = new TrainingProgressSink(4, 'math-accuracy', { line: new ProgressLine(screen.stream), now: fakeClock() });
    for (const r of records(4, 4)) sink.write(r);
    sink.flush();
    screen.write('held-out accuracy 33.3% -> 42.0% (+8.7) in 6s\n');
    const rows = (await screen.rows()).map((r) => r.text);
    expect(rows.slice(-3)).toEqual([
      'eval @ step 4: held-out accuracy 42.0% on 300 problems',
      expect.stringMatching(/^step 4\/4 \| .*ETA 0s/),
      'held-out accuracy 33.3% -> 42.0% (+8.7) in 6s',
    ]);
  });
});

describe('TrainingProgressSink when not a terminal (pipe, CI log)', () => {
  it('prints one full line per step and per evaluation, with no escape codes', () => {
    let out = '';
    const write = (s: string) => {
      out += s;
      return true;
    };
    const stream = { isTTY: false, write } as unknown as ProgressStream;
    const sink = new TrainingProgressSink(200, 'math-accuracy', { line: new ProgressLine(stream), now: fakeClock() });
    for (const r of records(60)) sink.write(r);
    sink.flush();
    const lines = out.split('\n').filter(Boolean);
    expect(out.includes('\x1b') || out.includes('\r')).toBe(false);
    expect(lines.filter((l) => l.startsWith('step '))).toHaveLength(60);
    expect(lines.filter((l) => l.startsWith('eval @ step '))).toHaveLength(2);
    expect(lines[60]).toMatch(/^step 59\/200 \| \[.*\] \| reward 0\.41 \| acc 45\.3% \| held-out 42\.0% \| kl .* \| ETA /);
  });
});

describe('TrainingProgressSink after a resume', () => {
  it("shows the last evaluation before the checkpoint, not 'n/a', until the next one", async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'trellis-progress-'));
    const lines = [
      { kind: 'eval', step: 0, time: 0, values: { 'eval/accuracy': 0.333, 'eval/problems': 300 } },
      { kind: 'eval', step: 50, time: 0, values: { 'eval/accuracy': 0.39, 'eval/problems': 300 } },
      { kind: 'event', step: 50, time: 0, values: {}, message: 'resumed from checkpoints/step-000050' },
    ];
    writeFileSync(join(runDir, 'metrics.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n{"kind":"st`);
    const screen = new Screen(80);
    const sink = new TrainingProgressSink(200, 'math-accuracy', {
      line: new ProgressLine(screen.stream),
      runDir,
      now: fakeClock(),
    });
    sink.write(lines[2] as MetricsRecord);
    for (const r of records(51).slice(-1)) sink.write(r);
    const rows = (await screen.rows()).map((r) => r.text);
    expect(rows[0]).toBe('[step 50] resumed from checkpoints/step-000050');
    expect(rows[1]).toMatch(/^step 51\/200 \| .*eval 39\.0%/);
  });
});
