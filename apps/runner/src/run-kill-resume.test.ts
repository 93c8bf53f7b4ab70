import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type CliChild,
  maxLossDiff,
  readLines,
  runCli,
  sampleSteps,
  spawnCli,
  stepLines,
  tempRoot,
  tinyConfig,
  waitUntil,
} from './run-cli-harness';

/**
 * The randomized kill test: 20 SIGKILLs at random moments of 10-step runs (a checkpoint every
 * step), each followed by a resume, in LANES run directories (several at a time). Every finished run must
 * hold steps 1..10 exactly once with the losses of an uninterrupted run (1e-6). Reproduce a failure
 * with TRELLIS_KILL_SEED=<seed printed in the message>.
 */
const KILLS = 20;
const LANES = 4;
const STEPS = 10;
const SETS = ['--set', `trainer.steps=${STEPS}`, '--set', 'trainer.checkpointEvery=1'];

/** mulberry32: a small seeded PRNG, so a failing schedule can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Records this process appended to metrics.jsonl (their `time` is not before its start). */
function ownRecords(dir: string, since: number): number {
  const path = join(dir, 'metrics.jsonl');
  if (!existsSync(path)) return 0;
  let n = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /"time":(\d+)/.exec(line);
    if (m && Number(m[1]) >= since) n++;
  }
  return n;
}

/** The step of the checkpoint a resume of `dir` will start from (approximately: `latest`). */
function checkpointStep(dir: string): number {
  const latest = join(dir, 'checkpoints', 'latest');
  if (!existsSync(latest)) return 0;
  return Number(/(\d+)/.exec(readFileSync(latest, 'utf8'))?.[1] ?? 0);
}

type Outcome = { killed: boolean; code: number | null; moment: string; stderr: string };

/**
 * Start `args` and SIGKILL it at a random moment: 1 time in 5 during set-up (0-1.5 s after it took
 * the run lock: config, model and backend set-up), otherwise 0-200 ms after its k-th metrics record, k uniform over the records it has left
 * to write; so kills land in every phase of a step (rollout, update, eval, sample and checkpoint
 * writes, the pointer update, pruning).
 */
async function runAndKill(args: string[], dir: string, rand: () => number): Promise<Outcome> {
  const since = Date.now();
  const c: CliChild = spawnCli(args);
  let moment: string;
  if (rand() < 0.2) {
    const ms = Math.floor(rand() * 1500);
    moment = `${ms} ms after taking the run lock`;
    const lock = join(dir, 'run.lock');
    const mine = () => existsSync(lock) && readFileSync(lock, 'utf8').includes(`"pid":${c.child.pid},`);
    if (await waitUntil(mine, c.child)) await new Promise((r) => setTimeout(r, ms));
  } else {
    const left = STEPS - checkpointStep(dir) + 1;
    const k = 1 + Math.floor(rand() * left);
    const ms = Math.floor(rand() * 200);
    moment = `${ms} ms after record ${k} of ${left}`;
    if (await waitUntil(() => ownRecords(dir, since) >= k, c.child, 180_000)) await new Promise((r) => setTimeout(r, ms));
  }
  c.child.kill('SIGKILL');
  const { code, signal } = await c.exited;
  return { killed: signal === 'SIGKILL', code, moment, stderr: c.stderr() };
}

/**
 * One lane: a run directory killed and resumed until `quota` kills are done, then resumed to the
 * end (should a run finish before its kills, the rest go to a new directory).
 */
async function lane(root: string, id: number, quota: number, rand: () => number, log: string[]): Promise<string[]> {
  const finished: string[] = [];
  let kills = 0;
  for (let n = 0; kills < quota || finished.length === 0; n++) {
    const dir = join(root, `lane-${id}-${n}`);
    for (;;) {
      // A run killed before it wrote config.yaml never started: the same command runs it again.
      const args = existsSync(join(dir, 'config.yaml'))
        ? ['run', '--resume', dir, '-q']
        : ['run', tinyConfig, ...SETS, '--out', dir, '-q'];
      if (kills >= quota) {
        const c = spawnCli(args); // not spawnSync: the other lanes keep timing their kills meanwhile
        const { code } = await c.exited;
        if (code !== 0) throw new Error(`${dir}: final ${args.join(' ')} exited ${code}\n${c.stderr()}\n${log.join('\n')}`);
        finished.push(dir);
        break;
      }
      const out = await runAndKill(args, dir, rand);
      log.push(
        `${dir}: ${args[1] === '--resume' ? 'resume' : 'start'} ${out.killed ? 'killed' : `exited ${out.code}`} at ${out.moment}`,
      );
      if (out.killed) {
        kills++;
        continue;
      }
      if (out.code !== 0) throw new Error(`${dir}: ${args.join(' ')} exited ${out.code}\n${out.stderr}\n${log.join('\n')}`);
      finished.push(dir); // finished before the kill came
      break;
    }
  }
  return finished;
}

describe('trellis run: randomized SIGKILL + resume (built CLI)', () => {
  it(`${KILLS} kills at random moments of ${STEPS}-step runs: every run ends with steps 1..${STEPS} once and the uninterrupted losses`, async () => {
    const seed = Number(process.env.TRELLIS_KILL_SEED ?? Date.now() % 1_000_000);
    const root = tempRoot('trellis-kill-');
    const reference = join(root, 'reference');
    const ref = runCli(['run', tinyConfig, ...SETS, '--out', reference, '-q']);
    expect(ref.status, ref.stderr).toBe(0);

    const log: string[] = [`seed ${seed}`];
    // LANES run directories with KILLS / LANES kills each, as many at a time as there are cores.
    const quota = KILLS / LANES;
    const workers = Math.max(1, Math.min(LANES, availableParallelism()));
    const dirs: string[] = [];
    let next = 0;
    const worker = async () => {
      for (let id = next++; id < LANES; id = next++) dirs.push(...(await lane(root, id, quota, prng(seed * 31 + id), log)));
    };
    await Promise.all(Array.from({ length: workers }, worker));
    if (process.env.TRELLIS_KILL_LOG) process.stderr.write(`${log.join('\n')}\n`);
    const kills = log.filter((l) => l.includes(' killed at ')).length;
    expect(kills, log.join('\n')).toBe(KILLS);

    for (const dir of dirs) {
      const context = `${dir}\n${log.join('\n')}`;
      expect(
        stepLines(dir).map((s) => s.step),
        context,
      ).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
      expect(maxLossDiff(reference, dir), context).toBeLessThan(1e-6);
      expect(sampleSteps(dir), context).toEqual(sampleSteps(reference));
      const evals = readLines(join(dir, 'metrics.jsonl')).filter((l) => l.kind === 'eval');
      expect(
        evals.map((e) => e.step),
        context,
      ).toEqual([0, STEPS]);
      expect(existsSync(join(dir, 'run.lock')), context).toBe(false);
      expect(
        readdirSync(join(dir, 'checkpoints')).filter((n) => n.startsWith('.')),
        context,
      ).toEqual([]);
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
      expect(summary.steps, context).toBe(STEPS);
    }
  }, 900_000);
});
