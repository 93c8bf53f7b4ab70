import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const repo = join(pkg, '..', '..');
const esbuild = join(repo, 'node_modules', '.bin', 'esbuild');
const outDir = join(pkg, 'node_modules', '.cache', 'trellis-test');

/**
 * Bundle `src/policy-worker.ts` for tests (vitest runs sources, where no built worker exists);
 * returns the script's path.
 */
export function buildWorkerBundle(): string {
  if (!existsSync(esbuild)) throw new Error(`esbuild (a root devDependency) is missing at ${esbuild}: run pnpm install`);
  mkdirSync(outDir, { recursive: true });
  const script = join(outDir, 'policy-worker.mjs');
  execFileSync(esbuild, [
    join(pkg, 'src', 'policy-worker.ts'),
    '--bundle',
    '--platform=node',
    '--format=esm',
    '--external:@tensorflow/*',
    '--external:@huggingface/*',
    `--alias:@trellis/core=${join(repo, 'packages', 'core', 'src', 'index.ts')}`,
    '--log-level=warning',
    `--outfile=${script}`,
  ]);
  return script;
}

/**
 * A worker script that is the real one, except that its thread exits (code 7) as soon as it
 * receives a job of type `jobType`, before answering it: a worker dying mid-call. Jobs reach a
 * worker two ways, both hooked: as `message` events, and read synchronously with
 * `receiveMessageOnPort` (a worker holding a forward's tape reads its backward that way).
 */
export function crashingWorkerScript(jobType: 'generate' | 'forward' | 'backward'): string {
  const real = buildWorkerBundle();
  // Static imports run in order: the hook's listener is registered before the real worker's, so
  // it sees each job first (a dynamic import would let the init message reach the hook alone).
  const hook = join(outDir, `crash-hook-${jobType}.mjs`);
  writeFileSync(
    hook,
    `import { createRequire, syncBuiltinESMExports } from 'node:module';
import { parentPort } from 'node:worker_threads';
const type = ${JSON.stringify(jobType)};
parentPort.on('message', (m) => { if (m.type === type) process.exit(7); });
const threads = createRequire(import.meta.url)('node:worker_threads');
const receive = threads.receiveMessageOnPort;
threads.receiveMessageOnPort = (port) => {
  const got = receive(port);
  if (port === parentPort && got?.message?.type === type) process.exit(7);
  return got;
};
syncBuiltinESMExports();
`,
  );
  const script = join(outDir, `crash-on-${jobType}.mjs`);
  writeFileSync(script, `import './${basename(hook)}';\nimport './${basename(real)}';\n`);
  return script;
}
