import { injectable } from 'inversify';
import { type LeakGuard, type LeakScan, REDACTED } from './leak-guard';

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const WORD = /[\p{L}\p{N}]/u;

/**
 * Core's default guard (`literal`): the answer as written (trimmed, case-insensitive), as a whole
 * token: where the answer starts or ends with a letter or digit, no letter or digit may touch it
 * there (gold `3` is not found in `13`, `3.5` or `3,000`, but is found in `x = 3.`).
 * Task-aware guards (rewards-math's `math-answer`) also catch equivalent forms (`30.0`, `\boxed{30}`).
 */
@injectable()
export class LiteralLeakGuard implements LeakGuard {
  readonly id = 'literal';

  scan(text: string, answers: readonly string[]): LeakScan {
    let out = text;
    let leaks = 0;
    for (const raw of answers) {
      const a = raw.trim();
      if (a === '') continue;
      const head = WORD.test(a.charAt(0)) ? '(?<![\\p{L}\\p{N}])' : '';
      const tail = WORD.test(a.charAt(a.length - 1)) ? '(?![\\p{L}\\p{N}]|[.,]\\p{N})' : '';
      const re = new RegExp(`${head}${escapeRegExp(a)}${tail}`, 'giu');
      out = out.replace(re, () => {
        leaks++;
        return REDACTED;
      });
    }
    return { text: out, leaks };
  }
}
