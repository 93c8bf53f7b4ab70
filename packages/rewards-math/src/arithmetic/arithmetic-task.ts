import {
  ConfigError,
  inject,
  injectable,
  type Problem,
  Rng,
  type Split,
  type SupervisedExample,
  type TaskSource,
  Tokens,
} from '@trellis/core';
import { ARITHMETIC_ALPHABET } from './arithmetic-alphabet';
import { drawFormat, type FormatDeps, formatExample } from './arithmetic-formats';
import { type ArithmeticOptions, arithmeticOptions } from './arithmetic-options';
import { type ArithmeticItem, drawArithmetic } from './generate-arithmetic';
import { drawOwnAttempt, type OwnAttemptEntry, readOwnAttempts } from './own-attempts';
import { hash32, splitOf } from './split-of';

/** Draws per requested problem before giving up (constraints or a tiny expression space). */
const MAX_TRIES_PER_PROBLEM = 20_000;
const hex = (h: number) => h.toString(16).padStart(8, '0');

/**
 * Seeded synthetic multi-step arithmetic (catalog id `arithmetic`): prompt `12+7*3=?\n`,
 * solution `7*3=21\n12+21=33\n\boxed{33}`. Train and test are disjoint by construction (a hash
 * of the expression picks its split; draws for the other split are rejected).
 */
@injectable()
export class ArithmeticTask implements TaskSource {
  readonly id = 'arithmetic';
  readonly options: ArithmeticOptions;
  private readonly lists = new Map<Split, Problem[]>();
  private readonly pools = new Map<Split, OwnAttemptEntry[]>();

  constructor(@inject(Tokens.ChoiceOptions) options: Partial<ArithmeticOptions> = {}) {
    this.options = arithmeticOptions.parse(options ?? {});
    const template = this.options.promptTemplate.replace('{question}', '');
    const outside = [...new Set(template)].filter((ch) => !ARITHMETIC_ALPHABET.includes(ch));
    if (outside.length > 0) {
      throw new ConfigError(
        `arithmetic: promptTemplate uses characters outside ARITHMETIC_ALPHABET: ${outside.map((c) => JSON.stringify(c)).join(', ')}`,
      );
    }
  }

  /** Unbounded (a generator). */
  size(_split: Split): number | undefined {
    return undefined;
  }

  /** `n` problems of `split` drawn with `rng` (independent draws; repeats possible). */
  sample(split: Split, n: number, rng: Rng): Problem[] {
    return Array.from({ length: n }, () => this.toProblem(this.draw(split, rng), split));
  }

  /** The first `limit` (default `listSize`) distinct problems of `split` in a fixed order set by `seed`. */
  list(split: Split, limit: number = this.options.listSize): Problem[] {
    const cached = this.lists.get(split);
    if (cached && cached.length >= limit) return cached.slice(0, limit);
    const rng = Rng.fromSeed(this.options.seed).split(`arithmetic-list-${split}`);
    const seen = new Set<string>();
    const out: Problem[] = [];
    let misses = 0;
    while (out.length < limit && misses < 2000) {
      const item = this.draw(split, rng);
      if (seen.has(item.question)) {
        misses++;
        continue;
      }
      seen.add(item.question);
      out.push(this.toProblem(item, split));
    }
    this.lists.set(split, out);
    return out.slice(0, limit);
  }

  /**
   * `n` pretraining examples of `split` in one format drawn by `pretrainFormats` (see
   * ARITHMETIC_FORMATS); with the default weights, each problem's plain prompt and solution.
   */
  supervised(split: Split, n: number, rng: Rng): SupervisedExample[] {
    const format = drawFormat(this.options.pretrainFormats, rng.split('format'));
    const pool = this.ownAttempts(split);
    const deps: FormatDeps = {
      prompt: (item) => this.options.promptTemplate.replace('{question}', item.question),
      draw: (r) => this.draw(split, r),
      idOf: (item) => this.toProblem(item, split).id,
      corruptedShare: this.options.corruptedAttempts,
      templates: this.options.contextTemplates,
      own: pool && ((r, failed) => drawOwnAttempt(pool, r, failed)),
      ownShare: this.options.ownAttempts?.share ?? 0,
    };
    return Array.from({ length: n }, (_, i) => formatExample(format, this.draw(split, rng), rng.split(`example-${i}`), deps));
  }

  /** The own-attempt pool of `split` (read once), when `ownAttempts` is set. */
  private ownAttempts(split: Split): OwnAttemptEntry[] | undefined {
    const o = this.options.ownAttempts;
    if (!o) return undefined;
    let pool = this.pools.get(split);
    if (!pool) {
      pool = readOwnAttempts(o.path, split, this.options.testFraction);
      this.pools.set(split, pool);
    }
    return pool;
  }

  private draw(split: Split, rng: Rng): ArithmeticItem {
    for (let t = 0; t < MAX_TRIES_PER_PROBLEM; t++) {
      const item = drawArithmetic(rng, this.options);
      if (item && splitOf(item.question, this.options.testFraction) === split) return item;
    }
    throw new ConfigError(`arithmetic: no ${split} problem found in ${MAX_TRIES_PER_PROBLEM} draws; loosen the options`);
  }

  private toProblem(item: ArithmeticItem, split: Split): Problem {
    return {
      id: `arith-${split}-${hex(hash32(item.question))}${hex(hash32(`${item.question}#`))}`,
      prompt: this.options.promptTemplate.replace('{question}', item.question),
      question: item.question,
      answer: item.answer,
      solution: item.solution,
      split,
      meta: { steps: item.steps, parentheses: item.parentheses },
    };
  }
}
