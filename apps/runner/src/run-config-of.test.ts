import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRoot } from './run-cli-harness';
import { runConfigOf } from './run-config-of';

describe('runConfigOf', () => {
  it("finds the run's config.yaml from the run directory, a training checkpoint or its policy", () => {
    const run = tempRoot('trellis-runcfg-');
    const policy = join(run, 'checkpoints', 'step-000004', 'policy');
    mkdirSync(policy, { recursive: true });
    writeFileSync(join(run, 'config.yaml'), 'name: x\n');
    for (const arg of [run, join(run, 'checkpoints', 'step-000004'), policy])
      expect(runConfigOf(arg)).toBe(join(run, 'config.yaml'));
  });

  it('is undefined for a checkpoint outside a run, or a folder that merely sits next to one', () => {
    const root = tempRoot('trellis-runcfg-');
    mkdirSync(join(root, 'base'), { recursive: true });
    expect(runConfigOf(join(root, 'base'))).toBeUndefined();
    writeFileSync(join(root, 'config.yaml'), 'name: x\n');
    mkdirSync(join(root, 'checkpoints'));
    expect(runConfigOf(join(root, 'base'))).toBeUndefined();
  });
});
