import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  applyOverrides,
  ConfigError,
  composeContainer,
  evaluatePolicy,
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
  // The evaluated checkpoint defines the model shape and tokenizer; the config's own would contradict it.
  const { model: _model, tokenizer: _tokenizer, ...policyOptions } = policy.options ?? {};
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
  const res = await evaluatePolicy(await exp.container.getAsync(Tokens.Policy), problems, {
    accuracy: await accuracyReward(exp),
    samples: opts.samples,
    sampling: {
      temperature: opts.temperature,
      greedy,
      maxNewTokens: opts.maxNewTokens ?? exp.config.trainer.sampling.maxNewTokens,
      stop: exp.config.trainer.sampling.stop,
      seed: opts.seed,
    },
    onProgress: (done, total) => line.update(`evaluated ${done}/${total}`),
  });
  line.done();
  if (out) {
    makeDirs(dirname(out));
    writeFileSync(out, res.results.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }
  const passK = Object.entries(res.passAtK)
    .map(([k, v]) => `pass@${k} ${pct(v)}`)
    .join(', ');
  log(
    `pass@1 ${pct(res.passAt1)} (mean over ${res.samples}) | ${passK} | maj@${res.samples} ${pct(res.majAtK)} | ${res.problems} problems`,
  );
  if (opts.out) log(`per-problem results: ${opts.out}`);
  if (res.promptTruncated) log(`${res.promptTruncated} prompt(s) were cut from the left to fit the model's context`);
  return res;
}
