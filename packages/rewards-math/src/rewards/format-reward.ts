import { inject, injectable, type Reward, type RewardInput, type RewardOutput, Tokens, z } from '@trellis/core';
import { countBoxed, extractAnswer } from '../extract/extract-answer';

/** Options of the `format` reward. */
export const formatOptions = z
  .object({
    /** How many boxed answers a completion must have: exactly one, at least one, or any number (check off). */
    boxed: z.enum(['exactly-one', 'at-least-one', 'any']).default('exactly-one'),
    /** Require the completion to end with its (last) box: only whitespace or `.`/`$` may follow. */
    boxedAtEnd: z.boolean().default(false),
    /** Tags that must each appear exactly once as `<tag>...</tag>`, in this order (e.g. `["think"]`). */
    requiredTags: z.array(z.string().regex(/^[A-Za-z][\w-]*$/)).default([]),
    /** Score = share of checks passed (true) or 1 only when all pass (false). */
    partialCredit: z.boolean().default(false),
  })
  .strict();

export type FormatOptions = z.output<typeof formatOptions>;

function endsWithBox(text: string): boolean {
  const box = extractAnswer(text, { gsm8k: false, answerIs: false, fallback: 'none' });
  if (!box.found) return false;
  const after = text.slice(box.end);
  return /^\s*\}?[\s.$]*$/.test(after);
}

function countOf(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/**
 * Format reward (catalog id `format`): checks the completion's box count, optionally that it
 * ends with the box, and that required `<tag>...</tag>` blocks appear once each, in order.
 * Components: `boxed_count`, and `boxed_ok`, `end_ok`, `tags_ok` (1 = passed; checks that are
 * off count as passed).
 */
@injectable()
export class FormatReward implements Reward {
  readonly id = 'format';
  readonly options: FormatOptions;

  constructor(@inject(Tokens.ChoiceOptions) options: Partial<FormatOptions> = {}) {
    this.options = formatOptions.parse(options ?? {});
  }

  score({ rollout }: RewardInput): RewardOutput {
    const text = rollout.completionText;
    const o = this.options;
    const boxes = countBoxed(text);
    const boxedOk = o.boxed === 'any' || (o.boxed === 'exactly-one' ? boxes === 1 : boxes >= 1);
    const endOk = !o.boxedAtEnd || endsWithBox(text);
    let tagsOk = true;
    let from = 0;
    for (const tag of o.requiredTags) {
      const open = `<${tag}>`;
      const close = `</${tag}>`;
      const at = text.indexOf(open, from);
      const end = at < 0 ? -1 : text.indexOf(close, at + open.length);
      if (countOf(text, open) !== 1 || countOf(text, close) !== 1 || at < 0 || end < 0) {
        tagsOk = false;
        break;
      }
      from = end + close.length;
    }
    const checks = [boxedOk, endOk, tagsOk];
    const passed = checks.filter(Boolean).length;
    const score = o.partialCredit ? passed / checks.length : passed === checks.length ? 1 : 0;
    return { score, components: { boxed_count: boxes, boxed_ok: +boxedOk, end_ok: +endOk, tags_ok: +tagsOk } };
  }
}
