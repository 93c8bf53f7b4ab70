import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { resolveCheckpointArg } from './checkpoint-arg';

const policyAt = (dir: string) => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), '{}');
};

describe('resolveCheckpointArg', () => {
  const root = mkdtempSync(join(tmpdir(), 'trellis-ckarg-'));

  it('takes a policy checkpoint as is', () => {
    policyAt(join(root, 'base'));
    expect(resolveCheckpointArg(join(root, 'base'))).toEqual({ dir: join(root, 'base') });
  });

  it("takes a training checkpoint's policy/ and a run directory's latest checkpoint", () => {
    const run = join(root, 'run');
    policyAt(join(run, 'checkpoints', 'step-000002', 'policy'));
    policyAt(join(run, 'checkpoints', 'step-000004', 'policy'));
    writeFileSync(join(run, 'checkpoints', 'latest'), 'step-000004\n');
    expect(resolveCheckpointArg(run).dir).toBe(join(run, 'checkpoints', 'step-000004', 'policy'));
    expect(resolveCheckpointArg(run).note).toMatch(/using the latest checkpoint of run/);
    expect(resolveCheckpointArg(join(run, 'checkpoints', 'step-000002')).dir).toBe(
      join(run, 'checkpoints', 'step-000002', 'policy'),
    );
  });

  it('refuses anything else with a hint, as a ConfigError', () => {
    mkdirSync(join(root, 'empty'));
    writeFileSync(join(root, 'file'), 'x');
    mkdirSync(join(root, 'fresh-run', 'checkpoints'), { recursive: true });
    mkdirSync(join(root, 'bad-latest', 'checkpoints'), { recursive: true });
    writeFileSync(join(root, 'bad-latest', 'checkpoints', 'latest'), '../../elsewhere\n');
    expect(() => resolveCheckpointArg(join(root, 'empty'))).toThrow(ConfigError);
    expect(() => resolveCheckpointArg(join(root, 'empty'))).toThrow(
      /is not a policy checkpoint \(no config\.json in it\); pass .*<runDir>\/checkpoints\/step-000010\/policy/,
    );
    expect(() => resolveCheckpointArg(join(root, 'file'))).toThrow(/is a file, not a directory/);
    expect(() => resolveCheckpointArg(join(root, 'missing'))).toThrow(/does not exist/);
    expect(() => resolveCheckpointArg(join(root, 'fresh-run'))).toThrow(/has no complete checkpoint yet/);
    expect(() => resolveCheckpointArg(join(root, 'bad-latest'))).toThrow(/checkpoints\/latest names '\.\.\/\.\.\/elsewhere'/);
  });
});
