import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CharTokenizer, createPolicy, initBackend } from '@trellis/policy-tfjs';
import { afterAll, describe, expect, it } from 'vitest';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const cli = here('../dist/cli.js');
type Step = { kind: string; step: number; values: Record<string, number> };
const jsonl = <T>(path: string): T[] =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as T)
    : [];

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Start the built `trellis serve` on port 0; resolves with the URL it prints. */
async function serve(checkpoint: string): Promise<{ child: ChildProcess; url: string }> {
  if (!existsSync(cli)) throw new Error(`built CLI missing at ${cli}: run 'pnpm build' first`);
  const child = spawn(process.execPath, [cli, 'serve', checkpoint, '--port', '0', '--model-id', 'teacher', '-q'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr?.on('data', (d) => {
    err += String(d);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d) => {
      out += String(d);
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`trellis serve exited (${code}) before listening: ${err}`)));
  });
  return { child, url };
}

async function until(what: string, ms: number, check: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('openai feedback against a real trellis serve during a training run (built CLI)', () => {
  it('completes; a stalled server trips the timeout, a killed one is retried then counted, and the run goes on', async () => {
    const root = mkdtempSync(join(tmpdir(), 'trellis-http-fb-'));
    await initBackend('wasm');
    const teacher = createPolicy({ dModel: 32, nLayers: 1, nHeads: 2, maxContext: 1024 }, new CharTokenizer(), {
      seed: 3,
      workers: 0,
    });
    await teacher.save(join(root, 'teacher'));
    teacher.dispose();
    const { child: server, url } = await serve(join(root, 'teacher'));

    const config = join(root, 'student.yaml');
    writeFileSync(
      config,
      [
        `extends: ${here('../test/fixtures/rl/tiny-grpo.yaml')}`,
        'name: http-feedback',
        'feedback:',
        '  - use: openai',
        '    timeoutMs: 1500',
        '    retries: 1',
        `    options: { baseURL: '${url}/v1', model: teacher, maxTokens: 16 }`,
        'contributions:',
        '  - use: feedback-audit',
        '    options: { perStep: 2, select: any }',
        'trainer:',
        '  steps: 24',
        '  checkpointEvery: 0',
        '  feedback: { backoffMs: 50 }',
        '',
      ].join('\n'),
    );
    const dir = join(root, 'run');
    const run = spawn(process.execPath, [cli, 'run', config, '--out', dir, '-q'], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(run);
    let stderr = '';
    run.stderr?.on('data', (d) => {
      stderr += String(d);
    });
    const exited = new Promise<number | null>((r) => run.once('exit', (code) => r(code)));
    const steps = () => jsonl<Step>(join(dir, 'metrics.jsonl')).filter((s) => s.kind === 'step');

    await until('two answered steps', 120_000, () => steps().filter((s) => (s.values['feedback/calls'] ?? 0) > 0).length >= 2);
    server.kill('SIGSTOP');
    const stalledFrom = steps().length;
    await until('a step with timeouts', 120_000, () => steps().some((s) => (s.values['feedback/timeouts'] ?? 0) > 0));
    server.kill('SIGKILL');
    const killedFrom = steps().length;
    expect(await exited, stderr).toBe(0);

    const all = steps();
    expect(all.map((s) => s.step)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    const answered = all.slice(0, 2);
    for (const s of answered) {
      expect(s.values['feedback/requests']).toBe(2);
      expect(s.values['feedback/failures']).toBeUndefined();
    }
    const stalled = all.slice(stalledFrom).find((s) => (s.values['feedback/timeouts'] ?? 0) > 0) as Step;
    expect(stalled.values['feedback/retries']).toBeGreaterThan(0);
    expect(stalled.values['feedback/failures/timeout']).toBeGreaterThan(0);
    const refused = all.slice(killedFrom + 1);
    expect(refused.length).toBeGreaterThan(0);
    for (const s of refused) {
      expect(s.values['feedback/calls']).toBe(4);
      expect(s.values['feedback/retries']).toBe(2);
      expect(s.values['feedback/failures']).toBe(2);
      expect(s.values['feedback/failures/error']).toBe(2);
    }
    const audit = jsonl<{ step: number; ok: boolean; reason?: string; message?: string; text?: string }>(
      join(dir, 'feedback.jsonl'),
    );
    expect(audit.filter((a) => a.step <= 2).every((a) => a.ok && typeof a.text === 'string')).toBe(true);
    const last = audit.filter((a) => a.step === 24);
    expect(last).toHaveLength(2);
    for (const a of last) {
      expect(a).toMatchObject({ ok: false, reason: 'error' });
      expect(a.message).toMatch(/connection failed/);
    }
  });
});
