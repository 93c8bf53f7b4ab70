import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  applyOverrides,
  type ComposedExperiment,
  composeContainer,
  createTrainer,
  loadConfigFile,
  parseConfigText,
  parseOverride,
  RunDirectory,
  type TrainSummary,
} from '@trellis/core';
import { stringify } from 'yaml';
import { BUILTIN_PLUGINS } from '../builtins';
import { formatDuration, pct } from '../progress/format';
import { TrainingProgressSink } from '../progress/training-progress-sink';
import { defaultRunDir, type RunSource, readRunSource } from '../run-paths';
import { setupBackend } from './backend';

export interface RunOptions {
  readonly set: string[];
  readonly out?: string;
  readonly resume?: string;
  readonly backend?: string;
  readonly quiet?: boolean;
}

/**
 * A saved config's policy options without `model` and `tokenizer` when they come from a
 * checkpoint: they are re-read from it, and runs saved before the config showed the checkpoint's
 * shape hold schema defaults there that would now be refused as contradictions.
 */
function withoutCheckpointShape(data: Record<string, unknown>): Record<string, unknown> {
  const policy = data.policy as { options?: Record<string, unknown> } | undefined;
  if (!policy?.options?.checkpoint) return data;
  const { model: _model, tokenizer: _tokenizer, ...options } = policy.options;
  return { ...data, policy: { ...policy, options } };
}

async function compose(file: string | undefined, opts: RunOptions): Promise<{ exp: ComposedExperiment; run: RunDirectory }> {
  const sets = opts.backend ? [...opts.set, `policy.options.backend=${opts.backend}`] : opts.set;
  if (opts.resume) {
    const run = RunDirectory.open(opts.resume);
    const source = readRunSource(opts.resume);
    const data = applyOverrides(
      withoutCheckpointShape(parseConfigText(run.configText(), join(run.dir, 'config.yaml'))),
      sets.map(parseOverride),
    );
    const exp = await composeContainer(
      { data, file: join(run.dir, 'config.yaml'), overrides: sets },
      { builtins: BUILTIN_PLUGINS, baseDir: source?.configDir ?? process.cwd() },
    );
    return { exp, run };
  }
  if (!file) throw new Error('a config file is required unless --resume is given');
  const raw = await loadConfigFile(file, sets);
  const exp = await composeContainer(raw, { builtins: BUILTIN_PLUGINS });
  const run = await RunDirectory.create(opts.out ?? defaultRunDir(exp.config.name), stringify(exp.config));
  const source: RunSource = {
    configFile: resolve(file),
    configDir: dirname(resolve(file)),
    cwd: process.cwd(),
    argv: process.argv.slice(2),
    createdAt: new Date().toISOString(),
  };
  writeFileSync(join(run.dir, 'source.json'), `${JSON.stringify(source, null, 2)}\n`);
  return { exp, run };
}

/** `trellis run`: RL training with live progress, periodic eval, checkpoints and a summary line. */
export async function runTraining(file: string | undefined, opts: RunOptions, log: (s: string) => void): Promise<TrainSummary> {
  const { exp, run } = await compose(file, opts);
  const backend = await setupBackend(exp);
  log(`${opts.resume ? 'resuming' : 'starting'} run '${exp.config.name}' in ${run.dir} (backend ${backend})`);
  const sinks = opts.quiet ? [] : [new TrainingProgressSink(exp.config.trainer.steps, exp.config.trainer.accuracyReward)];
  const trainer = await createTrainer(exp.container, { run, sinks });
  const onSigint = () => {
    process.stderr.write(`\ninterrupted; continue with: trellis run --resume ${run.dir}\n`);
    process.exit(130);
  };
  process.once('SIGINT', onSigint);
  try {
    const summary = await trainer.train({ resume: Boolean(opts.resume) });
    const a = summary.initialAccuracy;
    const b = summary.finalAccuracy;
    const delta = a !== undefined && b !== undefined ? ` (${b >= a ? '+' : ''}${(100 * (b - a)).toFixed(1)})` : '';
    log(`held-out accuracy ${pct(a)} -> ${pct(b)}${delta} in ${formatDuration(summary.wallTimeMs)}`);
    log(
      `throughput: ${summary.generatedTokensPerSec.toFixed(0)} generated tokens/s, ${summary.trainedTokensPerSec.toFixed(0)} trained tokens/s`,
    );
    log(`run directory: ${run.dir}`);
    return summary;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
