// The sweep files the README and BENCHMARKS.md name are in the repository (a `sweeps/` rule in
// .gitignore once kept examples/sweeps/ out of every commit) and every arm composes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { composeFromFile } from './experiment';
import { loadSweepFile } from './sweep/sweep-file';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const dir = join(repo, 'examples/sweeps');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('examples/sweeps', () => {
  it('holds every sweep file the README and BENCHMARKS.md name', () => {
    const docs = ['README.md', 'BENCHMARKS.md'].map((f) => readFileSync(join(repo, f), 'utf8')).join('\n');
    const named = new Set([...docs.matchAll(/examples\/sweeps\/([\w.-]+\.yaml)/g)].map((m) => m[1]));
    expect(named.size).toBeGreaterThan(0);
    for (const f of named) expect(files, `examples/sweeps/${f} is named in the docs`).toContain(f);
  });

  it.each(files)('%s: every arm composes with its overrides', async (f) => {
    const plan = loadSweepFile(join(dir, f));
    expect(plan.arms.length).toBeGreaterThan(0);
    for (const arm of plan.arms) await expect(composeFromFile(plan.experiment, arm.set)).resolves.toBeDefined();
  });
});
