import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, lstatSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** File name of the lock inside a run directory. */
export const LOCK_FILE = 'run.lock';

/** What `run.lock` holds: who owns the run directory. */
export interface RunLockInfo {
  readonly pid: number;
  readonly hostname: string;
  readonly startedAt: string;
  /** Random per-acquisition token: a release only removes the lock it created. */
  readonly token: string;
  readonly argv: readonly string[];
}

/** Another live process holds the run directory (exit code 2, no stack trace in the CLI). */
export class RunLockedError extends Error {
  override readonly name = 'RunLockedError';
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly holder: RunLockInfo | undefined,
  ) {
    super(message);
  }
}

/** Locks this process holds, by lock path; released on process exit. */
const held = new Map<string, RunLock>();
let exitHook = false;

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;

function parseInfo(text: string): RunLockInfo | undefined {
  try {
    const v = JSON.parse(text) as Partial<RunLockInfo>;
    if (Number.isSafeInteger(v.pid) && (v.pid as number) > 0 && typeof v.hostname === 'string' && typeof v.token === 'string') {
      return { startedAt: '?', argv: [], ...v } as RunLockInfo;
    }
  } catch {
    // fall through: unreadable
  }
  return undefined;
}

/** Create `path` holding `text` only if it does not exist; the content appears complete or not at all. */
function createExclusive(path: string, text: string, token: string): boolean {
  const tmp = `${path}.${token}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if (errno(e) === 'EEXIST') return false;
    // Filesystems without hard links: fall back to O_EXCL (the content is written just after).
    try {
      const fd2 = openSync(path, 'wx');
      try {
        writeSync(fd2, text);
        fsyncSync(fd2);
      } finally {
        closeSync(fd2);
      }
      return true;
    } catch (e2) {
      if (errno(e2) === 'EEXIST') return false;
      throw e2;
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
}

/** Why the lock `holder` is stale, or undefined while its owner may still be alive. */
function staleReason(path: string, holder: RunLockInfo): string | undefined {
  if (holder.hostname !== hostname()) return undefined;
  if (holder.pid === process.pid) return held.has(path) ? undefined : `its pid ${holder.pid} is this process's own (pid reused)`;
  try {
    process.kill(holder.pid, 0);
    return undefined;
  } catch (e) {
    return errno(e) === 'ESRCH' ? `process ${holder.pid} is no longer running` : undefined;
  }
}

function describe(path: string, h: RunLockInfo): string {
  const where = h.hostname === hostname() ? '' : ` on host ${h.hostname} (this host cannot check whether it is alive)`;
  const cmd = h.argv.length ? ` (${h.argv.join(' ')})` : '';
  return `${path} is held by pid ${h.pid}${where} since ${h.startedAt}${cmd}`;
}

/**
 * Exclusive ownership of a run directory: `<dir>/run.lock` (pid, hostname, start time, argv),
 * created atomically. A lock left by a dead process on this host (its pid no longer exists) is
 * stale and taken over; a live one makes {@link RunLock.acquire} throw {@link RunLockedError}.
 * Held locks are removed on `release()` and when the process exits (not on SIGKILL: the next
 * acquirer finds that lock stale).
 */
export class RunLock {
  private released = false;

  private constructor(
    readonly path: string,
    readonly info: RunLockInfo,
    /** The stale lock this acquisition replaced, with the reason it was stale. */
    readonly tookOver: { holder: RunLockInfo | undefined; reason: string } | undefined,
  ) {}

  /** Acquire the lock of run directory `dir`, or throw {@link RunLockedError} naming the holder. */
  static acquire(dir: string): RunLock {
    const path = join(dir, LOCK_FILE);
    const mine = held.get(path);
    if (mine) throw new RunLockedError(`run directory ${dir} is already in use by this process (${path})`, mine.info);
    const info: RunLockInfo = {
      pid: process.pid,
      hostname: hostname(),
      startedAt: new Date().toISOString(),
      token: randomBytes(8).toString('hex'),
      argv: process.argv.slice(1),
    };
    const text = `${JSON.stringify(info)}\n`;
    let tookOver: RunLock['tookOver'];
    for (let attempt = 0; attempt < 50; attempt++) {
      if (createExclusive(path, text, info.token)) {
        const lock = new RunLock(path, info, tookOver);
        held.set(path, lock);
        if (!exitHook) {
          exitHook = true;
          process.on('exit', () => {
            for (const l of [...held.values()]) l.release();
          });
        }
        return lock;
      }
      let raw: string;
      let age: number;
      try {
        raw = readFileSync(path, 'utf8');
        age = Date.now() - lstatSync(path).mtimeMs;
      } catch (e) {
        if (errno(e) === 'ENOENT') continue;
        throw e;
      }
      const holder = parseInfo(raw);
      if (!holder && age < 2000) {
        sleepSync(50); // being written by an O_EXCL writer
        continue;
      }
      const reason = holder ? staleReason(path, holder) : 'it is unreadable';
      if (!reason) {
        throw new RunLockedError(
          `run directory ${dir} is in use: ${describe(path, holder as RunLockInfo)}; wait for that run to finish or stop it (if no such process is running, delete ${path})`,
          holder,
        );
      }
      if (RunLock.takeOver(path, raw)) tookOver = { holder, reason };
    }
    throw new RunLockedError(`could not acquire ${path}: it kept changing (other processes starting on this run?)`, undefined);
  }

  /** Move the stale lock `raw` aside; if what was moved is not that lock (a race), put it back. */
  private static takeOver(path: string, raw: string): boolean {
    const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      renameSync(path, aside);
    } catch (e) {
      if (errno(e) === 'ENOENT') return false;
      throw e;
    }
    const moved = readFileSync(aside, 'utf8');
    if (moved !== raw) {
      try {
        linkSync(aside, path);
      } catch {
        // someone else locked meanwhile; their lock stands
      }
      unlinkSync(aside);
      return false;
    }
    unlinkSync(aside);
    return true;
  }

  /** Whether this lock is still held (not released). */
  get isHeld(): boolean {
    return !this.released;
  }

  /** Remove the lock file if it is still this acquisition's. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this.path);
    try {
      if (parseInfo(readFileSync(this.path, 'utf8'))?.token === this.info.token) unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}
