import { lcsLength } from './lcs-length';

/** ROUGE-L of a candidate against a reference. */
export interface RougeLScore {
  /** LCS length, in tokens. */
  readonly lcs: number;
  /** LCS / |candidate| (0 for an empty candidate). */
  readonly precision: number;
  /** LCS / |reference| (0 for an empty reference). */
  readonly recall: number;
  /** `(1 + beta^2) P R / (beta^2 P + R)` (0 when P = R = 0). */
  readonly f: number;
}

/**
 * ROUGE-L (Lin 2004) over token sequences: precision, recall and F-beta of their longest common
 * subsequence (computed bit-parallel). `beta > 1` weights recall more.
 */
export function rougeL(candidate: readonly string[], reference: readonly string[], beta = 1): RougeLScore {
  const ids = new Map<string, number>();
  const intern = (tokens: readonly string[]): Int32Array =>
    Int32Array.from(tokens, (t) => {
      let id = ids.get(t);
      if (id === undefined) {
        id = ids.size;
        ids.set(t, id);
      }
      return id;
    });
  const lcs = lcsLength(intern(reference), intern(candidate));
  const precision = candidate.length ? lcs / candidate.length : 0;
  const recall = reference.length ? lcs / reference.length : 0;
  const b2 = beta * beta;
  const f = precision + recall > 0 ? ((1 + b2) * precision * recall) / (b2 * precision + recall) : 0;
  return { lcs, precision, recall, f };
}
