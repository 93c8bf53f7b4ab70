import { isDeepStrictEqual } from 'node:util';
import { ConfigError, parseOverride } from '@trellis/core';
import type { ConfigChange } from '../run-paths';

/**
 * The config keys a `--resume` may change (`*` is any list index or key; a key covers everything
 * under it). They are bookkeeping (length, schedule of evaluations, checkpoints and samples),
 * robustness settings (timeouts, retries), how the work is executed (tensor backend, worker
 * threads, batch size, metrics sinks) and the learning rate. Everything else is refused: the policy
 * and its checkpoint, model shape and tokenizer, the task, rollout, advantage, objective, losses,
 * rewards, leak guards, contributions, plugins, the seed, the batch shape (`problemsPerStep`,
 * `groupSize`, `ppoEpochs`, `minibatchSize`), sampling, the optimizer's other settings and
 * `evalProblems` (initial and final accuracy would measure different things): with any of those
 * changed, the steps already trained and those to come are not one run.
 */
export const RESUMABLE_KEYS: readonly string[] = [
  'name',
  'trainer.steps',
  'trainer.learningRate',
  'trainer.evalEvery',
  'trainer.checkpointEvery',
  'trainer.keepCheckpoints',
  'trainer.samplesPerStep',
  'trainer.rewardTimeoutMs',
  'trainer.maxNonFiniteSteps',
  'trainer.feedback.timeoutMs',
  'trainer.feedback.retries',
  'trainer.feedback.backoffMs',
  'trainer.feedback.maxBackoffMs',
  'trainer.feedback.concurrency',
  'trainer.feedback.cacheSize',
  'feedback.*.timeoutMs',
  'feedback.*.retries',
  'feedback.*.concurrency',
  'feedback.*.cacheSize',
  'policy.options.backend',
  'policy.options.workers',
  'policy.options.maxBatch',
  'policy.options.parallelSampling',
  'policy.options.workerShare',
  'metrics',
];

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Leaf-level differences between two resolved configs, as `--set` key paths (`rewards.0.weight`). */
export function configChanges(before: unknown, after: unknown, path: readonly (string | number)[] = []): ConfigChange[] {
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => configChanges(before[k], after[k], [...path, k]));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((b, i) => configChanges(b, after[i], [...path, i]));
  }
  return isDeepStrictEqual(before, after) ? [] : [{ key: path.join('.') || '(config)', from: before, to: after }];
}

/** Whether a `--resume` may make this change. */
export function isResumable(key: string): boolean {
  const segments = key.split('.');
  return RESUMABLE_KEYS.some((pattern) => {
    const p = pattern.split('.');
    return p.length <= segments.length && p.every((s, i) => s === '*' || s === segments[i]);
  });
}

/** Whether `key` is a key some resumable key lies under (`trainer`, `policy.options`): decided by the diff. */
function isAboveResumable(key: string): boolean {
  const segments = key.split('.');
  return RESUMABLE_KEYS.some((pattern) => {
    const p = pattern.split('.');
    return segments.length < p.length && segments.every((s, i) => p[i] === '*' || p[i] === s);
  });
}

function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let node = data;
  for (const seg of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[String(seg)];
  }
  return node;
}

/**
 * Refuse, before composing them, `--set`s on keys a resume may not change (so that
 * `--set advantage.use=rloo` is refused as such, not as options the saved config holds for
 * `grpo`). A `--set` to the value the run already has is no change; one above resumable keys
 * (`--set trainer={...}`) is left to {@link configChanges} on the composed configs.
 */
export function checkResumableSets(sets: readonly string[], saved: unknown): void {
  const changes: ConfigChange[] = [];
  for (const raw of sets) {
    const o = parseOverride(raw);
    const key = o.path.join('.');
    if (isResumable(key) || isAboveResumable(key)) continue;
    const from = valueAt(saved, o.path);
    if (!isDeepStrictEqual(from, o.value)) changes.push({ key, from, to: o.value });
  }
  checkResumable(changes, sets);
}

export const show = (v: unknown): string => (v === undefined ? '(unset)' : JSON.stringify(v));

/** `trainer.steps 6 -> 8, trainer.learningRate 0.001 -> 0.0005` */
export function describeChanges(changes: readonly ConfigChange[]): string {
  return changes.map((c) => `${c.key} ${show(c.from)} -> ${show(c.to)}`).join(', ');
}

/**
 * Refuse (exit 2) changes a `--resume` may not make, naming each key, its old and new value and
 * the `--set` that made it.
 */
export function checkResumable(changes: readonly ConfigChange[], sets: readonly string[]): void {
  const refused = changes.filter((c) => !isResumable(c.key));
  if (refused.length === 0) return;
  const overrides = sets.map(parseOverride);
  const culprit = (key: string) => {
    const path = key.split('.');
    return overrides.find((o) => {
      const n = Math.min(o.path.length, path.length);
      return o.path.slice(0, n).every((seg, i) => String(seg) === path[i]);
    });
  };
  const first = refused[0] as ConfigChange;
  const hit = culprit(first.key);
  throw new ConfigError(
    `${describeChanges(refused)}: ${refused.length === 1 ? 'this key' : 'these keys'} cannot change on --resume ` +
      '(the steps already trained and those to come would not be one run); start a new run with the change instead. ' +
      `--resume may change: ${RESUMABLE_KEYS.join(', ')}`,
    hit ? `--set ${hit.raw}` : '--resume',
  );
}
