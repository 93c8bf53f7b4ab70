#!/usr/bin/env node
// Runs experiment configs over several seeds on the quickstart budget and prints held-out accuracy
// before/after (mean ± std over seeds) and wall time, as a Markdown table. Runs `parallel` jobs at
// once, each single-threaded (policy.options.workers=0) so jobs do not fight over the cores.
//
//   node bench/quickstart/compare.mjs [--seeds 1,2,3] [--parallel 2] [--set k=v ...] config.yaml ...
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const args = process.argv.slice(2);
let seeds = [1, 2, 3];
let parallel = 2;
const sets = [];
const configs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--seeds') seeds = args[++i].split(',').map(Number);
  else if (args[i] === '--parallel') parallel = Number(args[++i]);
  else if (args[i] === '--set') sets.push('--set', args[++i]);
  else configs.push(args[i]);
}
if (configs.length === 0) {
  console.error('usage: compare.mjs [--seeds 1,2,3] [--parallel 2] [--set k=v] config.yaml ...');
  process.exit(2);
}
const root = mkdtempSync(join(tmpdir(), 'trellis-compare-'));
const jobs = configs.flatMap((config) =>
  seeds.map((seed) => ({ config, seed, out: join(root, `${basename(config, '.yaml')}-s${seed}`) })),
);

function runJob(job) {
  return new Promise((resolve) => {
    const argv = ['apps/runner/dist/cli.js', 'run', job.config, '-q', '--out', job.out, '--set', `seed=${job.seed}`];
    argv.push('--set', 'policy.options.workers=0', ...sets);
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('exit', (code) => {
      if (code !== 0) {
        console.error(`${job.config} seed ${job.seed} failed (${code}):\n${err}`);
        return resolve(undefined);
      }
      const summary = JSON.parse(readFileSync(join(job.out, 'summary.json'), 'utf8'));
      console.error(
        `${basename(job.config)} seed ${job.seed}: ${(100 * summary.initialAccuracy).toFixed(1)}% -> ${(100 * summary.finalAccuracy).toFixed(1)}% in ${(summary.wallTimeMs / 1000).toFixed(0)}s`,
      );
      resolve({ ...job, summary });
    });
  });
}

const results = [];
const queue = [...jobs];
await Promise.all(
  Array.from({ length: parallel }, async () => {
    while (queue.length) {
      const r = await runJob(queue.shift());
      if (r) results.push(r);
    }
  }),
);

const stats = (xs) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : 0;
  return `${m.toFixed(1)} ± ${sd.toFixed(1)}`;
};
console.log(`\nseeds ${seeds.join(', ')}; ${parallel} jobs at a time, each single-threaded; runs in ${root}\n`);
console.log('| config | before (%) | after (%) | gain (points) | wall time (s) | gen tok/s | trained tok/s |');
console.log('|---|---|---|---|---|---|---|');
for (const config of configs) {
  const rs = results.filter((r) => r.config === config).map((r) => r.summary);
  if (!rs.length) continue;
  const pct = (f) => rs.map((s) => 100 * f(s));
  console.log(
    `| ${basename(config)} | ${stats(pct((s) => s.initialAccuracy))} | ${stats(pct((s) => s.finalAccuracy))} | ${stats(pct((s) => s.finalAccuracy - s.initialAccuracy))} | ${stats(rs.map((s) => s.wallTimeMs / 1000))} | ${stats(rs.map((s) => s.generatedTokensPerSec))} | ${stats(rs.map((s) => s.trainedTokensPerSec))} |`,
  );
}
