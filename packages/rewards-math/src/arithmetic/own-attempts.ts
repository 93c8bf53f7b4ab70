import { readFileSync } from 'node:fs';
import { ConfigError, type Rng, type Split } from '@trellis/core';
import { evaluationSteps, formatStep, parseArithmetic } from './expression';
import type { ArithmeticItem } from './generate-arithmetic';
import { splitOf } from './split-of';

/** One model attempt at a problem, as `trellis eval -o` wrote it. */
export interface OwnAttempt {
  readonly text: string;
  readonly correct: boolean;
}

/** A problem of the pool with the model's attempts at it. */
export interface OwnAttemptEntry {
  readonly item: ArithmeticItem;
  readonly attempts: readonly OwnAttempt[];
}

/** The reference item of a bare arithmetic expression (undefined when it does not parse or reduce). */
export function itemOfQuestion(question: string): ArithmeticItem | undefined {
  const tokens = parseArithmetic(question);
  const steps = tokens && evaluationSteps(tokens);
  if (!tokens || !steps || steps.length === 0) return undefined;
  const answer = (steps[steps.length - 1] as (typeof steps)[number]).result.toDisplay();
  const lines = steps.map((s) => formatStep(s.left, s.op, s.right, s.result));
  return {
    question,
    solution: [...lines, `\\boxed{${answer}}`].join('\n'),
    answer,
    steps: steps.length,
    parentheses: question.includes('('),
  };
}

function fail(path: string, line: number, message: string): never {
  throw new ConfigError(`arithmetic ownAttempts: ${path}:${line}: ${message}`);
}

/**
 * Read a pool of a model's own attempts: the per-problem JSONL that `trellis eval -o` writes
 * (`question`, `completions`, `correct` per line; other fields ignored). Only problems of `split`
 * are kept (a pool sampled on test problems would leak them into pretraining); the verdicts are
 * kept apart from the text and never shown. Throws ConfigError naming file and line on bad rows.
 */
export function readOwnAttempts(path: string, split: Split, testFraction: number): OwnAttemptEntry[] {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`arithmetic ownAttempts: cannot read ${path}: ${(e as Error).message}`);
  }
  const out: OwnAttemptEntry[] = [];
  let otherSplit = 0;
  content.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let row: { question?: unknown; completions?: unknown; correct?: unknown };
    try {
      row = JSON.parse(raw);
    } catch (e) {
      fail(path, i + 1, `not JSON (${(e as Error).message})`);
    }
    const { question, completions, correct } = row;
    if (typeof question !== 'string') fail(path, i + 1, 'needs a string "question"');
    if (!Array.isArray(completions) || !completions.every((c) => typeof c === 'string')) {
      fail(path, i + 1, 'needs "completions", an array of strings');
    }
    if (!Array.isArray(correct) || correct.length !== completions.length || !correct.every((c) => typeof c === 'boolean')) {
      fail(path, i + 1, 'needs "correct", one boolean per completion');
    }
    const item = itemOfQuestion(question);
    if (!item) fail(path, i + 1, `question ${JSON.stringify(question)} is not an arithmetic expression`);
    if (splitOf(question, testFraction) !== split) {
      otherSplit++;
      return;
    }
    out.push({ item, attempts: completions.map((text, k) => ({ text, correct: correct[k] as boolean })) });
  });
  if (out.length === 0) {
    throw new ConfigError(
      `arithmetic ownAttempts: ${path} holds no ${split} problem (${otherSplit} of the other split skipped); sample it with \`trellis eval --split ${split} -o\``,
    );
  }
  return out;
}

/** A random entry and one of its attempts (a failed one when `failed`); undefined if none qualifies. */
export function drawOwnAttempt(
  pool: readonly OwnAttemptEntry[],
  rng: Rng,
  failed: boolean,
): { item: ArithmeticItem; text: string } | undefined {
  for (let t = 0; t < 50; t++) {
    const entry = pool[rng.int(pool.length)] as OwnAttemptEntry;
    const pick = failed ? entry.attempts.filter((a) => !a.correct) : entry.attempts;
    if (pick.length > 0) return { item: entry.item, text: (pick[rng.int(pick.length)] as OwnAttempt).text };
  }
  return undefined;
}
