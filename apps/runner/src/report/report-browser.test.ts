import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReport } from './report-command';
import {
  FIXTURE,
  fixtureAccuracy,
  fixtureValue,
  referenceTwoSidedP,
  referenceWelch,
  STEP_SECONDS,
  writeFixtureSweep,
} from './test-support';
import type { ReportResult } from './types';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `report-browser.test: no Chromium at ${CHROMIUM}; the browser checks are skipped (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
}

/** Distinct RGBA colours of a PNG, and the share of pixels that are not white. */
function pngStats(bytes: Buffer): { colours: number; inked: number; width: number } {
  const png = PNG.sync.read(bytes);
  const colours = new Set<number>();
  let inked = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const [r, g, b, a] = [png.data[i], png.data[i + 1], png.data[i + 2], png.data[i + 3]] as number[];
    colours.add(((r as number) << 24) | ((g as number) << 16) | ((b as number) << 8) | (a as number));
    if ((r as number) < 240 || (g as number) < 240 || (b as number) < 240) inked++;
  }
  return { colours: colours.size, inked: inked / (png.width * png.height), width: png.width };
}

/** The expected statistics of one arm, computed directly from the fixture's formulas. */
function expected(values: number[], base: number[]) {
  const mean = (v: number[]) => v.reduce((s, a) => s + a, 0) / v.length;
  const m = mean(values);
  const std = Math.sqrt(values.reduce((s, a) => s + (a - m) ** 2, 0) / (values.length - 1));
  const t975df1 = 12.706204736174707; // two seeds: df = 1 (textbook table value 12.706)
  const half = (t975df1 * std) / Math.sqrt(values.length);
  const { t, df } = referenceWelch(values, base);
  return {
    n: values.length,
    mean: m,
    std,
    'ci-low': m - half,
    'ci-high': m + half,
    diff: m - mean(base),
    p: referenceTwoSidedP(t, df),
  };
}

const seedsOf = (f: (arm: number, seed: number) => number, arm: number) => FIXTURE.seeds.map((s) => f(arm, s));
const lastTen = (arm: number, seed: number) => {
  const steps = Array.from({ length: 10 }, (_, i) => FIXTURE.steps - 9 + i);
  return steps.reduce((s, step) => s + fixtureValue('reward/total', arm, seed, step), 0) / steps.length;
};
const TABLES: Record<string, (arm: number, seed: number) => number> = {
  'final-accuracy': (a, s) => fixtureAccuracy(a, s, FIXTURE.steps),
  'final-accuracy-augmented': (a, s) => fixtureAccuracy(a, s, FIXTURE.steps, true),
  'reward-last-10': lastTen,
};
const CHARTED = [
  'eval/accuracy',
  'eval/accuracy_augmented',
  'reward/total',
  'actor/kl',
  'actor/entropy',
  'rollout/length',
  'actor/clip_frac',
  'lanpo/aware_frac',
];

let dir: string;
let result: ReportResult;
const logged: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trellis-report-'));
  writeFixtureSweep(dir);
  result = await runReport([dir], {}, (line) => logged.push(line));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('report files', () => {
  it('writes report.html, summary.md and two non-blank PNGs per charted metric', () => {
    expect(result.html).toBe(join(dir, 'report', 'report.html'));
    expect(result.pngs).toHaveLength(CHARTED.length * 2);
    for (const png of result.pngs) {
      expect(existsSync(png), png).toBe(true);
      const s = pngStats(readFileSync(png));
      expect(s.colours, `${png}: distinct colours`).toBeGreaterThan(30);
      expect(s.inked, `${png}: share of non-white pixels`).toBeGreaterThan(0.02);
    }
    expect(logged.some((l) => /^rendering 16 charts/.test(l))).toBe(true);
    expect(logged).toContain(`wrote ${result.html}`);
    const md = readFileSync(result.markdown, 'utf8');
    expect(md).toContain('| base (baseline) | 2 |');
    expect(md).toContain('`trainer.learningRate`');
    expect(md).toContain('worker crashed: out of memory');
  });

  it('returns arm summaries equal to a direct computation', () => {
    const [base, fast] = result.arms;
    expect(base?.baseline).toBe(true);
    expect(fast?.seeds).toEqual([1, 2]);
    const e = expected(seedsOf(TABLES['final-accuracy']!, 1), seedsOf(TABLES['final-accuracy']!, 0));
    expect(fast?.metrics['final-accuracy']?.pValue).toBeCloseTo(e.p, 6);
  });
});

describe.skipIf(!hasChromium)('report.html in headless Chromium', () => {
  it('opens offline with no errors or requests, draws every chart, and its tables hold the right numbers', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(result.html).href;
      await page.goto(url, { waitUntil: 'load' });

      expect(errors).toEqual([]);
      expect(requests).toEqual([url]);

      const charts = await page.$$eval('figure.chart', (figs) =>
        figs.map((f) => ({
          metric: f.getAttribute('data-metric'),
          axis: f.getAttribute('data-axis'),
          lines: [...f.querySelectorAll('svg .mark-line path')].filter((p) => (p.getAttribute('d') ?? '').length > 10).length,
          bands: [...f.querySelectorAll('svg .mark-area path')].filter((p) => (p.getAttribute('d') ?? '').length > 10).length,
        })),
      );
      expect(charts.map((c) => `${c.metric} ${c.axis}`)).toEqual(CHARTED.flatMap((m) => [`${m} step`, `${m} time`]));
      for (const c of charts) {
        expect(c.lines, `${c.metric} vs ${c.axis}: one line per arm`).toBe(2);
        expect(c.bands, `${c.metric} vs ${c.axis}: one band per arm`).toBe(2);
      }

      for (const [id, of] of Object.entries(TABLES)) {
        const cells = await page.$$eval(`table.stats[data-metric="${id}"] tbody tr`, (rows) =>
          rows.map((r) => ({
            arm: r.getAttribute('data-arm'),
            stats: Object.fromEntries(
              [...r.querySelectorAll('td[data-stat]')].map((td) => [td.getAttribute('data-stat'), td.getAttribute('data-value')]),
            ),
          })),
        );
        expect(cells.map((c) => c.arm)).toEqual([...FIXTURE.arms]);
        const base = seedsOf(of, 0);
        cells.forEach((row, a) => {
          const want = expected(seedsOf(of, a), base);
          for (const key of ['n', 'mean', 'std', 'ci-low', 'ci-high'] as const) {
            expect(Number(row.stats[key]), `${id} ${row.arm} ${key}`).toBeCloseTo(want[key], 9);
          }
          if (a === 0) {
            expect(row.stats.diff ?? null).toBeNull();
            expect(row.stats.p ?? null).toBeNull();
          } else {
            expect(Number(row.stats.diff), `${id} diff`).toBeCloseTo(want.diff, 9);
            expect(Number(row.stats.p), `${id} p`).toBeCloseTo(want.p, 6);
          }
        });
      }

      const runs = await page.$$eval('table.runs tbody tr', (rows) =>
        rows.map((r) => ({
          arm: r.getAttribute('data-arm'),
          wall: r.querySelector('td[data-stat="wall"]')?.getAttribute('data-value') ?? null,
          status: r.lastElementChild?.textContent,
        })),
      );
      // Every run trains 12 steps of 2 s; the resumed one's hour of dead time is left out.
      expect(runs.map((r) => [r.arm, r.wall === null ? null : Number(r.wall), r.status])).toEqual([
        ['base', FIXTURE.steps * STEP_SECONDS, 'done'],
        ['base', FIXTURE.steps * STEP_SECONDS, 'done'],
        ['fast', FIXTURE.steps * STEP_SECONDS, 'done'],
        ['fast', FIXTURE.steps * STEP_SECONDS, 'done'],
        ['fast', null, 'failed'],
      ]);
      expect(await page.textContent('#failed')).toContain('worker crashed: out of memory');
      expect(await page.$$eval('table.config-diff tbody tr', (rows) => rows.map((r) => r.getAttribute('data-key')))).toEqual([
        'trainer.learningRate',
      ]);

      const shot = join(dir, 'report', 'screenshot.png');
      writeFileSync(shot, await page.screenshot({ fullPage: true }));
      const s = pngStats(readFileSync(shot));
      expect(s.width).toBe(1280);
      expect(s.colours).toBeGreaterThan(200);
      expect(s.inked).toBeGreaterThan(0.02);
    } finally {
      await browser.close();
    }
  });
});
