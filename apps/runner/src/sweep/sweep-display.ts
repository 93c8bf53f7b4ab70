import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type Field, fitLine } from '../progress/fit-line';
import { formatDuration } from '../progress/format';
import { ProgressLine, type ProgressStream } from '../progress/progress-line';
import { type SweepRun, type SweepState, tally } from './sweep-state';

/** The step of the last record of a run's metrics.jsonl (read from its last 4 KiB), 0 when none. */
export function lastStep(dir: string): number {
  const file = join(dir, 'metrics.jsonl');
  if (!existsSync(file)) return 0;
  const size = statSync(file).size;
  const len = Math.min(size, 4096);
  if (len === 0) return 0;
  const buf = Buffer.alloc(len);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, len, size - len);
  } finally {
    closeSync(fd);
  }
  const lines = buf.toString('utf8').split('\n').filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const step = (JSON.parse(lines[i] as string) as { step?: unknown }).step;
      if (typeof step === 'number') return step;
    } catch {}
  }
  return 0;
}

/** `trainer.steps` of a run directory's config.yaml, once it exists. */
function plannedSteps(dir: string): number | undefined {
  try {
    const cfg = parseYaml(readFileSync(join(dir, 'config.yaml'), 'utf8')) as { trainer?: { steps?: unknown } };
    return typeof cfg.trainer?.steps === 'number' ? cfg.trainer.steps : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Remaining time of a sweep: the mean duration of runs finished by this process (else the pace of
 * the running ones, from their step counts) times the work left, spread over the parallel slots.
 */
export function estimateRemainingMs(
  finishedMs: readonly number[],
  running: readonly { elapsedMs: number; fraction: number }[],
  queued: number,
  slots: number,
): number | undefined {
  let per: number | undefined;
  if (finishedMs.length) per = finishedMs.reduce((a, b) => a + b, 0) / finishedMs.length;
  else {
    const paces = running.filter((r) => r.fraction > 0.02).map((r) => r.elapsedMs / r.fraction);
    if (paces.length) per = paces.reduce((a, b) => a + b, 0) / paces.length;
  }
  if (per === undefined) return undefined;
  const left = queued * per + running.reduce((s, r) => s + Math.max(0, per * (1 - r.fraction)), 0);
  return left / Math.max(1, Math.min(slots, queued + running.length));
}

/**
 * The live display of a sweep: one status line (done / running with each run's step / queued /
 * failed / ETA), redrawn every second on a terminal and printed at most every 10 s otherwise,
 * with a permanent line per finished, retried or failed run above it.
 */
export class SweepDisplay {
  private readonly line: ProgressLine;
  private readonly started = new Map<string, number>();
  private readonly steps = new Map<string, number | undefined>();
  private readonly finishedMs: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly tty: boolean;

  constructor(
    private readonly state: SweepState,
    private readonly sweepDir: string,
    private readonly slots: number,
    stream: ProgressStream = process.stderr,
    private readonly quiet = false,
  ) {
    this.tty = Boolean(stream.isTTY);
    this.line = new ProgressLine(stream, this.tty ? 0 : 10_000);
  }

  start(): void {
    if (this.quiet) return;
    this.render(true);
    this.timer = setInterval(() => this.render(false), 1000);
    this.timer.unref();
  }

  runStarted(run: SweepRun): void {
    this.started.set(run.id, Date.now());
  }

  runEnded(run: SweepRun, message: string, ok: boolean): void {
    const t0 = this.started.get(run.id);
    this.started.delete(run.id);
    if (ok && t0 !== undefined) this.finishedMs.push(Date.now() - t0);
    this.log(message);
  }

  /** A permanent line. */
  log(message: string): void {
    if (this.quiet) process.stderr.write(`${message}\n`);
    else this.line.log(message);
    this.render(true);
  }

  private running(): { run: SweepRun; elapsedMs: number; step: number; total: number | undefined }[] {
    const now = Date.now();
    return this.state.runs
      .filter((r) => r.status === 'running')
      .map((run) => {
        const dir = join(this.sweepDir, run.dir);
        if (this.steps.get(run.id) === undefined) this.steps.set(run.id, plannedSteps(dir));
        return { run, elapsedMs: now - (this.started.get(run.id) ?? now), step: lastStep(dir), total: this.steps.get(run.id) };
      });
  }

  /** The status line for a terminal `width` (undefined: not a terminal). */
  text(width: number | undefined): string {
    const t = tally(this.state);
    const running = this.running();
    const eta = estimateRemainingMs(
      this.finishedMs,
      running.map((r) => ({ elapsedMs: r.elapsedMs, fraction: r.total ? r.step / r.total : 0 })),
      t.queued,
      this.slots,
    );
    const each = running.map((r) => `${r.run.id} ${r.step}/${r.total ?? '?'}`).join(', ');
    const fields: Field[] = [
      {
        text: `sweep ${this.state.name}: ${t.done}/${this.state.runs.length} done`,
        short: `${t.done}/${this.state.runs.length} done`,
        priority: 5,
      },
      { text: `${t.running} running${each ? ` (${each})` : ''}`, short: `${t.running} running`, priority: 3 },
      { text: `${t.queued} queued`, priority: 2 },
      { text: `${t.failed} failed`, priority: 4 },
      { text: `ETA ${eta === undefined ? '?' : formatDuration(eta)}`, priority: 1 },
    ];
    return fitLine(fields, width);
  }

  private render(force: boolean): void {
    if (this.quiet) return;
    this.line.update((w) => this.text(w), force);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.quiet) {
      if (this.tty) this.render(true);
      this.line.done();
    }
  }
}
