import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '@trellis/core';
import { aggregateByStep, seriesOf } from './aggregate';
import { chartedMetrics, metricSlug } from './chart-metrics';
import { chartSpec } from './chart-spec';
import { configDiff } from './config-diff';
import { renderHtml } from './html-report';
import { loadReportInputs } from './load-inputs';
import { renderMarkdown } from './markdown-report';
import { runRows } from './run-rows';
import { presentSummaryMetrics, summarizeArms } from './summarize-arms';
import type { LoadedReport, RenderedChart, ReportModel, ReportResult } from './types';

export type { ArmSummary, MetricSummary, ReportResult } from './types';

/** Options of `trellis report`. */
export interface ReportOptions {
  /** Output directory (default: `<sweepDir>/report`, or `./report` for run directories). */
  out?: string;
  /** Arm the others are compared against (default: the sweep's baseline, or the first arm). */
  baseline?: string;
}

const AXES = ['step', 'time'] as const;

function makeOutDir(out: string): void {
  try {
    mkdirSync(join(out, 'charts'), { recursive: true });
  } catch (e) {
    throw new ConfigError(
      `cannot create the output directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      out,
    );
  }
}

/** Remove chart PNGs of an earlier report that this one did not write (a metric no longer present). */
function removeStalePngs(chartsDir: string, written: ReadonlySet<string>): void {
  for (const name of readdirSync(chartsDir)) {
    if (/-(step|time)\.png$/.test(name) && !written.has(name)) rmSync(join(chartsDir, name), { force: true });
  }
}

async function renderCharts(loaded: LoadedReport, out: string, log: (line: string) => void): Promise<RenderedChart[]> {
  const metrics = chartedMetrics(loaded.arms);
  const total = metrics.length * AXES.length;
  log(`rendering ${total} charts (${metrics.length} metrics, each vs step and vs wall time)`);
  // Loaded here, not at the top: vega and resvg take a while to load, and the CLI imports this file.
  const { renderSvg, svgToPng } = await import('./render-chart');
  const charts: RenderedChart[] = [];
  for (const metric of metrics) {
    const arms = loaded.arms.map((arm) => ({
      name: arm.name,
      points: aggregateByStep(arm.runs.map((run) => seriesOf(run, metric))),
    }));
    for (const axis of AXES) {
      const svg = await renderSvg(chartSpec({ metric, axis, arms }));
      const png = `charts/${metricSlug(metric)}-${axis}.png`;
      writeFileSync(join(out, png), svgToPng(svg));
      charts.push({ metric, axis, png, svg });
      if (charts.length % 10 === 0 && charts.length < total) log(`  ${charts.length}/${total} charts`);
    }
  }
  return charts;
}

/**
 * `trellis report`: read one sweep directory or one or more run directories, and write into the
 * output directory `report.html` (self-contained: tables, config diff, runs, inline SVG charts),
 * `charts/<metric>-step.png` and `-time.png` for every charted metric, and `summary.md`. Arms are
 * compared against the baseline with t intervals and Welch tests. Logs a line per stage and the
 * paths written. Bad input throws `ConfigError`.
 */
export async function runReport(inputs: string[], opts: ReportOptions, log: (line: string) => void): Promise<ReportResult> {
  log(`reading ${inputs.length === 1 ? inputs[0] : `${inputs.length} run directories`}`);
  const loaded = loadReportInputs(inputs, opts.baseline);
  const nRuns = loaded.arms.reduce((s, a) => s + a.runs.length, 0);
  const failed = loaded.failed.length ? `, ${loaded.failed.length} failed run(s) listed apart` : '';
  log(`loaded ${nRuns} run(s) in ${loaded.arms.length} arm(s), baseline '${loaded.baseline}'${failed}`);

  const out = resolve(opts.out ?? loaded.defaultOut);
  makeOutDir(out);
  const summaries = summarizeArms(loaded.arms, loaded.baseline);
  const charts = await renderCharts(loaded, out, log);
  removeStalePngs(join(out, 'charts'), new Set(charts.map((c) => c.png.slice('charts/'.length))));

  const model: ReportModel = {
    loaded,
    summaries,
    summaryMetrics: presentSummaryMetrics(loaded.arms),
    configDiff: configDiff(loaded.arms.map((a) => a.runs.map((r) => r.config))),
    runs: runRows(loaded),
    charts,
  };
  log('writing report.html and summary.md');
  const html = join(out, 'report.html');
  const markdown = join(out, 'summary.md');
  writeFileSync(html, renderHtml(model));
  writeFileSync(markdown, renderMarkdown(model));
  const pngs = charts.map((c) => join(out, c.png));
  log(`wrote ${html}`);
  log(`wrote ${markdown}`);
  log(`wrote ${pngs.length} PNG charts in ${join(out, 'charts')}`);
  return { html, markdown, pngs, arms: summaries };
}
