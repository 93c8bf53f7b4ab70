import { existsSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

/**
 * The saved `config.yaml` of the run a `<checkpoint>` argument belongs to: a run directory, one of
 * its training checkpoints (`checkpoints/step-N`) or a checkpoint's `policy/`; undefined for a
 * policy checkpoint outside any run (such as `examples/arithmetic/base`).
 */
export function runConfigOf(checkpointArg: string): string | undefined {
  const abs = resolve(checkpointArg);
  for (let dir = abs, up = 0; up <= 3; up++, dir = dirname(dir)) {
    const inside = dir === abs || abs.startsWith(`${join(dir, 'checkpoints')}${sep}`);
    if (inside && existsSync(join(dir, 'config.yaml')) && existsSync(join(dir, 'checkpoints'))) return join(dir, 'config.yaml');
  }
  return undefined;
}
