/** One field of a status line. */
export interface Field {
  /** The field as shown when there is room. */
  readonly text: string;
  /** A shorter form, used before any field is dropped. */
  readonly short?: string;
  /** Fields with the lowest priority are dropped first; among equals, the later one. */
  readonly priority: number;
}

/** Width of `text` in terminal cells: code points (the display writes ASCII; other text counts one cell each). */
export const cells = (text: string): number => [...text].length;

/** `text` cut to at most `width` cells. */
export const cut = (text: string, width: number): string => [...text].slice(0, Math.max(0, width)).join('');

/**
 * `fields` joined by `separator` in at most `width` cells: when the full line does not fit, fields
 * take their short form (lowest priority first), then fields are dropped (lowest priority first,
 * the later of equals first); the last field left is cut to `width`. Without a `width` (not a
 * terminal) every field is shown in full.
 */
export function fitLine(fields: readonly Field[], width: number | undefined, separator = ' | '): string {
  const parts = fields.map((f) => ({ ...f, shown: f.text, kept: true }));
  const line = () =>
    parts
      .filter((p) => p.kept)
      .map((p) => p.shown)
      .join(separator);
  if (width === undefined || cells(line()) <= width) return line();
  const order = parts.map((p, i) => ({ p, i })).sort((a, b) => a.p.priority - b.p.priority || b.i - a.i);
  for (const { p } of order) {
    if (p.short === undefined) continue;
    p.shown = p.short;
    if (cells(line()) <= width) return line();
  }
  for (const { p } of order) {
    if (parts.filter((q) => q.kept).length === 1) break;
    p.kept = false;
    if (cells(line()) <= width) return line();
  }
  return cut(line(), width);
}

/** The first of `forms` (longest first) that fits `width`, else the last one cut to it; the first when there is no width. */
export function fitText(forms: readonly string[], width: number | undefined): string {
  const first = forms[0] ?? '';
  if (width === undefined) return first;
  const fits = forms.find((f) => cells(f) <= width);
  return fits ?? cut(forms[forms.length - 1] ?? '', width);
}
