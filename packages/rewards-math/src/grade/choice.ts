const GOLD_CHOICE = /^\(?([A-J])\)?$/;
const PRED_CHOICE = /^(?:\(([A-Ja-j])\)|([A-J])(?=$|[\s.:)]))/;

/** The option letter of a normalised gold answer such as `(B)` or `B`; undefined otherwise. */
export function goldChoice(normalized: string): string | undefined {
  return GOLD_CHOICE.exec(normalized.replace(/\s+/g, ''))?.[1];
}

/**
 * The option letter a normalised prediction starts with: `(B)`, `(b)`, `B`, `B)`, `B.`, `B: 12`,
 * `(B) 12`. Undefined when it does not name an option.
 */
export function predictedChoice(normalized: string): string | undefined {
  const m = PRED_CHOICE.exec(normalized.trim());
  const letter = m?.[1] ?? m?.[2];
  return letter?.toUpperCase();
}
