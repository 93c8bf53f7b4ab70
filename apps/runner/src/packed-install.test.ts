// The packages as a user outside this repository gets them: `pnpm pack` tarballs installed into
// temporary projects under the OS temp directory (dependencies from the npm registry, through
// pnpm's store, so this takes seconds when the store is warm). It builds the plugin template
// (templates/plugin) and runs its conformance tests, then type-checks (strict NodeNext) and runs
// the README's "Use Trellis as a library" example, and loads the packed template plugin by package
// name. Skipped, saying so, only when the registry cannot be reached.
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readmeBlock } from './readme-blocks';
import { tempRoot } from './run-cli-harness';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const PACKED = ['core', 'policy-tfjs', 'rewards-math', 'algo-grpo'] as const;

/** npm settings the children keep: where the registry is and how to reach it. */
const KEEP = /^npm_config_(registry|(https_)?proxy|noproxy|cafile|strict_ssl)$/i;

/** The environment for package-manager children: none of the other npm_* / pnpm_* settings of the test's own `pnpm test`. */
const cleanEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => KEEP.test(k) || !/^(npm_|pnpm_)/i.test(k))),
  NO_COLOR: '1',
  FORCE_COLOR: '0',
};

function sh(command: string, args: readonly string[], cwd: string, timeout = 240_000): SpawnSyncReturns<string> {
  return spawnSync(command, [...args], { cwd, env: cleanEnv, encoding: 'utf8', timeout });
}

/** Fail with the command's whole output when it did not exit 0. */
function ok(r: SpawnSyncReturns<string>, what: string): SpawnSyncReturns<string> {
  expect(r.status, `${what} exited ${r.status} (${r.error?.message ?? r.signal ?? ''}):\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

/** Why the npm registry cannot be reached, or undefined when it can. */
function registryProblem(): string | undefined {
  const r = sh('npm', ['ping', '--fetch-retries=0', '--fetch-timeout=15000'], repo, 25_000);
  if (r.status === 0) return undefined;
  const said = `${r.stderr}`
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/complete log of this run/.test(l));
  return (r.error?.message ?? said.find((l) => /error/i.test(l)) ?? said[0] ?? `exit ${r.status}`).slice(0, 200);
}

const problem = registryProblem();
if (problem) console.warn(`packed-install: skipped, the npm registry is unreachable (npm ping: ${problem})`);

describe.skipIf(problem !== undefined)(
  problem
    ? `packed packages outside the repo (skipped: npm registry unreachable: ${problem})`
    : 'packed packages outside the repo',
  () => {
    const root = tempRoot('trellis-packed-');
    const tarballs = join(root, 'tarballs');
    const tarball: Record<string, string> = {};
    /** `file:` spec of a packed tarball, relative to project `dir`. */
    const spec = (name: string, dir: string) => `file:${relative(dir, tarball[name] as string)}`;
    const install = (dir: string) =>
      ok(
        sh('pnpm', ['install', '--no-frozen-lockfile', '--prefer-offline', '--reporter=append-only'], dir),
        `pnpm install in ${dir}`,
      );

    beforeAll(() => {
      mkdirSync(tarballs, { recursive: true });
      for (const name of PACKED) {
        const dir = join(repo, 'packages', name);
        if (!existsSync(join(dir, 'dist', 'index.js'))) throw new Error(`packages/${name} is not built: run 'pnpm build' first`);
        const r = ok(sh('pnpm', ['pack', '--pack-destination', tarballs], dir), `pnpm pack packages/${name}`);
        const file = r.stdout.trim().split('\n').pop() ?? '';
        expect(existsSync(file), file).toBe(true);
        tarball[`@trellis/${name}`] = file;
      }
    }, 300_000);

    it('the plugin template: installs with core as a peer, passes the conformance suites, builds and packs', () => {
      const dir = join(root, 'plugin');
      cpSync(join(repo, 'templates', 'plugin'), dir, {
        recursive: true,
        filter: (src) => !['node_modules', 'dist'].includes(basename(src)),
      });
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      expect(pkg.peerDependencies['@trellis/core']).toBeDefined();
      expect(pkg.dependencies?.['@trellis/core']).toBeUndefined();
      // Until @trellis/* are on the registry, core comes from its tarball.
      pkg.devDependencies['@trellis/core'] = spec('@trellis/core', dir);
      pkg.pnpm = { overrides: { '@trellis/core': spec('@trellis/core', dir) } };
      writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
      install(dir);
      const test = ok(sh('pnpm', ['test', '--reporter=verbose'], dir), 'the template plugin tests');
      expect(test.stdout).toMatch(/AdvantageEstimator conformance: rank/);
      expect(test.stdout).toMatch(/Tests\s+\d+ passed/);
      expect(test.stdout).not.toMatch(/failed/);
      ok(sh('pnpm', ['run', 'typecheck'], dir), 'tsc --noEmit in the template');
      ok(sh('pnpm', ['run', 'build'], dir), 'the template build');
      expect(readdirSync(join(dir, 'dist'))).toEqual(expect.arrayContaining(['index.js', 'index.d.ts']));
      const packed = ok(sh('pnpm', ['pack', '--pack-destination', tarballs], dir), 'pnpm pack of the template');
      tarball[pkg.name] = packed.stdout.trim().split('\n').pop() ?? '';
    }, 300_000);

    it("a consumer project: the README's library example type-checks (strict NodeNext) and trains; the plugin loads by name", () => {
      const dir = join(root, 'app');
      mkdirSync(join(dir, 'src'), { recursive: true });
      const core = JSON.parse(readFileSync(join(repo, 'packages', 'core', 'package.json'), 'utf8'));
      const pluginName = 'trellis-plugin-rank-advantage';
      expect(tarball[pluginName], 'the template test packed the plugin').toBeDefined();
      const deps = Object.fromEntries([...PACKED.map((n) => `@trellis/${n}`), pluginName].map((n) => [n, spec(n, dir)]));
      const pkg = {
        name: 'trellis-consumer',
        private: true,
        type: 'module',
        dependencies: {
          ...deps,
          '@tensorflow/tfjs-core': core.devDependencies['@tensorflow/tfjs-core'],
          inversify: core.devDependencies.inversify,
          'reflect-metadata': core.devDependencies['reflect-metadata'],
        },
        devDependencies: { typescript: '5.9.3', '@types/node': '^20.19.0' },
        pnpm: { overrides: { '@trellis/core': spec('@trellis/core', dir) } },
      };
      writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
      const tsconfig = JSON.parse(readmeBlock('## Use Trellis as a library', 'json'));
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ ...tsconfig, include: ['src'] }, null, 2));
      writeFileSync(join(dir, 'src', 'train.ts'), readmeBlock('## Use Trellis as a library', 'ts'));
      install(dir);
      ok(
        sh(join(dir, 'node_modules', '.bin', 'tsc'), ['-p', '.', '--outDir', 'dist', '--rootDir', 'src'], dir),
        'tsc of the README example',
      );
      const example = ok(sh(process.execPath, ['dist/train.js'], dir), 'the README example');
      const m = /^held-out accuracy (\S+) -> (\S+); run directory (.+)$/m.exec(example.stdout);
      expect(m, example.stdout).not.toBeNull();
      expect(existsSync(join(m?.[3] ?? '', 'summary.json'))).toBe(true);
      expect(example.stderr).not.toMatch(/already been set|already registered/);

      const viaName = [
        "import { composeContainer, corePlugin, createTrainer } from '@trellis/core';",
        "import policyTfjs from '@trellis/policy-tfjs';",
        "import rewardsMath from '@trellis/rewards-math';",
        'const exp = await composeContainer(',
        `  { plugins: ['${pluginName}'], advantage: { use: 'rank' }, task: { use: 'arithmetic' }, rewards: [{ use: 'math-accuracy' }],`,
        "    policy: { use: 'transformer', options: { model: { dModel: 16, nLayers: 1, nHeads: 2, maxContext: 96 } } },",
        '    trainer: { steps: 1, problemsPerStep: 2, groupSize: 4, evalProblems: 2, evalEvery: 0 } },',
        '  { manifests: [corePlugin, policyTfjs, rewardsMath], loadBuiltins: false },',
        ');',
        'const summary = await (await createTrainer(exp.container)).train();',
        'console.log(JSON.stringify({ objective: exp.config.objective.use, steps: summary.steps, from: exp.plugins.at(-1).location }));',
      ].join('\n');
      writeFileSync(join(dir, 'via-name.mjs'), viaName);
      const run = ok(sh(process.execPath, ['via-name.mjs'], dir), 'a run with the packed plugin loaded by package name');
      expect(JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}')).toEqual({
        objective: 'clip',
        steps: 1,
        from: join(dir, 'node_modules', pluginName, 'dist', 'index.js'),
      });
      // One copy of core and of tfjs-core: the plugin peer-depends on core instead of bringing its own.
      expect(run.stderr).not.toMatch(/already been set|already registered/);
    }, 300_000);
  },
);
