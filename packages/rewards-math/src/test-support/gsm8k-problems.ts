import { readFileSync } from 'node:fs';
import type { Problem } from '@trellis/core';
import { JSONL_PRESETS } from '../jsonl/jsonl-options';
import { parseJsonlProblems } from '../jsonl/parse-jsonl-problems';

/** Tests only: the first `limit` problems of a GSM8K JSONL file, parsed with the `gsm8k` preset. */
export function gsm8kProblems(path: string, limit: number): Problem[] {
  return parseJsonlProblems(readFileSync(path, 'utf8'), {
    file: 'train.jsonl',
    fields: JSONL_PRESETS.gsm8k,
    split: 'train',
    testFraction: 0.1,
    promptTemplate: '{question}',
    idPrefix: 'gsm8k',
    limit,
  }).problems;
}
