/** `6m40s`, `1h02m`, `12s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** `41.2%` */
export function pct(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? 'n/a' : `${(100 * x).toFixed(1)}%`;
}

/** Compact number: 1234 -> 1.2k. */
export function compact(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '-';
  if (Math.abs(x) >= 1000) return `${(x / 1000).toFixed(1)}k`;
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}

/** A text progress bar of `width` cells. */
export function bar(done: number, total: number, width = 20): string {
  const filled = Math.max(0, Math.min(width, Math.round((done / Math.max(1, total)) * width)));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}
