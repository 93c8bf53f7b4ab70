import type { Rng } from '@trellis/core';

/** Per-token sampling settings (a subset of core's `SamplingParams`). */
export interface TokenSampling {
  readonly temperature: number;
  readonly topK?: number;
  readonly topP?: number;
  readonly greedy?: boolean;
}

/** Natural-log softmax of `logits / temperature`, computed in float64. */
export function logSoftmax(logits: ArrayLike<number>, temperature = 1): Float64Array {
  const n = logits.length;
  const out = new Float64Array(n);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    out[i] = (logits[i] as number) / temperature;
    if ((out[i] as number) > max) max = out[i] as number;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp((out[i] as number) - max);
  const lse = max + Math.log(sum);
  for (let i = 0; i < n; i++) out[i] = (out[i] as number) - lse;
  return out;
}

/**
 * Pick the next token from one row of logits. Greedy: argmax, reported log-prob at temperature 1.
 * Otherwise: sample from softmax(logits / T) restricted to the top-k tokens and then to the
 * smallest set reaching top-p mass (renormalised); the reported log-prob is that of the
 * untruncated tempered distribution, log softmax(logits / T)[token].
 */
export function sampleToken(logits: ArrayLike<number>, s: TokenSampling, rng: Rng): { token: number; logProb: number } {
  const n = logits.length;
  if (s.greedy) {
    let best = 0;
    for (let i = 1; i < n; i++) if ((logits[i] as number) > (logits[best] as number)) best = i;
    return { token: best, logProb: logSoftmax(logits)[best] as number };
  }
  if (!(s.temperature > 0)) throw new Error(`temperature must be > 0, got ${s.temperature}`);
  const lp = logSoftmax(logits, s.temperature);
  const topK = s.topK && s.topK > 0 && s.topK < n ? s.topK : n;
  const topP = s.topP !== undefined && s.topP < 1 ? s.topP : 1;
  let candidates: number[];
  if (topK < n || topP < 1) {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (lp[b] as number) - (lp[a] as number) || a - b);
    candidates = order.slice(0, topK);
    if (topP < 1) {
      let mass = 0;
      let cut = candidates.length;
      for (let i = 0; i < candidates.length; i++) {
        mass += Math.exp(lp[candidates[i] as number] as number);
        if (mass >= topP) {
          cut = i + 1;
          break;
        }
      }
      candidates = candidates.slice(0, cut);
    }
  } else {
    candidates = Array.from({ length: n }, (_, i) => i);
  }
  let total = 0;
  for (const i of candidates) total += Math.exp(lp[i] as number);
  let u = rng.next() * total;
  let token = candidates[candidates.length - 1] as number;
  for (const i of candidates) {
    u -= Math.exp(lp[i] as number);
    if (u < 0) {
      token = i;
      break;
    }
  }
  return { token, logProb: lp[token] as number };
}
