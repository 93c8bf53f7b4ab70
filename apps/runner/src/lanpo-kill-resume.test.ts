import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ckpt, rewindTo, runCli, spawnCli, stepLines, tempRoot, waitUntil } from './run-cli-harness';

const lanpoConfig = fileURLToPath(new URL('../../../examples/arithmetic/lanpo.yaml', import.meta.url));
// Two problems per step from a training set of two: both recur every step, so from step 2 on the
// pool gives every group reflection context (and abstraction once the other problem is solved).
const SETS = [
  ['trainer.steps', 3],
  ['trainer.problemsPerStep', 2],
  ['trainer.groupSize', 4],
  ['trainer.evalProblems', 2],
  ['trainer.checkpointEvery', 1],
  ['trainer.keepCheckpoints', 3],
  ['trainer.sampling.maxNewTokens', 24],
  ['rollout.options.problems.trainingSetSize', 2],
].flatMap(([k, v]) => ['--set', `${k}=${v}`]);

const latestStep = (dir: string) => {
  const path = join(dir, 'checkpoints', 'latest');
  return existsSync(path) ? Number(/(\d+)/.exec(readFileSync(path, 'utf8'))?.[1] ?? 0) : 0;
};
const strategyAt = (dir: string, step: number) =>
  (JSON.parse(readFileSync(ckpt(dir, step, 'trainer-state.json'), 'utf8')) as { strategy: { pool: { problems: unknown[] } } })
    .strategy;

describe('trellis run with rollout.use: lanpo (built CLI, examples/arithmetic/lanpo.yaml)', () => {
  it('SIGKILLed after a checkpoint and resumed: the restored pool reproduces the pool written before the kill', async () => {
    const dir = join(tempRoot('trellis-lanpo-'), 'run');
    const c = spawnCli(['run', lanpoConfig, ...SETS, '--out', dir, '-q']);
    const ready = await waitUntil(() => latestStep(dir) >= 2, c.child, 180_000);
    c.child.kill('SIGKILL');
    const exit = await c.exited;
    expect(ready, c.stderr()).toBe(true);
    expect(exit.signal, c.stderr()).toBe('SIGKILL');
    const before = strategyAt(dir, 2);
    expect(before.pool.problems).toHaveLength(2);
    // Crash right after checkpoint 1: the resume restores the pool of step 1 and must rebuild the
    // step-2 pool exactly (same contexts, same samples, same attempts and rewards).
    rewindTo(dir, 1);
    const resumed = runCli(['run', '--resume', dir, '-q']);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(strategyAt(dir, 2)).toEqual(before);
    const steps = stepLines(dir);
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3]);
    expect(steps[0]?.values['lanpo/reflection_possible']).toBe(0);
    for (const s of steps.slice(1)) {
      expect(s.values['lanpo/reflection_possible']).toBe(1);
      expect(s.values['lanpo/samples_reflection']).toBeGreaterThan(0);
      expect(s.values['lanpo/pool_problems']).toBe(2);
    }
    // The trainer's periodic evaluation goes through the strategy's evaluator: both accuracies logged.
    const evals = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"kind":"eval"'))
      .map((l) => (JSON.parse(l) as { values: Record<string, number> }).values);
    expect(evals.length).toBeGreaterThan(0);
    for (const v of evals) {
      expect(v['eval/accuracy']).toBeGreaterThanOrEqual(0);
      expect(v['eval/accuracy_augmented']).toBeGreaterThanOrEqual(0);
    }
    // `trellis eval <runDir>` restores the pool of the run's latest checkpoint and prints both accuracies.
    const evaluated = runCli(['eval', dir, '--limit', '2']);
    expect(evaluated.status, evaluated.stderr).toBe(0);
    expect(`${evaluated.stdout}${evaluated.stderr}`).toMatch(
      /evaluator lanpo-augmented: eval\/accuracy \d+\.\d% \| eval\/accuracy_augmented \d+\.\d%/,
    );
  }, 300_000);
});
