import type { TopLevelSpec } from 'vega-lite';
import type { AggregatePoint } from './aggregate';

/** Line colours, one per arm in arm order (Tableau 10), so an arm has the same colour in every chart. */
export const ARM_COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
] as const;

/** Font of every chart text: DejaVu Sans where installed (resvg falls back to any sans-serif). */
export const CHART_FONT = 'DejaVu Sans, Verdana, sans-serif';

/** What one chart shows: a metric against step or active wall time, one aggregated curve per arm. */
export interface ChartInput {
  readonly metric: string;
  readonly axis: 'step' | 'time';
  /** Every arm of the report, in order (fixes the colours), with its aggregated points (maybe none). */
  readonly arms: readonly { readonly name: string; readonly points: readonly AggregatePoint[] }[];
}

/** The unit of the wall-time axis for a largest value of `maxSeconds`. */
export function timeUnit(maxSeconds: number): { label: string; seconds: number } {
  if (maxSeconds >= 36_000) return { label: 'h', seconds: 3600 };
  if (maxSeconds >= 600) return { label: 'min', seconds: 60 };
  return { label: 's', seconds: 1 };
}

/** Fewer points than this per arm get a dot at each point (evals are sparse). */
const DOT_BELOW = 30;

/**
 * The Vega-Lite spec of one chart: per arm a line (the mean over seeds) over a mean +/- std band
 * (drawn where >= 2 seeds have the point, a gap elsewhere). x is the step, or the mean of the
 * seeds' active wall times at that step.
 */
export function chartSpec(input: ChartInput): TopLevelSpec {
  const maxWall = Math.max(0, ...input.arms.flatMap((a) => a.points.map((p) => p.wall)));
  const unit = timeUnit(maxWall);
  const values = input.arms.flatMap((arm) =>
    arm.points.map((p) => ({
      arm: arm.name,
      step: p.step,
      x: input.axis === 'step' ? p.step : p.wall / unit.seconds,
      mean: p.mean,
      lo: p.std === null ? null : p.mean - p.std,
      hi: p.std === null ? null : p.mean + p.std,
    })),
  );
  const dots = input.arms.every((a) => a.points.length < DOT_BELOW);
  const x = {
    field: 'x',
    type: 'quantitative' as const,
    title: input.axis === 'step' ? 'step' : `active wall time (${unit.label})`,
    scale: { zero: input.axis === 'time' || undefined, nice: true },
  };
  const color = {
    field: 'arm',
    type: 'nominal' as const,
    title: 'arm',
    scale: {
      domain: input.arms.map((a) => a.name),
      range: input.arms.map((_, i) => ARM_COLORS[i % ARM_COLORS.length] as string),
    },
    // One legend for both layers; its symbols at full opacity (not the band's).
    legend: { orient: 'bottom' as const, direction: 'vertical' as const, labelLimit: 640, symbolOpacity: 1 },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${input.metric} vs ${input.axis === 'step' ? 'step' : 'wall time'}`, anchor: 'start' },
    width: 460,
    height: 220,
    background: 'white',
    config: { font: CHART_FONT, view: { stroke: '#ddd' } },
    data: { values },
    layer: [
      {
        mark: { type: 'area', opacity: 0.18 },
        encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color },
      },
      {
        mark: { type: 'line', strokeWidth: 2, point: dots },
        encoding: {
          x,
          y: { field: 'mean', type: 'quantitative', title: input.metric, scale: { zero: false } },
          color,
          order: { field: 'step', type: 'quantitative' },
        },
      },
    ],
  };
}
