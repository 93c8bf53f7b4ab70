import { existsSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { type ResolveOptionsContext, z } from '@trellis/core';

/** Field names of one preset: where the question, answer, solution and id live in each JSON object. */
export interface FieldMap {
  readonly question: string;
  /** When absent, the answer is extracted from the solution (`\boxed{}` or GSM8K `####`). */
  readonly answer?: string;
  readonly solution?: string;
  readonly id?: string;
}

/** Built-in field mappings. */
export const JSONL_PRESETS: Readonly<Record<'gsm8k' | 'math' | 'aime' | 'custom', FieldMap>> = {
  /** GSM8K: `question`, `answer` holds the worked solution ending in `#### 42`. */
  gsm8k: { question: 'question', solution: 'answer' },
  /** MATH / MATH-500: `problem`, `solution`, `answer` (id from `unique_id`). */
  math: { question: 'problem', solution: 'solution', answer: 'answer', id: 'unique_id' },
  /** AIME / AMC: `problem`, `answer` (numbers allowed), optional `solution`, id from `id`. */
  aime: { question: 'problem', answer: 'answer', solution: 'solution', id: 'id' },
  /** Generic defaults: `question`, `answer`, `solution`. */
  custom: { question: 'question', answer: 'answer', solution: 'solution' },
};

/** Options of the `jsonl` task (catalog id `jsonl`). */
export const jsonlOptions = z
  .object({
    /**
     * JSONL file, one problem per line. In a config, a relative path resolves against the directory
     * of the config file that sets it (the working directory for a `--set`); the resolved config
     * holds it absolute. A task constructed directly resolves it against the working directory.
     */
    path: z.string().min(1),
    /** Field mapping preset; `fields` overrides single names. */
    preset: z.enum(['gsm8k', 'math', 'aime', 'custom']).default('custom'),
    /** Field names overriding the preset's. */
    fields: z
      .object({
        question: z.string().min(1).optional(),
        answer: z.string().min(1).optional(),
        solution: z.string().min(1).optional(),
        id: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    /** Which split the file is: all `train`, all `test`, or `hash` (a hash of the question sends `testFraction` of it to test). */
    split: z.enum(['train', 'test', 'hash']).default('train'),
    /** Share of problems assigned to `test` when `split` is `hash`. */
    testFraction: z.number().gt(0).lt(1).default(0.1),
    /** Malformed lines (bad JSON, missing or non-text fields, no extractable answer): skip them (reported) or fail loading. */
    onMalformed: z.enum(['skip', 'fail']).default('fail'),
    /** Prompt template; `{question}` is replaced by the question text. */
    promptTemplate: z.string().includes('{question}').default('{question}\nPut the final answer in \\boxed{}.\n'),
    /** Read at most this many problems (file order). */
    limit: z.number().int().positive().optional(),
    /** Problem id prefix; default: the file name without extension. */
    idPrefix: z.string().min(1).optional(),
  })
  .strict();

export type JsonlOptions = z.output<typeof jsonlOptions>;

/**
 * `resolveOptions` hook of `task: jsonl`: `path` made absolute against the config file that sets
 * it, and a file that does not exist is a config error at config time (before any run directory).
 */
export function resolveJsonlOptions(options: Record<string, unknown>, ctx: ResolveOptionsContext): Record<string, unknown> {
  const o = options as JsonlOptions;
  const path = ctx.resolvePath(['path'], o.path);
  const where = isAbsolute(o.path) ? '' : ` (resolved against ${ctx.dirOf(['path'])}: ${path})`;
  if (!existsSync(path)) ctx.fail(['path'], `jsonl file ${o.path} does not exist${where}`);
  if (!statSync(path).isFile()) ctx.fail(['path'], `jsonl path ${o.path} is not a file${where}`);
  return { ...o, path };
}
