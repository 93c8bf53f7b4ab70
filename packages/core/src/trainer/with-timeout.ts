/** Thrown when `withTimeout` gives up. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** Largest delay `setTimeout` honours (about 24.8 days); longer ones would fire at once. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Resolve with `fn()`'s value, or reject with `TimeoutError` after `ms`. A synchronous `fn` cannot
 * be interrupted (JavaScript has one thread): it is reported as timed out when its own synchronous
 * run took longer than `ms` (time spent waiting behind other calls does not count).
 */
export async function withTimeout<T>(fn: () => T | Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let syncMs = 0;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} timed out after ${ms} ms`)), Math.min(ms, MAX_DELAY_MS));
  });
  try {
    const run = Promise.resolve().then(() => {
      const t0 = performance.now();
      try {
        return fn();
      } finally {
        syncMs = performance.now() - t0;
      }
    });
    const value = await Promise.race([run, timeout]);
    if (syncMs > ms) throw new TimeoutError(`${what} blocked for ${Math.round(syncMs)} ms (limit ${ms} ms)`);
    return value;
  } finally {
    clearTimeout(timer);
  }
}
