import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCK_FILE, RunLock, RunLockedError } from './run-lock';

const tmp = () => mkdtempSync(join(tmpdir(), 'trellis-lock-'));
const lockOf = (pid: number, host = hostname()) =>
  `${JSON.stringify({ pid, hostname: host, startedAt: '2024-01-01T00:00:00.000Z', token: 'feedc0de', argv: ['trellis', 'run'] })}\n`;

/** A pid that certainly belongs to no running process: a child that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

describe('RunLock', () => {
  it('creates run.lock with pid, host and start time, and removes it on release', () => {
    const dir = tmp();
    const lock = RunLock.acquire(dir);
    const info = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
    expect(info).toMatchObject({ pid: process.pid, hostname: hostname() });
    expect(Date.parse(info.startedAt)).toBeGreaterThan(0);
    expect(lock.tookOver).toBeUndefined();
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    lock.release();
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
    RunLock.acquire(dir).release();
  });

  it('refuses a second holder in the same process', () => {
    const dir = tmp();
    const lock = RunLock.acquire(dir);
    expect(() => RunLock.acquire(dir)).toThrow(/already in use by this process/);
    lock.release();
  });

  it('refuses a lock held by a live process, naming its pid and the lock file (exit code 2)', async () => {
    const dir = tmp();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    children.push(child);
    await new Promise((r) => child.once('spawn', r));
    writeFileSync(join(dir, LOCK_FILE), lockOf(child.pid as number));
    const err = (() => {
      try {
        RunLock.acquire(dir);
      } catch (e) {
        return e as RunLockedError;
      }
      throw new Error('acquired a live lock');
    })();
    expect(err).toBeInstanceOf(RunLockedError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(`pid ${child.pid}`);
    expect(err.message).toContain(join(dir, LOCK_FILE));
    expect(err.holder?.pid).toBe(child.pid);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(lockOf(child.pid as number));
  });

  it('takes over a lock whose process is gone', () => {
    const dir = tmp();
    const pid = deadPid();
    writeFileSync(join(dir, LOCK_FILE), lockOf(pid));
    const lock = RunLock.acquire(dir);
    expect(lock.tookOver?.holder?.pid).toBe(pid);
    expect(lock.tookOver?.reason).toBe(`process ${pid} is no longer running`);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('takes over a lock naming this very pid that this process does not hold (pid reused)', () => {
    const dir = tmp();
    writeFileSync(join(dir, LOCK_FILE), lockOf(process.pid));
    const lock = RunLock.acquire(dir);
    expect(lock.tookOver?.reason).toMatch(/pid reused/);
    lock.release();
  });

  it('leaves a lock from another host alone (its liveness cannot be checked)', () => {
    const dir = tmp();
    writeFileSync(join(dir, LOCK_FILE), lockOf(deadPid(), 'some-other-host'));
    expect(() => RunLock.acquire(dir)).toThrow(/on host some-other-host/);
  });

  it('takes over an unreadable lock once it is not being written any more', () => {
    const dir = tmp();
    const path = join(dir, LOCK_FILE);
    writeFileSync(path, '{"pid": 12');
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    const lock = RunLock.acquire(dir);
    expect(lock.tookOver).toEqual({ holder: undefined, reason: 'it is unreadable' });
    lock.release();
  });

  it('release leaves a lock that another process has since taken', () => {
    const dir = tmp();
    const lock = RunLock.acquire(dir);
    writeFileSync(join(dir, LOCK_FILE), lockOf(12345));
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
  });
});
