/**
 * The cheap pre-filter of relevant abstraction: similarity of two questions in [0, 1], the Jaccard
 * index of their character-trigram sets after normalising each question (lower case, every run of
 * digits replaced by `#`, whitespace collapsed). Replacing numbers makes `12+7*3` and `45+1*9`
 * identical (same structure), while word problems are compared by their wording. Two empty
 * questions are identical (1); a question shorter than three characters is its own single gram.
 */
export function questionSimilarity(a: string, b: string): number {
  const ga = trigrams(a);
  const gb = trigrams(b);
  if (ga.size === 0 && gb.size === 0) return 1;
  let common = 0;
  for (const g of ga) if (gb.has(g)) common++;
  return common / (ga.size + gb.size - common);
}

/** The normalised form `questionSimilarity` compares. */
export function normalizeQuestion(q: string): string {
  return q.toLowerCase().replace(/\d+/g, '#').replace(/\s+/g, ' ').trim();
}

function trigrams(q: string): Set<string> {
  const s = normalizeQuestion(q);
  const out = new Set<string>();
  if (s.length === 0) return out;
  if (s.length < 3) return out.add(s);
  for (let i = 0; i + 3 <= s.length; i++) out.add(s.slice(i, i + 3));
  return out;
}
