import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type ComposedExperiment, contextTemplatesSchema, type EvaluationSummary, type Problem, Tokens } from '@trellis/core';
import { type ContextResult, type EvalContext, evaluateContexts } from '../eval/eval-contexts';
import { makeDirs } from '../out-path';
import { pct } from '../progress/format';
import { ProgressLine } from '../progress/progress-line';
import { accuracyReward } from './accuracy-reward';

/** The side-by-side table `trellis eval --context` prints. */
export function contextTable(results: readonly ContextResult[]): string {
  const plain = results.find((r) => r.context === 'none');
  const rows = results.map((r) => {
    const delta =
      plain && r.context !== 'none' && r.problems === plain.problems
        ? ` (${r.accuracy >= plain.accuracy ? '+' : ''}${(100 * (r.accuracy - plain.accuracy)).toFixed(1)})`
        : '';
    const of = plain && r.problems !== plain.problems ? ` of the ${r.problems} failed without context` : '';
    const notes = [
      r.promptTruncated ? `${r.promptTruncated} prompts cut to fit` : '',
      r.contextFailures ? `${r.contextFailures} contexts not built` : '',
      r.overflow ? `${r.overflow} prefills too long for the context (not run, counted wrong)` : '',
    ].filter(Boolean);
    return `| ${r.context} | ${r.correct}/${r.problems}${of} | ${pct(r.accuracy)}${delta} | ${notes.join('; ')} |`;
  });
  return ['| context | correct | accuracy | notes |', '|---|---|---|---|', ...rows].join('\n');
}

/** `trellis eval --context`: greedy accuracy under each context, printed as one table. */
export async function runContextEval(
  exp: ComposedExperiment,
  checkpoint: string,
  problems: readonly Problem[],
  opts: { readonly context?: readonly EvalContext[]; readonly maxNewTokens?: number; readonly seed: number },
  out: string | undefined,
  log: (s: string) => void,
): Promise<EvaluationSummary> {
  const contexts = opts.context ?? ['none'];
  const taskOptions = (exp.config.task?.options ?? {}) as { contextTemplates?: unknown };
  const templates = contextTemplatesSchema.parse(taskOptions.contextTemplates ?? {});
  const policy = await exp.container.getAsync(Tokens.Policy);
  const feedback = await exp.container.getAsync(Tokens.FeedbackService);
  log(
    `evaluating ${checkpoint} greedily on ${problems.length} problems under ${contexts.length} context(s): ${contexts.join(', ')}`,
  );
  const line = new ProgressLine(process.stderr, 2000);
  const results = await evaluateContexts(
    {
      policy,
      problems,
      accuracy: await accuracyReward(exp),
      sampling: {
        temperature: 1,
        greedy: true,
        maxNewTokens: opts.maxNewTokens ?? exp.config.trainer.sampling.maxNewTokens,
        stop: exp.config.trainer.sampling.stop,
        seed: opts.seed,
      },
      feedback,
      templates,
      onProgress: (context, done, total) => line.update(`${context}: evaluated ${done}/${total}`),
    },
    contexts,
  );
  line.done();
  if (out) {
    makeDirs(dirname(out));
    // Each row carries the prompt (context included, before any cut to fit) and prefill it was asked with, so a breakdown of
    // what a context changed can be computed from the file alone (bench/context/critique-breakdown.ts).
    const lines = results.flatMap((r) =>
      r.summary.results.map((p, i) => {
        const req = r.requests[i];
        return `${JSON.stringify({ context: r.context, ...p, prompt: req?.prompt, prefill: req?.prefill })}\n`;
      }),
    );
    writeFileSync(out, lines.join(''));
  }
  log(contextTable(results));
  if (out) log(`per-problem results: ${out}`);
  return (results[0] as ContextResult).summary;
}
