/** Issue sentences and fix steps read back from `Issue:` / `Fix steps:` feedback texts. */
export interface ParsedCritique {
  readonly issues: readonly string[];
  readonly fixes: readonly string[];
}

/**
 * Read feedback texts in the `Issue: ...` / `Fix steps: 1. ... 2. ...` format. A text without
 * the markers counts as one issue. Duplicate issues and fix steps are dropped (first kept).
 */
export function parseCritiques(texts: readonly string[]): ParsedCritique {
  const issues: string[] = [];
  const fixes: string[] = [];
  const addUnique = (list: string[], s: string) => {
    const t = s.replace(/\s+/g, ' ').trim();
    if (t && !list.some((x) => x.toLowerCase() === t.toLowerCase())) list.push(t);
  };
  for (const text of texts) {
    const fixAt = text.search(/fix steps\s*:/i);
    const head = fixAt >= 0 ? text.slice(0, fixAt) : text;
    addUnique(issues, head.replace(/^\s*issue\s*:/i, ''));
    if (fixAt < 0) continue;
    const body = text.slice(fixAt).replace(/^fix steps\s*:/i, '');
    for (const item of body.split(/(?:^|\n)\s*\d+[.)]\s+/)) addUnique(fixes, item);
  }
  return { issues, fixes };
}

/** Assemble `Issue: ...\nFix steps:\n1. ...` text; at most `maxFixSteps` numbered steps. */
export function formatCritique(issue: string, fixes: readonly string[], maxFixSteps: number): string {
  const steps = fixes.slice(0, maxFixSteps).map((f, i) => `${i + 1}. ${f}`);
  return steps.length ? `Issue: ${issue}\nFix steps:\n${steps.join('\n')}` : `Issue: ${issue}`;
}

/**
 * Merge compact hints: the distinct non-empty lines of `texts` (case-insensitive, first kept,
 * in order) whose characters all fit `alphabet`, at most `maxLines`, joined by newlines.
 */
export function mergeHints(texts: readonly string[], alphabet: string, maxLines: number): string {
  const out: string[] = [];
  for (const text of texts) {
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line || out.some((x) => x.toLowerCase() === line.toLowerCase())) continue;
      if ([...line].every((ch) => alphabet.includes(ch))) out.push(line);
    }
  }
  return out.slice(0, maxLines).join('\n');
}
