import { CharTokenizer } from '../char-tokenizer';
import { createPolicy } from '../create-policy';
import type { ModelConfigInput } from '../model-config';
import type { TfjsPolicy, TfjsPolicyOptions } from '../tfjs-policy';

/** Alphabet of the test models. */
export const TEST_ALPHABET = 'abcdefghij0123456789 +=';

/** A tiny seeded policy for tests (d 32, 2 layers, 4 heads, context 40). */
export function tinyPolicy(overrides: ModelConfigInput = {}, seed = 1, options: TfjsPolicyOptions = {}): TfjsPolicy {
  return createPolicy(
    { dModel: 32, nLayers: 2, nHeads: 4, dFF: 64, maxContext: 40, ...overrides },
    new CharTokenizer(TEST_ALPHABET),
    { seed, ...options },
  );
}
