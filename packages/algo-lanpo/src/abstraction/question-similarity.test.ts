import { describe, expect, it } from 'vitest';
import { normalizeQuestion, questionSimilarity } from './question-similarity';

describe('questionSimilarity', () => {
  it('numbers do not matter, structure does', () => {
    expect(normalizeQuestion(' 12+7*3 ')).toBe('#+#*#');
    expect(questionSimilarity('12+7*3', '45+1*9')).toBe(1);
    // '#+#*#' vs '#-#' : grams {#+#, +#*, #*#} vs {#-#}: 0 common.
    expect(questionSimilarity('12+7*3', '4-5')).toBe(0);
    // '#+#*#' vs '#+#-#': {#+#,+#*,#*#} vs {#+#,+#-,#-#}: 1 common of 5.
    expect(questionSimilarity('12+7*3', '1+2-3')).toBeCloseTo(1 / 5, 12);
  });

  it('is symmetric, in [0, 1], and handles short and empty questions', () => {
    expect(questionSimilarity('Tom has 3 apples', 'tom HAS 8   apples')).toBe(1);
    expect(questionSimilarity('a', 'a')).toBe(1);
    expect(questionSimilarity('', '')).toBe(1);
    expect(questionSimilarity('', 'abc')).toBe(0);
    const x = questionSimilarity('Ann reads 3 books', 'Ann buys 3 books');
    expect(x).toBe(questionSimilarity('Ann buys 3 books', 'Ann reads 3 books'));
    expect(x).toBeGreaterThan(0);
    expect(x).toBeLessThan(1);
  });
});
