import { ARM_COLORS } from './chart-spec';
import { escapeHtml as esc, fmtDiff, fmtDuration, fmtNumber, fmtP, STATS_NOTE } from './format';
import type { ArmSummary, MetricSummary, ReportModel } from './types';

const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 "DejaVu Sans", Verdana, system-ui, sans-serif; color: #222; margin: 0; background: #fafafa; }
header, main { max-width: 1200px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta, .note { color: #555; font-size: 13px; }
nav a { margin-right: 14px; }
table { border-collapse: collapse; background: #fff; margin: 6px 0 12px; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
thead th { background: #f0f0f0; }
tr.baseline th { font-weight: bold; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 6px; }
.tag { font-size: 11px; color: #fff; background: #777; border-radius: 3px; padding: 0 4px; margin-left: 6px; }
code { font: 12px "DejaVu Sans Mono", monospace; background: #f3f3f3; padding: 0 2px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); gap: 12px; }
figure.chart { margin: 0; background: #fff; border: 1px solid #e3e3e3; padding: 6px; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 12px; color: #666; }
.failed td { color: #a00; }
.config-diff td, .failed-runs pre { white-space: pre-wrap; margin: 0; }
`;

const num = (stat: string, value: number | null, text: string) =>
  value === null
    ? `<td class="num" data-stat="${stat}">${esc(text)}</td>`
    : `<td class="num" data-stat="${stat}" data-value="${value}">${esc(text)}</td>`;

const colorOf = (index: number) => ARM_COLORS[index % ARM_COLORS.length] as string;

function armCell(arm: ArmSummary, index: number): string {
  const tag = arm.baseline ? '<span class="tag">baseline</span>' : '';
  return `<th><span class="swatch" style="background:${colorOf(index)}"></span>${esc(arm.name)}${tag}</th>`;
}

function statsRow(arm: ArmSummary, index: number, s: MetricSummary): string {
  const cells = [
    num('n', s.n, String(s.n)),
    num('mean', s.mean, fmtNumber(s.mean)),
    num('std', s.std, fmtNumber(s.std)),
    num('ci-low', s.ciLow, fmtNumber(s.ciLow)),
    num('ci-high', s.ciHigh, fmtNumber(s.ciHigh)),
    arm.baseline ? '<td class="num" data-stat="diff">—</td>' : num('diff', s.diff, fmtDiff(s.diff)),
    arm.baseline ? '<td class="num" data-stat="p">—</td>' : num('p', s.pValue, fmtP(s.pValue)),
  ];
  return `<tr data-arm="${esc(arm.name)}"${arm.baseline ? ' class="baseline"' : ''}>${armCell(arm, index)}${cells.join('')}</tr>`;
}

function summarySection(m: ReportModel): string {
  const tables = m.summaryMetrics.map((metric) => {
    const rows = m.summaries.map((arm, i) => {
      const s = arm.metrics[metric.id];
      return s ? statsRow(arm, i, s) : '';
    });
    return `<h3>${esc(metric.title)}</h3><p class="note">${esc(metric.description)}.</p>
<table class="stats" data-metric="${esc(metric.id)}"><thead><tr><th>arm</th><th>n</th><th>mean</th><th>std</th><th>95% CI low</th><th>95% CI high</th><th>Δ vs baseline</th><th>p (Welch)</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>`;
  });
  const unfinished = m.runs.filter((r) => r.status !== 'done' && r.status !== 'failed').length;
  const warn = unfinished
    ? `<p class="note"><strong>${unfinished} run(s) have not finished</strong>: their values are from the last records written so far.</p>`
    : '';
  const body = tables.length ? tables.join('\n') : '<p>No run has a summary metric yet.</p>';
  return `<section id="summary"><h2>Arms</h2><p class="note">${esc(STATS_NOTE)}</p>${warn}\n${body}</section>`;
}

function configSection(m: ReportModel): string {
  const arms = m.summaries;
  const head = `<tr><th>key</th>${arms.map((a, i) => armCell(a, i)).join('')}</tr>`;
  const rows = m.configDiff.map(
    (r) =>
      `<tr data-key="${esc(r.key)}"><td><code>${esc(r.key)}</code></td>${r.values.map((v) => `<td>${esc(v)}</td>`).join('')}</tr>`,
  );
  const diff =
    arms.length < 2
      ? '<p>Only one arm: nothing to compare.</p>'
      : rows.length
        ? `<table class="config-diff"><thead>${head}</thead><tbody>${rows.join('\n')}</tbody></table>`
        : '<p>The arms have the same resolved config (apart from <code>seed</code>).</p>';
  const sets =
    m.loaded.kind === 'sweep'
      ? `<h3>Overrides of each arm</h3><table class="arm-sets"><thead><tr><th>arm</th><th>--set</th></tr></thead><tbody>${arms
          .map(
            (a, i) =>
              `<tr data-arm="${esc(a.name)}">${armCell(a, i)}<td>${(a.set ?? []).map((s) => `<code>${esc(s)}</code>`).join(' ') || '(none)'}</td></tr>`,
          )
          .join('\n')}</tbody></table>`
      : '';
  return `<section id="config"><h2>Config differences</h2><p class="note">Resolved config keys whose values differ between arms (<code>seed</code> left out); a value that differs between the runs of one arm lists them with |.</p>${diff}${sets}</section>`;
}

function runsSection(m: ReportModel): string {
  const rows = m.runs.map(
    (r) =>
      `<tr data-arm="${esc(r.arm)}"${r.status === 'failed' ? ' class="failed"' : ''}><td>${esc(r.arm)}</td>${num('seed', r.seed ?? null, r.seed === undefined ? 'n/a' : String(r.seed))}<td><code>${esc(r.dir)}</code></td>${num('steps', r.steps, fmtNumber(r.steps))}${num('wall', r.wallSeconds, fmtDuration(r.wallSeconds))}${num('final-accuracy', r.finalAccuracy, fmtNumber(r.finalAccuracy))}<td>${esc(r.status)}</td></tr>`,
  );
  return `<section id="runs"><h2>Runs</h2><p class="note">Wall time = active training time (the time before a resume is left out).</p>
<table class="runs"><thead><tr><th>arm</th><th>seed</th><th>directory</th><th>steps</th><th>wall time</th><th>final accuracy</th><th>status</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></section>`;
}

function failedSection(m: ReportModel): string {
  if (!m.loaded.failed.length) return '';
  const rows = m.loaded.failed.map(
    (f) =>
      `<tr><td>${esc(f.arm)}</td><td class="num">${f.seed}</td><td><code>${esc(f.dir)}</code></td><td class="num">${f.attempts}</td><td><pre>${esc(f.error)}</pre></td></tr>`,
  );
  return `<section id="failed"><h2>Failed runs</h2><p class="note">Left out of the tables and charts.</p>
<table class="failed-runs"><thead><tr><th>arm</th><th>seed</th><th>directory</th><th>attempts</th><th>error</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></section>`;
}

function chartsSection(m: ReportModel): string {
  const figures = m.charts.map(
    (c) =>
      `<figure class="chart" data-metric="${esc(c.metric)}" data-axis="${c.axis}">${c.svg}<figcaption>${esc(c.metric)} vs ${c.axis === 'step' ? 'step' : 'active wall time'}; PNG: <code>${esc(c.png)}</code></figcaption></figure>`,
  );
  return `<section id="charts"><h2>Curves</h2><p class="note">Line: mean over the seeds of an arm; band: mean ± one sample standard deviation, where at least 2 seeds have the point. Wall time: mean over the seeds of the active training time at that step.</p>
<div class="grid">${figures.join('\n')}</div></section>`;
}

/**
 * `report.html`: one self-contained page (inline CSS and SVG charts, no script, no external
 * resource) with the arm tables, config diff, runs, failed runs and charts. Table cells carry their
 * raw numbers in `data-value` (and `data-stat`, rows `data-arm`).
 */
export function renderHtml(m: ReportModel): string {
  const l = m.loaded;
  const nRuns = l.arms.reduce((s, a) => s + a.runs.length, 0);
  const sources = l.sources.map((s) => `<code>${esc(s)}</code>`).join(', ');
  const links = [
    ['summary', 'Arms'],
    ['config', 'Config'],
    ['runs', 'Runs'],
    ...(l.failed.length ? [['failed', 'Failed runs']] : []),
    ['charts', 'Curves'],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trellis report: ${esc(l.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Trellis report: ${esc(l.title)}</h1>
<p class="meta">${l.kind === 'sweep' ? 'Sweep' : 'Run directories'}: ${sources}<br>${l.arms.length} arm(s), ${nRuns} run(s) with metrics${l.failed.length ? `, ${l.failed.length} failed` : ''}; baseline: <strong>${esc(l.baseline)}</strong></p>
<nav>${links.map(([id, text]) => `<a href="#${id}">${text}</a>`).join('')}</nav>
</header>
<main>
${summarySection(m)}
${configSection(m)}
${runsSection(m)}
${failedSection(m)}
${chartsSection(m)}
</main>
</body>
</html>
`;
}
