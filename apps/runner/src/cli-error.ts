import { ConfigError, NonFiniteLossError, PluginError, SafetensorsError } from '@trellis/core';

/** How `reportError` prints. */
export interface ReportOptions {
  /** `--debug`: also print the stack trace. */
  readonly debug?: boolean;
  /** Where the text goes (default: stderr). */
  readonly write?: (s: string) => void;
}

/**
 * True for a failure the user caused (a config, flag or file): a `ConfigError`, a `PluginError`,
 * a malformed safetensors file (`SafetensorsError`), or any error that says `exitCode: 2` (such
 * as core's `CheckpointError`, matched by that field so that a second copy of `@trellis/core`
 * still counts).
 */
export function isUserError(e: unknown): boolean {
  return (
    e instanceof ConfigError ||
    e instanceof PluginError ||
    e instanceof SafetensorsError ||
    (typeof e === 'object' && e !== null && (e as { exitCode?: unknown }).exitCode === 2)
  );
}

/**
 * A known way for a run to fail that is not a bug in Trellis: reported by its message, exit 1.
 * A run whose losses stay NaN/Inf stopped on purpose; its message says why.
 */
function isKnownFailure(e: unknown): boolean {
  return e instanceof NonFiniteLossError;
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Print a failed command's error and return its exit code: 2 with one `error: <message>` line for
 * bad input (the message names the key or file, the rule and the allowed values), 1 otherwise.
 * No stack trace unless `debug`; an unexpected error (a bug) says to rerun with `--debug` for one.
 */
export function reportError(e: unknown, options: ReportOptions = {}): number {
  const write = options.write ?? ((s: string) => process.stderr.write(s));
  const stack = e instanceof Error && e.stack ? `${e.stack}\n` : '';
  if (isUserError(e) || isKnownFailure(e)) {
    write(`error: ${messageOf(e)}\n`);
    if (options.debug) write(stack);
    return isUserError(e) ? 2 : 1;
  }
  if (options.debug) {
    write(`error: ${stack || `${String(e)}\n`}`);
    return 1;
  }
  const first = messageOf(e).split('\n')[0] || String(e);
  const name = e instanceof Error && e.name !== 'Error' ? `${e.name}: ` : '';
  write(`error: ${name}${first}\n(unexpected error; run again with --debug for the stack trace)\n`);
  return 1;
}
