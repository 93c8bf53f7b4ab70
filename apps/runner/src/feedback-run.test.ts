import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const cli = here('../dist/cli.js');
const jsonl = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

function runCli(args: string[]) {
  if (!existsSync(cli)) throw new Error(`built CLI missing at ${cli}: run 'pnpm build' first`);
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 240_000 });
}

describe('feedback in a training run (built CLI)', () => {
  it('the policy writes feedback through the guarded service; counters land in metrics.jsonl', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'trellis-fb-')), 'run');
    const r = runCli(['run', here('../test/fixtures/feedback/tiny-policy-feedback.yaml'), '--out', dir, '-q']);
    expect(r.status, r.stderr).toBe(0);
    const audit = jsonl(join(dir, 'feedback.jsonl'));
    expect(audit.map((a) => a.step)).toEqual([1, 1, 2, 2, 3, 3]);
    for (const a of audit) expect(a).toMatchObject({ ok: true, provider: 'policy', kind: 'critique', attempts: 1 });
    const steps = jsonl(join(dir, 'metrics.jsonl')).filter((m) => m.kind === 'step');
    expect(steps).toHaveLength(3);
    for (const s of steps) {
      expect(s.values['feedback/requests']).toBe(2);
      expect(s.values['feedback/calls']).toBe(2);
      expect(s.values['feedback/failures']).toBeUndefined();
    }
    const tensors = steps.map((s) => s.values['memory/num_tensors']);
    expect(tensors[2]).toBe(tensors[1]);
  });

  it('a prompt that does not fit the policy context is a counted context failure, and the run goes on', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'trellis-fb-')), 'run');
    const r = runCli([
      'run',
      here('../test/fixtures/feedback/tiny-policy-feedback.yaml'),
      '--set',
      'policy.options.model.maxContext=96',
      '--out',
      dir,
      '-q',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const audit = jsonl(join(dir, 'feedback.jsonl'));
    expect(audit).toHaveLength(6);
    for (const a of audit) expect(a).toMatchObject({ ok: false, reason: 'context', attempts: 1 });
    const steps = jsonl(join(dir, 'metrics.jsonl')).filter((m) => m.kind === 'step');
    for (const s of steps) expect(s.values['feedback/failures/context']).toBe(2);
  });
});
