import { readFileSync } from 'node:fs';
import type { MetricsRecord } from '@trellis/core';

const KINDS = new Set(['step', 'eval', 'event']);

function isRecord(value: unknown): value is MetricsRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.kind === 'string' &&
    KINDS.has(r.kind) &&
    typeof r.step === 'number' &&
    typeof r.time === 'number' &&
    typeof r.values === 'object' &&
    r.values !== null
  );
}

/**
 * Parse the text of a `metrics.jsonl`: one record per line. Lines that are not JSON records (a
 * torn last line of a run still being written, blank lines) are skipped, as the trainer does.
 */
export function parseMetrics(text: string): MetricsRecord[] {
  const out: MetricsRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const value: unknown = JSON.parse(line);
      if (isRecord(value)) out.push(value);
    } catch {
      // torn or foreign line: skipped
    }
  }
  return out;
}

/** Read `file` with `parseMetrics`; an absent or unreadable file has no records. */
export function readMetricsFile(file: string): MetricsRecord[] {
  try {
    return parseMetrics(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
}
