// `trellis sweep --queue` over BullMQ: a real redis-server started on a free loopback port, two
// `trellis worker` processes, one of them killed with SIGKILL during a run.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type CliChild, spawnCli, stepLines, waitUntil } from './run-cli-harness';
import type { SweepState } from './sweep/sweep-state';

const fixture = fileURLToPath(new URL('../test/fixtures/sweep/tiny-sweep.yaml', import.meta.url));
const experiment = fileURLToPath(new URL('../test/fixtures/rl/tiny-grpo.yaml', import.meta.url));
const REDIS = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
const hasRedis = existsSync(REDIS) || spawnSync(REDIS, ['--version']).status === 0;
if (!hasRedis) {
  console.warn(
    `skipping the BullMQ sweep tests: no redis-server at ${REDIS} (apt-get install redis-server, or set REDIS_SERVER)`,
  );
}

const tmp = mkdtempSync(join(tmpdir(), 'trellis-sweep-queue-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

/** A free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** Start redis-server on a loopback port, without persistence; resolves once it accepts connections. */
async function startRedis(): Promise<number> {
  const port = await freePort();
  const redis = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(redis);
  let out = '';
  redis.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  if (!(await waitUntil(() => /Ready to accept connections/.test(out), redis, 20_000))) {
    throw new Error(`redis-server did not start:\n${out}`);
  }
  return port;
}

const GOOD = ['grpo/seed-1', 'grpo/seed-2', 'rloo/seed-1', 'rloo/seed-2'];
const STEPS = 12;
const checkpoints = (dir: string) =>
  existsSync(join(dir, 'checkpoints')) ? readdirSync(join(dir, 'checkpoints')).filter((n) => n.startsWith('step-')).length : 0;

describe.skipIf(!hasRedis)('trellis sweep --queue + trellis worker (BullMQ)', () => {
  it('every run completes exactly once although a worker is killed with SIGKILL during a run', async () => {
    const port = await startRedis();
    const queue = `redis://127.0.0.1:${port}/sweeps`;
    const sweep = parse(readFileSync(fixture, 'utf8')) as Record<string, unknown>;
    const file = join(tmp, 'sweep.yaml');
    writeFileSync(file, stringify({ ...sweep, experiment }));
    const out = join(tmp, 'out');

    const sweeper = spawnCli(['sweep', file, '--out', out, '--queue', queue, '-q']);
    children.push(sweeper.child);
    const worker = (): CliChild => {
      const w = spawnCli(['worker', '--queue', queue, '--lock-ms', '2000']);
      children.push(w.child);
      return w;
    };
    const a = worker();
    const b = worker();
    // Kill worker A during a run: it has started one and that run has 2+ checkpoints, no summary.
    let victim: string | undefined;
    const midway = () => {
      const started = [...a.stderr().matchAll(/ (?:starts|resumes) (\S+) /g)].map((m) => m[1] as string);
      victim = started.find((id) => checkpoints(join(out, id)) >= 2 && !existsSync(join(out, id, 'summary.json')));
      return victim !== undefined;
    };
    expect(await waitUntil(midway, a.child, 120_000), a.stderr()).toBe(true);
    a.child.kill('SIGKILL');
    await a.exited;

    const end = await sweeper.exited;
    expect(end.code, `${sweeper.stderr()}\n--- worker B:\n${b.stderr()}`).toBe(0);
    b.child.kill('SIGTERM');
    expect((await b.exited).code).toBe(143);

    const state = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as SweepState;
    const workers = `${a.stderr()}\n${b.stderr()}`;
    for (const id of GOOD) {
      expect(state.runs.find((r) => r.id === id)?.status, id).toBe('done');
      expect(
        stepLines(join(out, id)).map((l) => l.step),
        id,
      ).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
      // Finished once, by one worker; reported once by the sweep.
      expect(workers.split('\n').filter((l) => l.endsWith(` finished ${id}`)).length, id).toBe(1);
      expect(
        sweeper
          .stderr()
          .split('\n')
          .filter((l) => l.startsWith(`done ${id} `)).length,
        id,
      ).toBe(1);
    }
    // The killed worker's run was taken over by B, which resumed it from its checkpoint.
    expect(a.stderr()).not.toContain(` finished ${victim}`);
    expect(b.stderr()).toContain(` resumes ${victim} `);
  });
});
