/** Thrown when `withTimeout` gives up. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * Resolve with `fn()`'s value, or reject with `TimeoutError` after `ms`. A synchronous `fn` that
 * blocks cannot be interrupted (JavaScript has one thread); it is still reported as timed out
 * when it overruns.
 */
export async function withTimeout<T>(fn: () => T | Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const started = performance.now();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    const value = await Promise.race([Promise.resolve().then(fn), timeout]);
    if (performance.now() - started > ms) throw new TimeoutError(`${what} took longer than ${ms} ms`);
    return value;
  } finally {
    clearTimeout(timer);
  }
}
