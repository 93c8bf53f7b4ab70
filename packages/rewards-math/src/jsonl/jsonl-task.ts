import { readFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { ConfigError, inject, injectable, type Problem, type Rng, type Split, type TaskSource, Tokens } from '@trellis/core';
import { JSONL_PRESETS, type JsonlOptions, jsonlOptions } from './jsonl-options';
import { type JsonlIssue, parseJsonlProblems } from './parse-jsonl-problems';

/** Malformed lines printed one by one when skipping; the rest are summarised. */
const MAX_REPORTED = 10;

/**
 * Problems from a JSONL file (catalog id `jsonl`) with a field mapping (presets `gsm8k`,
 * `math`, `aime`, `custom`). Loaded by `init()`; malformed lines are reported as `file:line`
 * and either skipped or fail loading (`onMalformed`).
 */
@injectable()
export class JsonlTask implements TaskSource {
  readonly id = 'jsonl';
  readonly options: JsonlOptions;
  /** Absolute path of the file. */
  readonly path: string;
  /** Malformed lines found by the last `init()` (when skipping). */
  issues: readonly JsonlIssue[] = [];
  private bySplit: Record<Split, Problem[]> | undefined;

  constructor(@inject(Tokens.ChoiceOptions) options: Partial<JsonlOptions> & { path: string }) {
    this.options = jsonlOptions.parse(options);
    this.path = resolve(process.cwd(), this.options.path);
  }

  /** Read and parse the file. Throws ConfigError when it cannot be read, has malformed lines under `fail`, or holds no problem. */
  async init(): Promise<void> {
    let content: string;
    try {
      content = await readFile(this.path, 'utf8');
    } catch (e) {
      throw new ConfigError(`jsonl: cannot read ${this.path}: ${(e as Error).message}`);
    }
    const o = this.options;
    const fields = { ...JSONL_PRESETS[o.preset], ...o.fields };
    const { problems, issues } = parseJsonlProblems(content, {
      file: this.path,
      fields,
      split: o.split,
      testFraction: o.testFraction,
      promptTemplate: o.promptTemplate,
      idPrefix: o.idPrefix ?? basename(this.path, extname(this.path)),
      ...(o.limit !== undefined ? { limit: o.limit } : {}),
    });
    if (issues.length > 0 && o.onMalformed === 'fail') {
      const shown = issues.slice(0, MAX_REPORTED).map((i) => i.message);
      const more = issues.length > MAX_REPORTED ? `\n(${issues.length - MAX_REPORTED} more)` : '';
      throw new ConfigError(
        `jsonl: ${issues.length} malformed line(s) (set onMalformed: skip to skip them):\n${shown.join('\n')}${more}`,
      );
    }
    if (issues.length > 0) {
      for (const i of issues.slice(0, MAX_REPORTED)) console.warn(`jsonl: skipped ${i.message}`);
      if (issues.length > MAX_REPORTED)
        console.warn(`jsonl: skipped ${issues.length - MAX_REPORTED} more malformed line(s) in ${this.path}`);
    }
    if (problems.length === 0) throw new ConfigError(`jsonl: no problems in ${this.path}`);
    this.issues = issues;
    this.bySplit = { train: problems.filter((p) => p.split === 'train'), test: problems.filter((p) => p.split === 'test') };
  }

  size(split: Split): number {
    return this.ofSplit(split).length;
  }

  /** `n` problems drawn uniformly with replacement with `rng`. */
  sample(split: Split, n: number, rng: Rng): Problem[] {
    const pool = this.ofSplit(split);
    if (pool.length === 0 && n > 0) throw new ConfigError(`jsonl: no '${split}' problems in ${this.path} (see the split option)`);
    return Array.from({ length: n }, () => pool[rng.int(pool.length)] as Problem);
  }

  /** The first `limit` problems of `split` in file order (all by default). */
  list(split: Split, limit?: number): Problem[] {
    const pool = this.ofSplit(split);
    return limit === undefined ? [...pool] : pool.slice(0, limit);
  }

  private ofSplit(split: Split): Problem[] {
    if (!this.bySplit) throw new Error('jsonl: call init() before using the task');
    return this.bySplit[split];
  }
}
