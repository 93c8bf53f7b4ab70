import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  applyOverrides,
  type ComposedExperiment,
  ConfigError,
  composeContainer,
  type Evaluator,
  evaluatePolicy,
  isEvaluatorSource,
  loadConfigFile,
  parseOverride,
  Tokens,
} from '@trellis/core';
import { BUILTIN_PLUGINS } from '../builtins';
import { resolveCheckpointArg } from '../checkpoint-arg';
import type { EvalContext } from '../eval/eval-contexts';
import { composeFromObject } from '../experiment';
import { checkOutPath, makeDirs } from '../out-path';
import { pct } from '../progress/format';
import { ProgressLine } from '../progress/progress-line';
import { accuracyReward } from './accuracy-reward';
import { setupBackend } from './backend';
import { runContextEval } from './context-eval';

export interface EvalOptions {
  readonly config?: string;
  readonly task?: string;
  readonly split: 'train' | 'test';
  readonly samples: number;
  readonly greedy?: boolean;
  readonly temperature: number;
  readonly maxNewTokens?: number;
  readonly limit?: number;
  readonly out?: string;
  readonly backend?: string;
  readonly seed: number;
  readonly set: string[];
  /** Measure greedy accuracy under each of these contexts (see EVAL_CONTEXTS) instead of pass@k. */
  readonly context?: EvalContext[];
}

/**
 * The evaluator the run's rollout strategy supplies (LANPO: feedback-augmented answers from its
 * experience pool), with the strategy state of the evaluated training checkpoint restored (its
 * `trainer-state.json` beside `policy/`); undefined when the config names no rollout strategy or
 * the strategy brings none (plain evaluation).
 */
async function strategyEvaluator(exp: ComposedExperiment, policyDir: string): Promise<Evaluator | undefined> {
  if (!exp.config.rollout) return undefined;
  const strategy = await exp.container.getAsync(Tokens.RolloutStrategy);
  if (!isEvaluatorSource(strategy)) return undefined;
  const statePath = join(dirname(policyDir), 'trainer-state.json');
  if (existsSync(statePath)) {
    const state = (JSON.parse(readFileSync(statePath, 'utf8')) as { strategy?: unknown }).strategy;
    if (state !== undefined) strategy.restore?.(state);
  }
  return strategy.evaluator();
}

/** Feedback entries an eval with feedback contexts adds when the config names none. */
const DEFAULT_CONTEXT_FEEDBACK = [
  { use: 'math-verifier', name: 'critique' },
  { use: 'math-verifier', name: 'critique-compact', options: { format: 'compact' } },
];

/**
 * `trellis eval`: pass@1 (mean over k samples), unbiased pass@k and maj@k of a checkpoint on a
 * task, with per-problem results written as JSONL.
 */
export async function runEval(checkpoint: string, opts: EvalOptions, log: (s: string) => void) {
  // Refuse an unwritable --out before evaluating, not after (the results would be lost).
  const out = opts.out !== undefined ? checkOutPath(opts.out, { kind: 'file' }) : undefined;
  const found = resolveCheckpointArg(checkpoint);
  if (found.note) log(found.note);
  // A config's relative option paths resolve against the file that wrote them (through `extends`).
  const raw = opts.config ? await loadConfigFile(opts.config) : undefined;
  const base: Record<string, unknown> = raw?.data ?? {
    task: { use: 'arithmetic' },
    rewards: [{ use: 'math-accuracy' }],
    policy: { use: 'transformer' },
  };
  const policy = (base.policy as { use?: string; options?: Record<string, unknown> } | undefined) ?? { use: 'transformer' };
  // The evaluated checkpoint defines the model shape and tokenizer; the config's own would
  // contradict it (and `policy: hf`'s random-weights source would be a second model).
  const { model: _model, tokenizer: _tokenizer, random: _random, ...policyOptions } = policy.options ?? {};
  const needsFeedback = (opts.context ?? []).some((c) => /feedback|principles/.test(c));
  const data = {
    ...base,
    ...(needsFeedback && !(Array.isArray(base.feedback) && base.feedback.length) ? { feedback: DEFAULT_CONTEXT_FEEDBACK } : {}),
    policy: { ...policy, options: { ...policyOptions, checkpoint: found.dir } },
    ...(opts.task ? { task: { use: opts.task } } : {}),
  };
  const sets = opts.backend ? [...opts.set, `policy.options.backend=${opts.backend}`] : opts.set;
  const exp = raw
    ? await composeContainer(
        { ...raw, data: applyOverrides(data, sets.map(parseOverride)), overrides: sets },
        { builtins: BUILTIN_PLUGINS, baseDir: dirname(resolve(raw.file as string)) },
      )
    : await composeFromObject(data, sets);
  const backend = await setupBackend(exp);
  const task = await exp.container.getAsync(Tokens.TaskSource);
  const problems = task.list(opts.split, opts.limit ?? exp.config.trainer.evalProblems);
  if (problems.length === 0) {
    throw new ConfigError(
      `task '${exp.config.task?.use}' has no '${opts.split}' problems to evaluate${opts.split === 'test' ? ' (try --split train, or give the task a test split)' : ''}`,
      `--split ${opts.split}`,
    );
  }
  if (opts.context) return runContextEval(exp, checkpoint, problems, opts, out, log);
  const greedy = opts.greedy ?? opts.samples === 1;
  log(
    `evaluating ${checkpoint} on ${problems.length} ${opts.split} problems of '${exp.config.task?.use}', ${opts.samples} sample(s) each, ${greedy ? 'greedy' : `temperature ${opts.temperature}`} (backend ${backend})`,
  );
  const line = new ProgressLine(process.stderr, 2000);
  const policyInstance = await exp.container.getAsync(Tokens.Policy);
  const accuracy = await accuracyReward(exp);
  const sampling = {
    temperature: opts.temperature,
    greedy,
    maxNewTokens: opts.maxNewTokens ?? exp.config.trainer.sampling.maxNewTokens,
    stop: exp.config.trainer.sampling.stop,
    seed: opts.seed,
  };
  const onProgress = (done: number, total: number) => line.update(`evaluated ${done}/${total}`);
  const evaluator = await strategyEvaluator(exp, found.dir);
  const report = evaluator
    ? await evaluator.evaluate({
        policy: policyInstance,
        problems,
        accuracy,
        samples: opts.samples,
        sampling,
        feedback: await exp.container.getAsync(Tokens.FeedbackService),
        onProgress,
      })
    : undefined;
  const res =
    report?.summary ??
    (await evaluatePolicy(policyInstance, problems, { accuracy, samples: opts.samples, sampling, onProgress }));
  line.done();
  if (out) {
    makeDirs(dirname(out));
    const extra = Object.entries(report?.extra ?? {}).flatMap(([variant, summary]) =>
      summary.results.map((r) => `${JSON.stringify({ variant, ...r })}\n`),
    );
    writeFileSync(out, [...res.results.map((r) => `${JSON.stringify(r)}\n`), ...extra].join(''));
  }
  const passK = Object.entries(res.passAtK)
    .map(([k, v]) => `pass@${k} ${pct(v)}`)
    .join(', ');
  log(
    `pass@1 ${pct(res.passAt1)} (mean over ${res.samples}) | ${passK} | maj@${res.samples} ${pct(res.majAtK)} | ${res.problems} problems`,
  );
  // An evaluator's own numbers (e.g. LANPO's eval/accuracy_augmented), next to the zero-shot one.
  const more = Object.entries(report?.metrics ?? {}).filter(([k]) => k !== 'eval/problems');
  if (evaluator && more.length > 1) {
    const shown = more.map(([k, v]) => `${k} ${k.includes('accuracy') ? pct(v) : String(Number(v.toFixed(4)))}`);
    log(`evaluator ${evaluator.id}: ${shown.join(' | ')}`);
  }
  if (opts.out) log(`per-problem results: ${opts.out}`);
  if (res.promptTruncated) log(`${res.promptTruncated} prompt(s) were cut from the left to fit the model's context`);
  return res;
}
