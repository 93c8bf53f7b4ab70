/**
 * An error caused by user input (config, plugin spec, CLI flag). The CLI prints `message` without
 * a stack trace and exits with code 2. `where` names the source (file, `--set`, plugin path).
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly where?: string,
  ) {
    super(where ? `${where}: ${message}` : message);
  }
}

/** An error raised by a plugin that is broken (not the user's fault). */
export class PluginError extends Error {
  override readonly name = 'PluginError';
  readonly exitCode = 2;
}

/**
 * A checkpoint or weights file that cannot be used: missing, truncated, a corrupt or lying
 * header, tensors that do not match the model. Caused by the files the user pointed at, so the CLI
 * prints `message` without a stack trace and exits with code 2. The message names the file.
 */
export class CheckpointError extends Error {
  override readonly name: string = 'CheckpointError';
  readonly exitCode = 2;
}

/** Render a list of allowed values for error messages. */
export function listOf(values: readonly string[]): string {
  return values.length === 0 ? '(none)' : [...values].sort().join(', ');
}
