import { afterEach, describe, expect, it, vi } from 'vitest';
import { TimeoutError, withTimeout } from './with-timeout';

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Deliberately blocking the thread.
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('withTimeout', () => {
  it('resolves with the value of a synchronous or asynchronous function', async () => {
    await expect(withTimeout(() => 42, 1000, 'sync')).resolves.toBe(42);
    await expect(withTimeout(async () => 'ok', 1000, 'async')).resolves.toBe('ok');
    await expect(withTimeout(() => new Promise((r) => setTimeout(() => r(7), 5)), 5000, 'later')).resolves.toBe(7);
  });

  it('rejects with a TimeoutError naming the call when the promise never settles', async () => {
    const err = await withTimeout(() => new Promise(() => {}), 20, "reward 'slow'").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).name).toBe('TimeoutError');
    expect((err as Error).message).toBe("reward 'slow' timed out after 20 ms");
  });

  it('propagates synchronous throws and rejections unchanged', async () => {
    const boom = new Error('boom');
    await expect(
      withTimeout(
        () => {
          throw boom;
        },
        1000,
        'sync',
      ),
    ).rejects.toBe(boom);
    await expect(withTimeout(() => Promise.reject(boom), 1000, 'async')).rejects.toBe(boom);
  });

  it('reports a blocking synchronous function that overruns as timed out', async () => {
    const err = await withTimeout(
      () => {
        busyWait(40);
        return 1;
      },
      5,
      'blocking',
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(/^blocking blocked for \d+ ms \(limit 5 ms\)$/);
  });

  it('leaves no timer behind after resolving, rejecting or timing out', async () => {
    vi.useFakeTimers();
    expect(vi.getTimerCount()).toBe(0);

    const pending = withTimeout(() => new Promise<number>((r) => setTimeout(() => r(3), 10)), 1000, 'x');
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(2);
    await vi.advanceTimersByTimeAsync(10);
    await expect(pending).resolves.toBe(3);
    expect(vi.getTimerCount()).toBe(0);

    await expect(withTimeout(() => 1, 60_000, 'sync')).resolves.toBe(1);
    expect(vi.getTimerCount()).toBe(0);

    await expect(withTimeout(() => Promise.reject(new Error('no')), 60_000, 'fail')).rejects.toThrow('no');
    expect(vi.getTimerCount()).toBe(0);

    const hanging = withTimeout(() => new Promise(() => {}), 100, 'hang');
    const assertion = expect(hanging).rejects.toBeInstanceOf(TimeoutError);
    await vi.advanceTimersByTimeAsync(100);
    await assertion;
    expect(vi.getTimerCount()).toBe(0);
  });

  // Regression: each call is charged only for its own synchronous run, not for queued concurrent calls.
  it('does not charge a synchronous call for the work of concurrent calls', async () => {
    const calls = [0, 1, 2].map((i) =>
      withTimeout(
        () => {
          busyWait(15);
          return i;
        },
        40,
        `call ${i}`,
      ),
    );
    await expect(Promise.all(calls)).resolves.toEqual([0, 1, 2]);
  });

  // Regression: delays above 2^31 - 1 ms are capped instead of firing at once.
  it('treats a timeout above 2^31 - 1 ms as a long timeout', async () => {
    await expect(withTimeout(() => new Promise((r) => setTimeout(() => r('done'), 20)), 2 ** 31, 'x')).resolves.toBe('done');
  });
});
