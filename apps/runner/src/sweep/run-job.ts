import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PARENT_PID_ENV } from '../parent-watch';

/** What one training run of a sweep needs: enough to start it, or to resume it from its directory. */
export interface RunSpec {
  /** The base experiment file, absolute. */
  readonly experiment: string;
  /** `--set` strings (the sweep's, then the arm's). */
  readonly set: readonly string[];
  readonly seed: number;
  /** The run directory, absolute. */
  readonly dir: string;
  /** Where the run's stderr is appended, absolute. */
  readonly log: string;
}

/** How a run attempt ended. */
export interface RunOutcome {
  readonly ok: boolean;
  /** Exit code of `trellis run` (null when killed by a signal). */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** A bad config or option (exit 2): retrying cannot help. */
  readonly permanent: boolean;
  /** Why it failed: the `error:` line `trellis run` printed, else the exit status and last line. */
  readonly error?: string;
}

/** A started run attempt. */
export interface RunningJob {
  readonly child: ChildProcess;
  readonly resumed: boolean;
  readonly done: Promise<RunOutcome>;
}

/** The CLI this process runs as (`dist/cli.js`), so children run the same build. */
export function currentCli(): string {
  const script = process.argv[1];
  if (!script) throw new Error('cannot tell which trellis CLI is running (process.argv[1] is empty)');
  return script;
}

/** `trellis run` arguments for a spec: a new run, or `--resume` once its directory holds a config. */
export function runArgs(spec: RunSpec): { args: string[]; resumed: boolean } {
  if (existsSync(join(spec.dir, 'config.yaml'))) return { args: ['run', '--resume', spec.dir, '-q'], resumed: true };
  const sets = [...spec.set, `seed=${spec.seed}`].flatMap((s) => ['--set', s]);
  return { args: ['run', spec.experiment, ...sets, '--out', spec.dir, '-q'], resumed: false };
}

/** The reason a failed `trellis run` gave: its last `error:` line, else its last line of output. */
export function failureReason(stderr: string, code: number | null, signal: NodeJS.Signals | null): string {
  const lines = stderr.split('\n').filter((l) => l.trim());
  const status = signal ? `killed by ${signal}` : `exit code ${code}`;
  let at = -1;
  for (let i = lines.length - 1; i >= 0 && at < 0; i--) if (/^(error|fatal):/.test(lines[i] as string)) at = i;
  if (at >= 0) {
    // The error line and the indented detail lines under it (zod issues, hints).
    const detail = [lines[at] as string];
    for (const l of lines.slice(at + 1)) {
      if (!/^\s/.test(l)) break;
      detail.push(l.trim());
    }
    return `${detail.join(' ').replace(/^(error|fatal):\s*/, '')} (${status})`;
  }
  const last = lines[lines.length - 1]?.trim();
  return last ? `${status}: ${last}` : status;
}

/**
 * Start one attempt of a run as a child `trellis run` process (one wasm thread each, so a machine
 * runs one per core). The child is told this process's pid and stops itself (SIGTERM: the run's
 * own clean stop, resumable) if this process dies, so a killed sweep or worker leaves no training
 * behind that would hold the run's lock. Stderr is appended to `spec.log`.
 */
export function startRun(spec: RunSpec, cli = currentCli()): RunningJob {
  const { args, resumed } = runArgs(spec);
  mkdirSync(dirname(spec.log), { recursive: true });
  mkdirSync(dirname(spec.dir), { recursive: true });
  const log = createWriteStream(spec.log, { flags: 'a' });
  log.write(`--- ${new Date().toISOString()} ${resumed ? 'resume' : 'start'}: trellis ${args.join(' ')}\n`);
  const child = spawn(process.execPath, [cli, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, [PARENT_PID_ENV]: String(process.pid), FORCE_COLOR: '0' },
  });
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => {
    log.write(d);
    tail = (tail + d.toString()).slice(-8192);
  });
  const done = new Promise<RunOutcome>((resolve) => {
    child.on('error', (e) => {
      log.end();
      resolve({ ok: false, code: null, signal: null, permanent: false, error: `cannot start trellis run: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      log.end(`--- exit ${signal ?? code}\n`);
      const ok = code === 0 && existsSync(join(spec.dir, 'summary.json'));
      if (ok) return resolve({ ok, code, signal, permanent: false });
      // A run directory another live process holds also exits 2, but is not the config's fault.
      const permanent = code === 2 && !/run directory \S+ is (already )?in use|could not acquire \S+run\.lock/.test(tail);
      resolve({ ok, code, signal, permanent, error: failureReason(tail, code, signal) });
    });
  });
  return { child, resumed, done };
}
