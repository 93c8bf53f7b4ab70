import { describe, expect, it } from 'vitest';
import { FeedbackError } from './feedback-error';
import { parseRelevance } from './parse-relevance';

describe('parseRelevance', () => {
  it('reads fractions, percentages and marks out of 10 or 100', () => {
    expect(parseRelevance('0.85')).toBe(0.85);
    expect(parseRelevance(' Relevance: .9 because')).toBe(0.9);
    expect(parseRelevance('1')).toBe(1);
    expect(parseRelevance('85%')).toBe(0.85);
    expect(parseRelevance('8/10')).toBe(0.8);
    expect(parseRelevance('about 45 / 100')).toBe(0.45);
  });

  it('fails with reason parse when there is no number or it is out of range', () => {
    for (const bad of ['very relevant', '', '7', '120%']) {
      let error: unknown;
      try {
        parseRelevance(bad);
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(FeedbackError);
      expect((error as FeedbackError).reason).toBe('parse');
    }
  });
});
