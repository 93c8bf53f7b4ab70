import { type ComposedExperiment, ConfigError, evaluatePolicy, supervisedPretrain, Tokens } from '@trellis/core';
import { composeFromFile } from '../experiment';
import { checkOutPath } from '../out-path';
import { bar, compact, formatDuration, pct } from '../progress/format';
import { ProgressLine } from '../progress/progress-line';
import { accuracyReward } from './accuracy-reward';
import { setupBackend } from './backend';

export interface PretrainOptions {
  readonly set: string[];
  readonly out?: string;
  readonly backend?: string;
  /** Also keep a copy of the checkpoint at every evaluation, in `<out>-step-<N>`. */
  readonly keepEvals?: boolean;
}

/** Greedy held-out accuracy of the current policy. */
async function heldOut(exp: ComposedExperiment, n: number): Promise<number> {
  const policy = await exp.container.getAsync(Tokens.Policy);
  const task = await exp.container.getAsync(Tokens.TaskSource);
  const res = await evaluatePolicy(policy, task.list('test', n), {
    accuracy: await accuracyReward(exp),
    samples: 1,
    sampling: {
      temperature: 1,
      greedy: true,
      maxNewTokens: exp.config.trainer.sampling.maxNewTokens,
      stop: exp.config.trainer.sampling.stop,
    },
  });
  return res.passAt1;
}

/**
 * `trellis pretrain`: supervised training of the policy on the task's reference solutions, with
 * progress, periodic held-out evaluation and an atomic checkpoint at each evaluation.
 */
export async function runPretrain(
  file: string,
  opts: PretrainOptions,
  log: (s: string) => void,
): Promise<{ accuracy: number; out: string }> {
  const sets = opts.backend ? [...opts.set, `policy.options.backend=${opts.backend}`] : opts.set;
  const exp = await composeFromFile(file, sets);
  const cfg = exp.config.pretrain;
  // Refuse an unwritable checkpoint directory before training, not at the first evaluation.
  const out = checkOutPath(opts.out ?? cfg.out, { kind: 'dir', flag: opts.out !== undefined ? '--out' : 'pretrain.out' });
  const backend = await setupBackend(exp);
  const policy = await exp.container.getAsync(Tokens.Policy);
  const task = await exp.container.getAsync(Tokens.TaskSource);
  await accuracyReward(exp);
  for (const split of ['train', 'test'] as const) {
    if (task.size(split) === 0) {
      throw new ConfigError(
        `task: '${exp.config.task?.use}' has no '${split}' problems; pretraining ${split === 'train' ? 'trains on the train split' : 'evaluates pretrain.evalProblems test problems'} (a jsonl task: set options.split)`,
      );
    }
  }
  log(`pretraining '${exp.config.name}' for ${cfg.steps} steps (batch ${cfg.batchSize}, backend ${backend}) -> ${out}`);
  const line = new ProgressLine(process.stderr, 2000);
  const started = Date.now();
  let accuracy = Number.NaN;
  let tokens = 0;
  let overflow = 0;
  await supervisedPretrain(policy, task, cfg, exp.container.get(Tokens.Rng).split('pretrain'), {
    onStep: (s) => {
      tokens += s.tokens;
      overflow += s.overflow;
      const elapsed = Date.now() - started;
      line.update(
        `step ${s.step}/${cfg.steps} ${bar(s.step, cfg.steps)} | loss ${compact(s.loss)} | lr ${s.lr.toExponential(1)} | ` +
          `${compact(tokens / (elapsed / 1000))} tok/s | ETA ${formatDuration((elapsed / s.step) * (cfg.steps - s.step))}` +
          (overflow ? ` | ${overflow} example${overflow === 1 ? '' : 's'} too long for the context, dropped` : ''),
        s.step === cfg.steps,
      );
    },
    onEval: async (step) => {
      accuracy = await heldOut(exp, cfg.evalProblems);
      await policy.save(out);
      if (opts.keepEvals) await policy.save(`${out}-step-${step}`);
      line.log(
        `eval @ step ${step}: held-out accuracy ${pct(accuracy)}; saved ${out}${opts.keepEvals ? ` and ${out}-step-${step}` : ''}`,
      );
    },
  });
  line.done();
  log(`pretrained in ${formatDuration(Date.now() - started)}: held-out accuracy ${pct(accuracy)}; checkpoint ${out}`);
  return { accuracy, out };
}
