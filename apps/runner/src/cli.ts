#!/usr/bin/env node
import 'reflect-metadata';
import { runCli } from './program';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`fatal: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
