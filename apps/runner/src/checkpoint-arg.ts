import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ConfigError } from '@trellis/core';

/** A policy checkpoint directory found from a command's `<checkpoint>` argument. */
export interface CheckpointArg {
  /** Absolute path of the policy checkpoint (the directory holding `config.json`). */
  readonly dir: string;
  /** Set when the argument was a run or step directory: which checkpoint was picked, for the log. */
  readonly note?: string;
}

const isPolicyDir = (dir: string) => existsSync(join(dir, 'config.json'));

const HINT =
  'pass a policy checkpoint directory (config.json, tokenizer.json, model.safetensors), such as ' +
  '<runDir>/checkpoints/step-000010/policy or examples/arithmetic/base, or a run directory (its latest checkpoint is used)';

/**
 * Resolve the `<checkpoint>` argument of `eval` (and `serve`): a policy checkpoint directory as
 * is; a training checkpoint (`checkpoints/step-N`) by its `policy/`; a run directory by the
 * policy of its latest complete checkpoint (`checkpoints/latest`). Anything else is a
 * `ConfigError` (exit 2) saying what to pass.
 */
export function resolveCheckpointArg(arg: string): CheckpointArg {
  const abs = resolve(arg);
  if (!existsSync(abs)) throw new ConfigError(`checkpoint directory ${arg} does not exist (resolved to ${abs})`);
  if (!statSync(abs).isDirectory()) throw new ConfigError(`checkpoint ${arg} is a file, not a directory; ${HINT}`);
  if (isPolicyDir(abs)) return { dir: abs };
  const shown = (dir: string) => {
    const rel = relative(process.cwd(), dir);
    return rel === '' ? '.' : rel.startsWith('..') ? dir : rel;
  };
  if (isPolicyDir(join(abs, 'policy'))) {
    return { dir: join(abs, 'policy'), note: `using the policy of checkpoint ${arg}: ${shown(join(abs, 'policy'))}` };
  }
  const latest = join(abs, 'checkpoints', 'latest');
  if (existsSync(latest)) {
    const name = readFileSync(latest, 'utf8').trim();
    const policy = join(abs, 'checkpoints', name, 'policy');
    if (name === '' || name.includes('/') || name.includes('\\') || !isPolicyDir(policy)) {
      throw new ConfigError(
        `run directory ${arg}: checkpoints/latest names '${name}', but ${shown(policy)} holds no policy checkpoint (config.json)`,
      );
    }
    return { dir: policy, note: `using the latest checkpoint of run ${arg}: ${shown(policy)}` };
  }
  if (existsSync(join(abs, 'checkpoints'))) {
    throw new ConfigError(`run directory ${arg} has no complete checkpoint yet (no checkpoints/latest); ${HINT}`);
  }
  throw new ConfigError(`${arg} is not a policy checkpoint (no config.json in it); ${HINT}`);
}
