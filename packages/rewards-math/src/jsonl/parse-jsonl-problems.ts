import type { Problem, Split } from '@trellis/core';
import { hash32 } from '../arithmetic/split-of';
import { extractAnswer } from '../extract/extract-answer';
import type { FieldMap } from './jsonl-options';

/** Settings of {@link parseJsonlProblems}. */
export interface ParseJsonlSettings {
  /** File name used in problem reports (`file:line`). */
  readonly file: string;
  readonly fields: FieldMap;
  readonly split: Split | 'hash';
  readonly testFraction: number;
  readonly promptTemplate: string;
  readonly idPrefix: string;
  readonly limit?: number;
}

/** A malformed line: `file:line: reason`. */
export interface JsonlIssue {
  readonly line: number;
  readonly message: string;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * Parse JSONL text into problems with the given field mapping. Blank lines are ignored; every
 * malformed line (bad JSON, not an object, a missing/empty/non-text question or answer, no
 * answer extractable from the solution) is returned as an issue with its 1-based line number.
 * Other primitive fields go to `meta`.
 */
export function parseJsonlProblems(content: string, s: ParseJsonlSettings): { problems: Problem[]; issues: JsonlIssue[] } {
  const problems: Problem[] = [];
  const issues: JsonlIssue[] = [];
  const lines = content.split('\n');
  const mapped = new Set([s.fields.question, s.fields.answer, s.fields.solution, s.fields.id].filter(Boolean));
  for (let i = 0; i < lines.length; i++) {
    if (s.limit !== undefined && problems.length >= s.limit) break;
    const raw = (lines[i] as string).trim();
    if (raw === '') continue;
    const line = i + 1;
    const fail = (message: string) => issues.push({ line, message: `${s.file}:${line}: ${message}` });
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch (e) {
      fail(`invalid JSON (${(e as Error).message})`);
      continue;
    }
    if (!row || typeof row !== 'object' || Array.isArray(row)) {
      fail('not a JSON object');
      continue;
    }
    const obj = row as Record<string, unknown>;
    const question = text(obj[s.fields.question]);
    if (!question || question.trim() === '') {
      fail(`missing or non-text question field '${s.fields.question}'`);
      continue;
    }
    const solution = s.fields.solution ? text(obj[s.fields.solution]) : undefined;
    let answer = s.fields.answer ? text(obj[s.fields.answer]) : undefined;
    if (answer === undefined && s.fields.answer === undefined && solution) {
      const ex = extractAnswer(solution, { answerIs: false, fallback: 'none' });
      if (ex.found) answer = ex.answer;
    }
    if (answer === undefined || answer.trim() === '') {
      fail(
        s.fields.answer
          ? `missing or non-text answer field '${s.fields.answer}'`
          : `no answer field and no \\boxed{} / #### answer in '${s.fields.solution ?? 'solution'}'`,
      );
      continue;
    }
    const idValue = s.fields.id ? text(obj[s.fields.id]) : undefined;
    const split: Split = s.split === 'hash' ? (hash32(question) / 2 ** 32 < s.testFraction ? 'test' : 'train') : s.split;
    const meta: Record<string, unknown> = { line };
    for (const [k, v] of Object.entries(obj)) {
      if (!mapped.has(k) && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) meta[k] = v;
    }
    problems.push({
      id: `${s.idPrefix}-${idValue ?? line}`,
      prompt: s.promptTemplate.replace('{question}', question),
      question,
      answer: answer.trim(),
      ...(solution ? { solution } : {}),
      split,
      meta,
    });
  }
  return { problems, issues };
}
