#!/usr/bin/env node
import 'reflect-metadata';
import { watchParent } from './parent-watch';
import { runCli } from './program';

watchParent();

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    // runCli reports every error itself; this is a last resort.
    const debug = process.argv.includes('--debug');
    process.stderr.write(`fatal: ${debug ? ((e as Error)?.stack ?? String(e)) : ((e as Error)?.message ?? String(e))}\n`);
    process.exitCode = 1;
  },
);
