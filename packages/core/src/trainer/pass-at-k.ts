/**
 * Unbiased pass@k from n samples with c correct (Chen et al. 2021, arXiv 2107.03374):
 * 1 - C(n-c, k) / C(n, k), computed as a stable product.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (k > n) throw new RangeError(`pass@${k} needs at least ${k} samples, got ${n}`);
  if (n - c < k) return 1;
  let prod = 1;
  for (let i = n - c + 1; i <= n; i++) prod *= 1 - k / i;
  return 1 - prod;
}

/**
 * Majority vote: the most frequent answer (ties broken by first occurrence); the vote is correct
 * when a sample with that answer is correct. Samples without an answer do not vote.
 */
export function majorityCorrect(answers: readonly (string | undefined)[], correct: readonly boolean[]): boolean {
  const counts = new Map<string, { n: number; first: number; ok: boolean }>();
  answers.forEach((a, i) => {
    if (a === undefined) return;
    const e = counts.get(a) ?? { n: 0, first: i, ok: false };
    e.n++;
    e.ok ||= Boolean(correct[i]);
    counts.set(a, e);
  });
  let best: { n: number; first: number; ok: boolean } | undefined;
  for (const e of counts.values()) if (!best || e.n > best.n || (e.n === best.n && e.first < best.first)) best = e;
  return best?.ok ?? false;
}
