/** A number for a table cell: 4 significant digits (1 decimal from 100 up); `n/a` for null. */
export function fmtNumber(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  if (Number.isInteger(x)) return String(x);
  if (Math.abs(x) >= 100) return x.toFixed(1);
  return String(Number(x.toPrecision(4)));
}

/** A difference, with its sign: `+0.05`, `-0.1`, `0`. */
export function fmtDiff(x: number | null | undefined): string {
  const s = fmtNumber(x);
  return x !== null && x !== undefined && x > 0 ? `+${s}` : s;
}

/** A p-value: 3 decimals, `< 0.001` below that. */
export function fmtP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return 'n/a';
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** A duration in seconds: `42.1 s`, `3m 05s`, `2h 07m`. */
export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return 'n/a';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}h ${pad(m)}m` : `${m}m ${pad(s % 60)}s`;
}

/** Escape text for HTML content and attribute values. */
export const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** Text for one Markdown table cell: `|` escaped, line breaks as spaces. */
export const mdCell = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** What n, std, the interval and the test are, for the reader of either report. */
export const STATS_NOTE =
  'n = runs (seeds) of the arm with a value; mean and std = sample mean and sample standard deviation (n - 1) over those runs; ' +
  '95% CI = Student t interval for the mean, mean ± t(0.975, n - 1) · std / √n; Δ = arm mean − baseline mean; ' +
  'p = two-sided Welch two-sample t-test (unequal variances, Welch–Satterthwaite df) of the arm against the baseline. ' +
  'n/a where a side has n < 2, or both have zero variance.';
