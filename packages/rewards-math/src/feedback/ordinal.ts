const WORDS = [
  'first',
  'second',
  'third',
  'fourth',
  'fifth',
  'sixth',
  'seventh',
  'eighth',
  'ninth',
  'tenth',
  'eleventh',
  'twelfth',
  'thirteenth',
  'fourteenth',
  'fifteenth',
  'sixteenth',
  'seventeenth',
  'eighteenth',
  'nineteenth',
  'twentieth',
];

/**
 * `first`, `second`, ... for 0-based `index` < 20, then `#21` style. Words keep line references
 * free of digits, so they cannot collide with a numeric gold answer.
 */
export function ordinal(index: number): string {
  return WORDS[index] ?? `#${index + 1}`;
}
