import {
  type ContextTemplates,
  contextPrompt,
  type EvaluationSummary,
  evaluatePolicy,
  type FeedbackClient,
  type FeedbackKind,
  feedbackRequest,
  type GenerationRequest,
  type Policy,
  type Problem,
  type SamplingParams,
  turnPrompt,
  type WeightedReward,
} from '@trellis/core';

/**
 * Contexts `trellis eval --context` measures, each greedy pass@1 on the same problems. "Own
 * attempt" is the policy's greedy answer without context, shown unlabelled.
 * - `none`: the plain prompt;
 * - `attempt`: the problem's own attempt before it;
 * - `attempt-other`: the own attempt at the *next* problem of the list (should be ignored);
 * - `attempt-correct`: the reference solution before the problem (an upper bound on copying);
 * - `feedback` / `feedback-compact`: on the problems failed without context, a `<feedback>`
 *   block with the critique (provider entry `critique`, resp. `critique-compact`) of the own attempt;
 * - `principles` / `principles-irrelevant`: an `abstraction` of the own attempts at the two other
 *   problems (among the next `candidates`) that the `relevance` provider scores highest, resp. lowest;
 * - `turn`: the multi-turn first-turn prompt; `turn-feedback`: on the failed problems, a
 *   regeneration turn with the block prefilled by the critique;
 * - `prefill-line`: the reference solution's first line given as prefill.
 */
export const EVAL_CONTEXTS = [
  'none',
  'attempt',
  'attempt-other',
  'attempt-correct',
  'feedback',
  'feedback-compact',
  'principles',
  'principles-irrelevant',
  'turn',
  'turn-feedback',
  'prefill-line',
] as const;

export type EvalContext = (typeof EVAL_CONTEXTS)[number];

/** Contexts that only run on the problems failed without context. */
const ON_FAILED: ReadonlySet<EvalContext> = new Set(['feedback', 'feedback-compact', 'turn-feedback']);

export interface ContextResult {
  readonly context: EvalContext;
  /** Problems evaluated (the failed ones for feedback contexts). */
  readonly problems: number;
  readonly correct: number;
  readonly accuracy: number;
  /** Problems whose prompt was cut to fit the context. */
  readonly promptTruncated: number;
  /** Problems whose context could not be built (a feedback call failed): counted as not correct. */
  readonly contextFailures: number;
  /** Problems whose prefill alone leaves no room in the model's context: not run, counted as not correct. */
  readonly overflow: number;
  readonly summary: EvaluationSummary;
  /** The request each row of `summary.results` was generated from (prompt with its context, prefill). */
  readonly requests: readonly GenerationRequest[];
}

export interface ContextEvalDeps {
  readonly policy: Policy;
  readonly problems: readonly Problem[];
  readonly accuracy: WeightedReward;
  readonly sampling: SamplingParams;
  readonly feedback: FeedbackClient;
  readonly templates: ContextTemplates;
  /** Other problems scored for relevance per problem (principles contexts). */
  readonly candidates?: number;
  readonly onProgress?: (context: EvalContext, done: number, total: number) => void;
}

/** Evaluate `contexts` side by side; `none` always runs first (its answers are the own attempts). */
export async function evaluateContexts(deps: ContextEvalDeps, contexts: readonly EvalContext[]): Promise<ContextResult[]> {
  const { policy, problems } = deps;
  const run = async (context: EvalContext, subset: readonly Problem[], request: (p: Problem, i: number) => GenerationRequest) => {
    const summary = await evaluatePolicy(policy, subset, {
      accuracy: deps.accuracy,
      samples: 1,
      sampling: { ...deps.sampling, greedy: true },
      request: (p, i) => request(p, i),
      onProgress: (done, total) => deps.onProgress?.(context, done, total),
    });
    return { summary, truncated: summary.promptTruncated };
  };
  const plain = await run('none', problems, (p) => ({ prompt: p.prompt }));
  const own = plain.summary.results.map((r) => r.completions[0] ?? '');
  const failed = problems.filter((_, i) => !plain.summary.results[i]?.correct[0]);
  const results: ContextResult[] = [];
  const record = (
    context: EvalContext,
    out: { summary: EvaluationSummary; truncated: number },
    requests: readonly GenerationRequest[],
    failures = 0,
    overflow = 0,
  ) => {
    const correct = out.summary.results.filter((r) => r.correct[0]).length;
    const n = out.summary.problems + overflow;
    results.push({
      context,
      problems: n,
      correct,
      accuracy: n ? correct / n : 0,
      promptTruncated: out.truncated,
      contextFailures: failures,
      overflow,
      summary: out.summary,
      requests,
    });
  };
  const indexOf = new Map(problems.map((p, i) => [p.id, i]));
  const ownOf = (p: Problem) => own[indexOf.get(p.id) ?? -1] ?? '';
  for (const context of contexts) {
    if (context === 'none') {
      record(
        'none',
        plain,
        problems.map((p) => ({ prompt: p.prompt })),
      );
      continue;
    }
    const subset = ON_FAILED.has(context) ? failed : problems;
    const built = await buildContexts(context, subset, problems, ownOf, deps);
    // A prefill must leave room for BOS, one prompt token and one new token.
    const room = (r: GenerationRequest) => policy.tokenizer.encode(r.prefill ?? '').length + 3 <= policy.maxContext;
    const fit = subset.flatMap((p, i) => {
      const r = built.requests[i] ?? { prompt: p.prompt };
      return room(r) ? [{ p, r }] : [];
    });
    const out = await run(
      context,
      fit.map((f) => f.p),
      (_, i) => (fit[i] as { r: GenerationRequest }).r,
    );
    record(
      context,
      out,
      fit.map((f) => f.r),
      built.failures,
      subset.length - fit.length,
    );
  }
  return results;
}

interface Built {
  readonly requests: GenerationRequest[];
  readonly failures: number;
}

async function feedbackText(
  deps: ContextEvalDeps,
  problem: Problem,
  kind: FeedbackKind,
  provider: string | undefined,
  parts: Parameters<typeof feedbackRequest>[2],
) {
  // A named entry (`critique`, `critique-compact`) when configured, else the first that answers the kind.
  const named = provider !== undefined && deps.feedback.supports(kind, provider);
  const res = await deps.feedback.request(feedbackRequest(problem, kind, parts), named ? { provider } : {});
  return res.ok ? res.feedback : undefined;
}

/** The generation request of every problem of `subset` under `context`. */
async function buildContexts(
  context: EvalContext,
  subset: readonly Problem[],
  all: readonly Problem[],
  ownOf: (p: Problem) => string,
  deps: ContextEvalDeps,
): Promise<Built> {
  const t = deps.templates;
  let failures = 0;
  const requests: GenerationRequest[] = [];
  for (const p of subset) {
    const next = all[(all.indexOf(p) + 1) % all.length] as Problem;
    switch (context) {
      case 'attempt':
        requests.push({ prompt: contextPrompt(p.prompt, { attempts: [ownOf(p)] }, t) });
        break;
      case 'attempt-other':
        requests.push({ prompt: contextPrompt(p.prompt, { attempts: [ownOf(next)] }, t) });
        break;
      case 'attempt-correct':
        requests.push({ prompt: contextPrompt(p.prompt, { attempts: [p.solution ?? ''] }, t) });
        break;
      case 'prefill-line':
        requests.push({ prompt: p.prompt, prefill: `${(p.solution ?? '').split('\n')[0] ?? ''}\n` });
        break;
      case 'turn':
        requests.push(turnPrompt(p.prompt, undefined, t));
        break;
      case 'feedback':
      case 'feedback-compact':
      case 'turn-feedback': {
        const provider = context === 'feedback-compact' ? 'critique-compact' : 'critique';
        const fb = await feedbackText(deps, p, 'critique', provider, { attempts: [{ text: ownOf(p) }] });
        if (fb === undefined) failures++;
        const text = fb?.text ?? '';
        requests.push(
          context === 'turn-feedback'
            ? turnPrompt(p.prompt, text, t)
            : { prompt: contextPrompt(p.prompt, { feedback: text }, t) },
        );
        break;
      }
      case 'principles':
      case 'principles-irrelevant': {
        const text = await principles(p, all, ownOf, deps, context === 'principles');
        if (text === undefined) failures++;
        requests.push({ prompt: contextPrompt(p.prompt, text ? { principles: text } : {}, t) });
        break;
      }
      case 'none':
        requests.push({ prompt: p.prompt });
    }
  }
  return { requests, failures };
}

/** An abstraction of the own attempts at the two candidates scored most (or least) relevant. */
async function principles(
  p: Problem,
  all: readonly Problem[],
  ownOf: (p: Problem) => string,
  deps: ContextEvalDeps,
  relevant: boolean,
): Promise<string | undefined> {
  const at = all.indexOf(p);
  const n = Math.min(deps.candidates ?? 8, all.length - 1);
  const scored: { q: Problem; score: number }[] = [];
  for (let k = 1; k <= n; k++) {
    const q = all[(at + k) % all.length] as Problem;
    const fb = await feedbackText(deps, p, 'relevance', undefined, { references: [{ question: q.question, text: ownOf(q) }] });
    if (fb?.score !== undefined) scored.push({ q, score: fb.score });
  }
  if (scored.length < 2) return undefined;
  scored.sort((a, b) => (relevant ? b.score - a.score : a.score - b.score));
  const refs = scored.slice(0, 2).map(({ q }) => ({ question: q.question, text: ownOf(q) }));
  return (await feedbackText(deps, p, 'abstraction', undefined, { references: refs }))?.text;
}
