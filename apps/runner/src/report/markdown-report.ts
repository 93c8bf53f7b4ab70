import { fmtDiff, fmtDuration, fmtNumber, fmtP, mdCell, STATS_NOTE } from './format';
import type { ReportModel } from './types';

const row = (cells: readonly string[]) => `| ${cells.map(mdCell).join(' | ')} |`;

/**
 * `summary.md`: the arm tables (one per summary metric), the config diff, and the failed runs, as
 * Markdown to paste into BENCHMARKS.md, with a note on what n, std, the interval and the test are.
 */
export function renderMarkdown(m: ReportModel): string {
  const l = m.loaded;
  const out: string[] = [`## ${l.title}`, ''];
  const nRuns = l.arms.reduce((s, a) => s + a.runs.length, 0);
  out.push(`${l.arms.length} arm(s), ${nRuns} run(s); baseline: \`${l.baseline}\`.`, '', STATS_NOTE, '');
  const unfinished = m.runs.filter((r) => r.status !== 'done' && r.status !== 'failed').length;
  if (unfinished)
    out.push(`**${unfinished} run(s) have not finished**: their values are from the last records written so far.`, '');
  for (const metric of m.summaryMetrics) {
    out.push(`### ${metric.title}`, '', `${metric.description[0]?.toUpperCase()}${metric.description.slice(1)}.`, '');
    out.push(row(['arm', 'n', 'mean', 'std', '95% CI', 'Δ vs baseline', 'p (Welch)']));
    out.push('| --- | ---: | ---: | ---: | --- | ---: | ---: |');
    for (const arm of m.summaries) {
      const s = arm.metrics[metric.id];
      if (!s) continue;
      const ci = s.ciLow === null || s.ciHigh === null ? 'n/a' : `[${fmtNumber(s.ciLow)}, ${fmtNumber(s.ciHigh)}]`;
      out.push(
        row([
          arm.baseline ? `${arm.name} (baseline)` : arm.name,
          String(s.n),
          fmtNumber(s.mean),
          fmtNumber(s.std),
          ci,
          arm.baseline ? '—' : fmtDiff(s.diff),
          arm.baseline ? '—' : fmtP(s.pValue),
        ]),
      );
    }
    out.push('');
  }
  out.push('### Config differences', '');
  if (m.summaries.length < 2) out.push('Only one arm: nothing to compare.', '');
  else if (!m.configDiff.length) out.push('The arms have the same resolved config (apart from `seed`).', '');
  else {
    out.push(row(['key', ...m.summaries.map((a) => a.name)]));
    out.push(`| --- |${' --- |'.repeat(m.summaries.length)}`);
    for (const r of m.configDiff) out.push(row([`\`${r.key}\``, ...r.values]));
    out.push('');
  }
  if (l.kind === 'sweep') {
    out.push('Overrides of each arm:', '');
    for (const a of m.summaries) out.push(`- ${a.name}: ${(a.set ?? []).map((s) => `\`${s}\``).join(' ') || '(none)'}`);
    out.push('');
  }
  out.push(
    '### Runs',
    '',
    row(['arm', 'seed', 'steps', 'wall time', 'final accuracy', 'status']),
    '| --- | ---: | ---: | ---: | ---: | --- |',
  );
  for (const r of m.runs) {
    out.push(
      row([
        r.arm,
        r.seed === undefined ? 'n/a' : String(r.seed),
        fmtNumber(r.steps),
        fmtDuration(r.wallSeconds),
        fmtNumber(r.finalAccuracy),
        r.status,
      ]),
    );
  }
  out.push('');
  if (l.failed.length) {
    out.push('### Failed runs', '');
    for (const f of l.failed)
      out.push(`- ${f.arm}, seed ${f.seed} (\`${f.dir}\`, ${f.attempts} attempt(s)): ${f.error.split('\n')[0]}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
