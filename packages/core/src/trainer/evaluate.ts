import type { WeightedReward } from '../plugin/weighted-reward';
import type { Policy } from '../policy/policy';
import type { GenerationRequest, SamplingParams } from '../records/generation';
import type { Problem } from '../records/problem';
import { rolloutFromResult } from '../rollout/rollout-from-result';
import { majorityCorrect, passAtK } from './pass-at-k';
import { withTimeout } from './with-timeout';

/** One problem's evaluation. */
export interface ProblemEvaluation {
  readonly problemId: string;
  readonly question: string;
  readonly gold: string;
  readonly completions: string[];
  readonly answers: (string | undefined)[];
  readonly correct: boolean[];
}

/** Aggregate results; `passAtK[k]` for k = 1, 2, 4, ... up to the sample count. */
export interface EvaluationSummary {
  readonly problems: number;
  readonly samples: number;
  /** Mean fraction of correct samples per problem. */
  readonly passAt1: number;
  readonly passAtK: Record<number, number>;
  /** Majority-vote accuracy over all samples (maj@samples). */
  readonly majAtK: number;
  /** Samples whose prompt the policy cut from the left to fit its context. */
  readonly promptTruncated: number;
  readonly results: ProblemEvaluation[];
}

export interface EvaluateOptions {
  /** The reward whose score (> 0.5) means "correct", e.g. `math-accuracy`. */
  readonly accuracy: WeightedReward;
  /** Samples per problem (k). */
  readonly samples: number;
  /** Sampling for generation; `greedy: true` for deterministic pass@1. */
  readonly sampling: SamplingParams;
  /** Problems per `generate` call. */
  readonly chunk?: number;
  /** Called after each chunk with (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * The generation request of each problem (a prompt with context, a prefill); default: its
   * `prompt`. A prefill belongs to the graded completion.
   */
  readonly request?: (problem: Problem, index: number) => GenerationRequest;
}

/** Generate `samples` completions per problem and grade them with the accuracy reward. */
export async function evaluatePolicy(
  policy: Policy,
  problems: readonly Problem[],
  options: EvaluateOptions,
): Promise<EvaluationSummary> {
  const { accuracy, samples } = options;
  const chunk = Math.max(1, options.chunk ?? Math.max(1, Math.floor(256 / samples)));
  const results: ProblemEvaluation[] = [];
  let promptTruncated = 0;
  for (let s = 0; s < problems.length; s += chunk) {
    const part = problems.slice(s, s + chunk);
    const requests = part.flatMap((p, i) => {
      const request = options.request ? options.request(p, s + i) : { prompt: p.prompt };
      return Array.from({ length: samples }, () => request);
    });
    const seed = options.sampling.seed !== undefined ? options.sampling.seed + s : undefined;
    const outputs = await policy.generate(requests, { ...options.sampling, ...(seed !== undefined ? { seed } : {}) });
    promptTruncated += outputs.filter((o) => (o.promptTruncated ?? 0) > 0).length;
    for (const [i, problem] of part.entries()) {
      const own = outputs.slice(i * samples, (i + 1) * samples);
      const graded = await Promise.all(
        own.map(async (out, k) => {
          // Graded on the generated text only: a prefill (a first line, a <feedback> block) is not the answer.
          const prefill = requests[i * samples + k]?.prefill;
          const rollout = rolloutFromResult(problem, out, {
            id: `${problem.id}-${k}`,
            groupId: problem.id,
            ...(prefill !== undefined ? { prefill } : {}),
            decode: (ids) => policy.tokenizer.decode(ids),
          });
          try {
            const r = await withTimeout(() => accuracy.reward.score({ problem, rollout }), accuracy.timeoutMs, 'accuracy reward');
            return { ok: r.score > 0.5, answer: r.answer };
          } catch {
            return { ok: false, answer: undefined };
          }
        }),
      );
      results.push({
        problemId: problem.id,
        question: problem.question,
        gold: problem.answer,
        completions: own.map((o) => o.text),
        answers: graded.map((g) => g.answer),
        correct: graded.map((g) => g.ok),
      });
    }
    options.onProgress?.(Math.min(problems.length, s + chunk), problems.length);
  }
  const n = Math.max(1, results.length);
  const ks: number[] = [];
  for (let k = 1; k <= samples; k *= 2) ks.push(k);
  if (!ks.includes(samples)) ks.push(samples);
  const passAtKOut: Record<number, number> = {};
  for (const k of ks) {
    passAtKOut[k] = results.reduce((a, r) => a + passAtK(samples, r.correct.filter(Boolean).length, k), 0) / n;
  }
  return {
    problems: results.length,
    samples,
    passAt1: results.reduce((a, r) => a + r.correct.filter(Boolean).length / samples, 0) / n,
    passAtK: passAtKOut,
    promptTruncated,
    majAtK: results.reduce((a, r) => a + (majorityCorrect(r.answers, r.correct) ? 1 : 0), 0) / n,
    results,
  };
}
