/**
 * What a context changed, per problem, from the JSONL that `trellis eval --context ... -o` writes
 * (each row: context, problemId, completions, correct, prompt). Two views:
 * - critiques (`feedback-compact`, `feedback`): per hint line of the `<feedback>` block (`First line:
 *   7+19=26.`), whether it revealed the step's value or hid it (`6+14=?`, the final line, whose value
 *   is the answer), whether the greedy answer contains the revealed line verbatim, and whether it
 *   solved the problem;
 * - the own attempt (`attempt`): transitions from the plain answer (right / wrong) to the answer with
 *   that attempt in context, and whether the text changed.
 */

export interface ContextRow {
  readonly context: string;
  readonly problemId: string;
  readonly completions: readonly string[];
  readonly correct: readonly boolean[];
  readonly prompt?: string;
}

export interface HintBucket {
  /** e.g. `first line, value shown`, `second line, value hidden`, `no hint line`. */
  readonly hint: string;
  problems: number;
  copied: number;
  solved: number;
}

export interface Transitions {
  readonly [key: string]: number;
}

/** The first hint of a critique: which line, and the step it shows (`7+19=26`, or `6+14=?` when hidden). */
export function hintOf(feedback: string): { line: string; step: string } | undefined {
  // compact: `First line: 7+19=26.`; prose: `1. Redo the first line: 7+19=26.` or
  // `1. Recompute 6+14 carefully on the second line.` (the value is the answer, so it stays hidden).
  const compact = /^(\w+) line: (.+?)\.?$/m.exec(feedback);
  if (compact) return { line: (compact[1] as string).toLowerCase(), step: compact[2] as string };
  const redo = /Redo the (\w+) line: (.+?)\.?$/m.exec(feedback);
  if (redo) return { line: redo[1] as string, step: redo[2] as string };
  const recompute = /Recompute (\S+) carefully on the (\w+) line/.exec(feedback);
  if (recompute) return { line: recompute[2] as string, step: `${recompute[1]}=?` };
  return undefined;
}

/** The `<feedback>` block's text of a prompt, or undefined. */
export function feedbackOf(prompt: string | undefined): string | undefined {
  return prompt ? /<feedback>\n([\s\S]*?)\n?<\/feedback>/.exec(prompt)?.[1] : undefined;
}

/** Hint buckets of one critique context, in first-seen order. */
export function critiqueBreakdown(rows: readonly ContextRow[], context: string): HintBucket[] {
  const buckets = new Map<string, HintBucket>();
  for (const r of rows) {
    if (r.context !== context) continue;
    const h = hintOf(feedbackOf(r.prompt) ?? '');
    const line = h?.step;
    const shown = line !== undefined && !line.endsWith('=?');
    const hint = h ? `${h.line} line, value ${shown ? 'shown' : 'hidden'}` : 'no hint line';
    const b = buckets.get(hint) ?? { hint, problems: 0, copied: 0, solved: 0 };
    buckets.set(hint, b);
    b.problems++;
    if (shown && (r.completions[0] ?? '').split('\n').includes(line as string)) b.copied++;
    if (r.correct[0]) b.solved++;
  }
  return [...buckets.values()];
}

/** Plain-to-attempt transitions: `right -> wrong (changed)` etc. */
export function attemptTransitions(rows: readonly ContextRow[]): Transitions {
  const plain = new Map(rows.filter((r) => r.context === 'none').map((r) => [r.problemId, r]));
  const out: Record<string, number> = {};
  for (const r of rows) {
    if (r.context !== 'attempt') continue;
    const p = plain.get(r.problemId);
    if (!p) continue;
    const key = `${p.correct[0] ? 'right' : 'wrong'} -> ${r.correct[0] ? 'right' : 'wrong'} (${
      r.completions[0] === p.completions[0] ? 'same text' : 'changed'
    })`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}
