import { ConfigError, PluginError } from '@trellis/core';

/** Print a user-facing error and return the exit code (2 for bad input, 1 otherwise). */
export function reportError(e: unknown): number {
  if (e instanceof ConfigError || e instanceof PluginError || (e as { exitCode?: number })?.exitCode === 2) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 2;
  }
  process.stderr.write(`error: ${(e as Error)?.stack ?? String(e)}\n`);
  return 1;
}
