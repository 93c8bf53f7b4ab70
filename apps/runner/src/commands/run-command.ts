import { dirname, join, resolve } from 'node:path';
import {
  applyOverrides,
  type ComposedExperiment,
  ConfigError,
  composeContainer,
  createTrainer,
  latestCheckpoint,
  loadConfigFile,
  type MetricsRecord,
  type MetricsSink,
  parseConfigText,
  parseOverride,
  RunDirectory,
  type TrainSummary,
  writeFileAtomic,
} from '@trellis/core';
import { stringify } from 'yaml';
import { BUILTIN_PLUGINS } from '../builtins';
import { invocation } from '../invocation';
import { formatDuration, pct } from '../progress/format';
import { TrainingProgressSink } from '../progress/training-progress-sink';
import { type ConfigChange, defaultRunDir, type RunSource, readRunSource, runDirUndo, writeRunSource } from '../run-paths';
import { setupBackend } from './backend';
import { checkResumable, checkResumableSets, configChanges, describeChanges } from './resume-changes';

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

/** What a resumed run changes: recorded when training really starts. */
interface ResumePlan {
  readonly changes: readonly ConfigChange[];
  readonly configText: string;
}

interface Prepared {
  readonly exp: ComposedExperiment;
  readonly run: RunDirectory;
  readonly resume?: ResumePlan;
}

/**
 * Compose a resumed run: the saved config.yaml, then the same with this command's `--set`s. What
 * the overrides change must be on the resumable list (else exit 2, before anything is written),
 * and `trainer.steps` may not fall below the steps already trained.
 */
async function prepareResume(dir: string, sets: readonly string[]): Promise<Prepared> {
  const run = RunDirectory.open(dir);
  try {
    const source = readRunSource(dir);
    const file = join(run.dir, 'config.yaml');
    const saved = withoutCheckpointShape(parseConfigText(run.configText(), file));
    // Relative plugin paths resolve against the original config's directory; relative option paths
    // (only in runs saved before the resolved config held them absolute) against the original cwd.
    const compose = (data: Record<string, unknown>, overrides: readonly string[]) =>
      composeContainer(
        { data, file, overrides, baseDirOf: () => source?.cwd },
        { builtins: BUILTIN_PLUGINS, baseDir: source?.configDir ?? process.cwd() },
      );
    const before = await compose(saved, []);
    checkResumableSets(sets, before.config);
    const exp = sets.length ? await compose(applyOverrides(saved, sets.map(parseOverride)), sets) : before;
    const changes = configChanges(before.config, exp.config);
    checkResumable(changes, sets);
    const checkpoint = latestCheckpoint(run);
    const done = checkpoint?.state.step ?? 0;
    const steps = exp.config.trainer.steps;
    if (steps < done) {
      const hit = sets.find((s) => parseOverride(s).path.join('.') === 'trainer.steps');
      throw new ConfigError(
        `trainer.steps: ${steps} is below the ${done} steps this run has already trained (${checkpoint?.dir}); give trainer.steps >= ${done}`,
        hit ? `--set ${hit}` : '--resume',
      );
    }
    return { exp, run, ...(changes.length ? { resume: { changes, configText: stringify(exp.config) } } : {}) };
  } catch (e) {
    run.releaseLock();
    throw e;
  }
}

/**
 * Records a resume's config changes once training has really started: the first record the
 * trainer emits comes after it cut `metrics.jsonl` back to the checkpoint (the `resumed from`
 * event, or the first record of a run that had no checkpoint yet), so the change event written
 * right after it is kept, and counted in the next checkpoint's log offsets. `config.yaml` is
 * rewritten (atomically) and `source.json` (`resumes`) gets the change at the same moment: the
 * record that outlives a later resume cutting `metrics.jsonl` back past this event.
 */
class ResumeChangesSink implements MetricsSink {
  readonly id = 'resume-changes';
  private pending: ResumePlan | undefined;

  constructor(
    private readonly run: RunDirectory,
    plan: ResumePlan,
  ) {
    this.pending = plan;
  }

  async write(record: MetricsRecord): Promise<void> {
    const plan = this.pending;
    if (!plan) return;
    this.pending = undefined;
    await writeFileAtomic(join(this.run.dir, 'config.yaml'), plan.configText);
    // A run saved without source.json keeps resolving against the working directory: none is made up.
    const source = readRunSource(this.run.dir);
    if (source) {
      const entry = { time: new Date().toISOString(), step: record.step, cwd: process.cwd(), argv: process.argv.slice(2) };
      await writeRunSource(this.run.dir, {
        ...source,
        resumes: [...(source.resumes ?? []), { ...entry, changes: plan.changes }],
      });
    }
    this.run.appendMetrics({
      kind: 'event',
      step: record.step,
      time: Date.now(),
      values: {},
      message: `config changed on resume: ${describeChanges(plan.changes)}`,
      changes: plan.changes,
    });
  }
}

/** A run directory this command is creating, and how to undo that if set-up fails. */
interface Creating {
  dir: string;
  undo: () => void;
}

/**
 * Compose a new run and create its directory (config.yaml, source.json, checkpoints/). `creating`
 * is filled in once the directory is made, so a failure from then on can remove it again.
 */
async function prepareNew(
  file: string,
  sets: readonly string[],
  out: string | undefined,
  creating: { current?: Creating },
): Promise<Prepared> {
  const raw = await loadConfigFile(file, sets);
  const exp = await composeContainer(raw, { builtins: BUILTIN_PLUGINS });
  const dir = out ?? defaultRunDir(exp.config.name);
  // Undoing touches only what this creation makes. A refusal (a directory that is not empty, a
  // run another process holds) undoes nothing: what is there belongs to someone else.
  const undo = runDirUndo(dir);
  let run: RunDirectory;
  try {
    run = await RunDirectory.create(dir, stringify(exp.config));
  } catch (e) {
    if ((e as { exitCode?: unknown })?.exitCode !== 2) undo();
    throw e;
  }
  creating.current = {
    dir: run.dir,
    undo: () => {
      run.releaseLock();
      undo();
    },
  };
  const source: RunSource = {
    configFile: resolve(file),
    configDir: dirname(resolve(file)),
    cwd: process.cwd(),
    argv: process.argv.slice(2),
    createdAt: new Date().toISOString(),
  };
  await writeRunSource(run.dir, source);
  return { exp, run };
}

const SIGNAL_EXIT: Readonly<Record<'SIGINT' | 'SIGTERM', number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * `trellis run`: RL training with live progress, periodic eval, checkpoints and a summary line.
 *
 * - A new run's directory is created only after the config composed; a failure while setting up
 *   (a task file that cannot be loaded, a policy checkpoint that fails to load, a plugin whose
 *   service throws) removes what this command created, so the same `--out` can be used again.
 * - `--resume` may change only the keys of `RESUMABLE_KEYS` (resume-changes.ts); changes are
 *   written to config.yaml and source.json and logged as an event when training starts.
 * - SIGINT and SIGTERM print how to resume (exit 130 / 143), with the command prefix the user
 *   started this with (`pnpm trellis`, `trellis`, ...; see `invocation`); during set-up of a new
 *   run they also remove its directory.
 * - The run directory defaults to `runs/<name>-<timestamp>`; a `--set` that swaps a slot's plugin
 *   has already renamed the config (`arithmetic-grpo+advantage=rloo`, see core's `armName`).
 */
export async function runTraining(file: string | undefined, opts: RunOptions, log: (s: string) => void): Promise<TrainSummary> {
  if (opts.resume && file) {
    throw new ConfigError(
      `give either a config file or --resume, not both (got '${file}' and --resume ${opts.resume}): a resumed run uses the config saved in its directory; change it with --set`,
    );
  }
  if (opts.resume && opts.out) {
    throw new ConfigError(`--out cannot be used with --resume: a resumed run stays in its directory (${opts.resume})`);
  }
  if (!opts.resume && !file) throw new ConfigError('a config file is required unless --resume is given');
  const sets = opts.backend ? [...opts.set, `policy.options.backend=${opts.backend}`] : opts.set;

  const creating: { current?: Creating } = {};
  let current: RunDirectory | undefined;
  let progress: TrainingProgressSink | undefined;
  let training = false;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    current?.releaseLock();
    if (!training && creating.current) {
      creating.current.undo();
      process.stderr.write(`\n${signal}: stopped while setting up; removed ${creating.current.dir}\n`);
    } else if (current || opts.resume) {
      const dir = current?.dir ?? resolve(opts.resume as string);
      process.stderr.write(
        `\n${signal === 'SIGINT' ? 'interrupted' : 'terminated'}; continue with: ${invocation()} run --resume ${dir}\n`,
      );
    } else {
      process.stderr.write(`\n${signal}: stopped\n`);
    }
    process.exit(SIGNAL_EXIT[signal]);
  };
  const onSigint = () => onSignal('SIGINT');
  const onSigterm = () => onSignal('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  try {
    let prepared: Prepared;
    let trainer: Awaited<ReturnType<typeof createTrainer>>;
    try {
      prepared = opts.resume
        ? await prepareResume(opts.resume, sets)
        : await prepareNew(file as string, sets, opts.out, creating);
      const { exp, run } = prepared;
      current = run;
      const backend = await setupBackend(exp);
      const changed = prepared.resume ? ` with ${describeChanges(prepared.resume.changes)}` : '';
      log(`${opts.resume ? 'resuming' : 'starting'} run '${exp.config.name}' in ${run.dir} (backend ${backend})${changed}`);
      const sinks: MetricsSink[] = [];
      if (prepared.resume) sinks.push(new ResumeChangesSink(run, prepared.resume));
      if (!opts.quiet) {
        progress = new TrainingProgressSink(exp.config.trainer.steps, exp.config.trainer.accuracyReward, { runDir: run.dir });
        sinks.push(progress);
      }
      trainer = await createTrainer(exp.container, { run, sinks });
    } catch (e) {
      current?.releaseLock();
      creating.current?.undo();
      throw e;
    }
    training = true;
    const { run } = prepared;
    // Resume notices (checkpoints skipped, a stale lock taken over) are also events, which the
    // progress display prints; a quiet run prints them on their own.
    const onNotice = opts.quiet ? (m: string) => process.stderr.write(`notice: ${m}\n`) : () => {};
    const summary = await trainer.train({ resume: Boolean(opts.resume), onNotice });
    progress?.end();
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
    progress?.end();
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigterm);
  }
}
