import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { invocation } from './invocation';

const repo = '/work/repo';
const cli = `${repo}/apps/runner/dist/cli.js`;
const pnpm = { npm_config_user_agent: 'pnpm/10.34.9 npm/? node/v20.20.2 linux x64', npm_execpath: '/usr/lib/pnpm.cjs' };
const npm = { npm_config_user_agent: 'npm/11.1.0 node/v20.20.2 linux x64', npm_execpath: '/usr/lib/npm-cli.js' };

describe('invocation', () => {
  it('a package script that only runs the CLI: the package manager and the script name', () => {
    const argv = ['node', cli, 'run', '--resume', 'runs/x'];
    const script = { npm_lifecycle_event: 'trellis' };
    // pnpm appends the user's arguments to npm_lifecycle_script; npm does not.
    expect(
      invocation({ ...pnpm, ...script, npm_lifecycle_script: 'node apps/runner/dist/cli.js run --resume runs/x' }, argv),
    ).toBe('pnpm trellis');
    expect(invocation({ ...npm, ...script, npm_lifecycle_script: 'node apps/runner/dist/cli.js' }, argv)).toBe(
      'npm run trellis --',
    );
    expect(invocation({ ...pnpm, npm_lifecycle_event: 'rl', npm_lifecycle_script: 'trellis' }, argv)).toBe('pnpm rl');
  });

  it('a script with arguments of its own, or an exec: the bin through the package manager', () => {
    const argv = ['node', `${repo}/node_modules/@trellis/runner/dist/cli.js`, 'run', 'exp.yaml'];
    const own = { npm_lifecycle_event: 'train', npm_lifecycle_script: 'trellis run exp.yaml --set trainer.steps=5' };
    expect(invocation({ ...pnpm, ...own }, argv)).toBe('pnpm exec trellis');
    expect(invocation({ ...npm, ...own }, argv)).toBe('npx trellis');
    expect(invocation({ ...pnpm, npm_command: 'exec' }, argv)).toBe('pnpm exec trellis');
    expect(invocation({ ...npm, npm_command: 'exec', npm_lifecycle_event: 'npx' }, argv)).toBe('npx trellis');
  });

  it('started directly, or by a process that inherited a package script environment: trellis', () => {
    expect(invocation({}, ['node', '/usr/local/bin/trellis', 'run'])).toBe('trellis');
    expect(invocation({}, ['node', cli, 'run'])).toBe('trellis');
    // A test run by `pnpm test` spawning `node cli.js`: the variables describe vitest, not this CLI.
    const inherited = { ...pnpm, npm_lifecycle_event: 'test', npm_lifecycle_script: 'vitest run' };
    expect(invocation(inherited, ['node', cli, 'run', '--resume', 'x'])).toBe('trellis');
  });

  it('agrees with what pnpm really sets for `pnpm trellis ...`', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-invocation-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', private: true, scripts: { trellis: 'node cli.js' } }));
    writeFileSync(join(dir, 'cli.js'), `process.stdout.write(JSON.stringify({ env: process.env, argv: process.argv }))`);
    const r = spawnSync('pnpm', ['--silent', 'trellis', 'run', '--resume', 'runs/x'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout) as { env: Record<string, string>; argv: string[] };
    expect(invocation(seen.env, seen.argv)).toBe('pnpm trellis');
  });
});
