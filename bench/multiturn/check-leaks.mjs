#!/usr/bin/env node
// Independent gold-answer check of a multi-turn run on the arithmetic task (not a test): reads
// <runDir>/samples.jsonl (run with --set trainer.samplesPerStep=1000 so that every sample is
// logged), recomputes each prompt's answer from the expression itself, and counts injected
// feedback (the `prefill` of regeneration-turn samples) that contains it as a number.
//   node bench/multiturn/check-leaks.mjs <runDir>
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: check-leaks.mjs <runDir>');
  process.exit(2);
}
/** The value of an arithmetic prompt such as `3*4-2=?` (digits, + - * / and parentheses only). */
function goldOf(prompt) {
  const expr = prompt.split('=')[0]?.trim() ?? '';
  if (!/^[\d+\-*/() ]+$/.test(expr)) return undefined;
  return String(Function(`"use strict"; return (${expr});`)());
}
const samples = readFileSync(join(dir, 'samples.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const steps = new Set(samples.map((s) => s.step));
let prefilled = 0;
let unchecked = 0;
const leaks = [];
const feedbacks = new Set();
for (const s of samples) {
  if (!s.prefill) continue;
  prefilled++;
  const gold = goldOf(s.prompt);
  if (gold === undefined) {
    unchecked++;
    continue;
  }
  feedbacks.add(`${s.problemId}\u0000${s.prefill}`);
  if ((s.prefill.match(/-?\d+(\.\d+)?/g) ?? []).includes(gold))
    leaks.push({ step: s.step, prompt: s.prompt, prefill: s.prefill });
}
console.log(
  `${dir}: ${steps.size} steps, ${samples.length} samples, ${prefilled} with injected feedback (${feedbacks.size} distinct feedback texts), ${unchecked} not checkable, ${leaks.length} containing the gold answer`,
);
for (const l of leaks.slice(0, 5)) console.log(JSON.stringify(l));
process.exit(leaks.length > 0 ? 1 : 0);
