/**
 * Print what each critique context and the own attempt changed, from a `trellis eval --context -o`
 * file (BENCHMARKS.md "Reading context", where critiques fail):
 *   pnpm trellis eval <checkpoint> --context none,attempt,feedback-compact --limit 300 -o ctx.jsonl
 *   pnpm bench:context ctx.jsonl
 */
import { readFileSync } from 'node:fs';
import { attemptTransitions, type ContextRow, critiqueBreakdown } from './breakdown';

const file = process.argv[2];
if (!file) {
  console.error('usage: pnpm bench:context <file written by trellis eval --context ... -o>');
  process.exit(2);
}
const rows = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as ContextRow);
if (!rows.some((r) => r.prompt !== undefined)) {
  console.error(`${file}: rows carry no prompt; re-run trellis eval --context with this version`);
  process.exit(2);
}
for (const context of ['feedback-compact', 'feedback']) {
  const buckets = critiqueBreakdown(rows, context);
  if (buckets.length === 0) continue;
  console.log(`\n${context}: failed problems by the critique's first hint line`);
  console.log('| hint | problems | revealed line copied | solved |\n|---|---|---|---|');
  for (const b of buckets) {
    const copied = b.hint.includes('shown') ? String(b.copied) : '-';
    console.log(`| ${b.hint} | ${b.problems} | ${copied} | ${b.solved} |`);
  }
  const n = buckets.reduce((a, b) => a + b.problems, 0);
  const solved = buckets.reduce((a, b) => a + b.solved, 0);
  console.log(`| all | ${n} | ${buckets.reduce((a, b) => a + b.copied, 0)} | ${solved} (${((100 * solved) / n).toFixed(1)}%) |`);
}
const t = attemptTransitions(rows);
if (Object.keys(t).length > 0) {
  console.log('\nattempt: plain answer -> answer with it in context');
  for (const [k, v] of Object.entries(t).sort()) console.log(`  ${k}: ${v}`);
}
