import { ConfigError } from '@trellis/core';
import { Command, InvalidArgumentError, Option } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { reportError } from './cli-error';
import { renderConfig } from './commands/config-command';
import { runEval } from './commands/eval-command';
import { renderPlugins } from './commands/plugins-command';
import { runPretrain } from './commands/pretrain-command';
import { runTraining } from './commands/run-command';
import { runServe, type ServeOptions } from './commands/serve-command';
import { runSweep, type SweepOptions } from './commands/sweep-command';
import type { WorkerOptions } from './commands/worker-command';
import { EVAL_CONTEXTS, type EvalContext } from './eval/eval-contexts';
import { composeFromFile, composeFromObject } from './experiment';
import { checkOutPath } from './out-path';
import { runReport } from './report/report-command';
import { runConfigOf } from './run-config-of';

const collect = (value: string, previous: string[]) => [...previous, value];

/** Thrown by a command that finished with a non-zero exit code it has already explained. */
export class CommandExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** `--context a,b` (or `all`): eval contexts, each named in EVAL_CONTEXTS. */
export function contextList(value: string): EvalContext[] {
  if (value.trim() === 'all') return [...EVAL_CONTEXTS];
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = items.filter((c) => !(EVAL_CONTEXTS as readonly string[]).includes(c));
  if (items.length === 0 || bad.length) {
    throw new InvalidArgumentError(
      `unknown context ${bad.map((b) => `'${b}'`).join(', ') || "''"}; allowed: ${EVAL_CONTEXTS.join(', ')}, all`,
    );
  }
  return [...new Set(items)] as EvalContext[];
}

/** A commander parser for an integer option in [min, max]. */
export const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
      throw new InvalidArgumentError(`expected ${range}, got '${value}'`);
    }
    return n;
  };

/** A commander parser for a finite number > 0. */
export const positiveNumber = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`expected a number > 0, got '${value}'`);
  }
  return n;
};

/**
 * Tensor backends of the `transformer` policy (`BACKEND_NAMES` of @trellis/policy-tfjs, repeated
 * here so that starting the CLI does not load TensorFlow.js; a test keeps the two equal).
 */
export const BACKENDS = ['auto', 'wasm', 'cpu', 'tensorflow', 'tensorflow-gpu', 'webgpu'] as const;

const backendOption = () =>
  new Option('--backend <name>', 'tensor backend (sets policy.options.backend)').choices(BACKENDS as unknown as string[]);

/** Build the `trellis` command tree. `exit` receives the exit code of a failed command. */
export function buildProgram(out: (s: string) => void = (s) => process.stdout.write(s)): Command {
  const program = new Command('trellis')
    .description('Trellis: reinforcement-learning post-training of language models, as composable plugins.')
    .version(pkg.version)
    .option('--debug', 'print the stack trace of any error')
    // Usage errors (unknown option, bad value, missing argument) reach runCli, which exits 2;
    // commands defined below inherit this.
    .exitOverride()
    .showHelpAfterError("(run 'trellis --help' for usage)");

  program
    .command('plugins')
    .description('List every loaded plugin with its version and the ids it provides per slot.')
    .option('-c, --config <file>', 'also load the plugins named in this experiment file')
    .option('--set <key=value>', 'override a config value (repeatable)', collect, [])
    .option('--json', 'print JSON')
    .action(async (opts: { config?: string; set: string[]; json?: boolean }) => {
      const exp = opts.config ? await composeFromFile(opts.config, opts.set) : await composeFromObject({}, opts.set);
      out(`${renderPlugins(exp, opts.json)}\n`);
    });

  program
    .command('config')
    .description('Validate an experiment file and print the resolved config (defaults filled in).')
    .argument('<file>', 'experiment file (YAML or JSON)')
    .option('--set <key=value>', 'override a config value, e.g. --set trainer.steps=10 (repeatable)', collect, [])
    .option('--json', 'print JSON instead of YAML')
    .action(async (file: string, opts: { set: string[]; json?: boolean }) => {
      const exp = await composeFromFile(file, opts.set);
      out(renderConfig(exp.config, opts.json));
    });

  const log = (s: string) => process.stderr.write(`${s}\n`);

  program
    .command('pretrain')
    .description("Supervised training of the base policy on the task's reference solutions (pretrain: section).")
    .argument('<config>', 'experiment file (YAML or JSON)')
    .option('--set <key=value>', 'override a config value (repeatable)', collect, [])
    .option('-o, --out <dir>', 'checkpoint directory (default: pretrain.out)')
    .addOption(backendOption())
    .option('--keep-evals', 'also keep the checkpoint of every evaluation in <out>-step-<N>')
    .action(async (file: string, opts: { set: string[]; out?: string; backend?: string; keepEvals?: boolean }) => {
      await runPretrain(file, opts, log);
    });

  program
    .command('run')
    .description('RL training: live progress, periodic held-out eval, checkpoints, a run directory and a summary.')
    .argument('[config]', 'experiment file (YAML or JSON); omit with --resume')
    .option('--set <key=value>', 'override a config value (repeatable)', collect, [])
    .option('-o, --out <dir>', 'run directory (default: runs/<name>-<timestamp>); must not exist or be empty')
    .option('--resume <runDir>', 'continue a run from its latest checkpoint')
    .addOption(backendOption())
    .option('-q, --quiet', 'no progress display')
    .action(
      async (
        file: string | undefined,
        opts: { set: string[]; out?: string; resume?: string; backend?: string; quiet?: boolean },
      ) => {
        if (!file && !opts.resume) {
          throw new ConfigError(
            'a config file is required (trellis run exp.yaml), unless you continue a run with --resume <runDir>',
          );
        }
        // Before anything is composed or created: a bad --out fails at once (and never hangs).
        if (opts.out !== undefined && !opts.resume) checkOutPath(opts.out, { kind: 'dir' });
        await runTraining(file, opts, log);
      },
    );

  program
    .command('eval')
    .description('Evaluate a checkpoint: pass@1 (mean over k samples), unbiased pass@k, maj@k; per-problem JSONL.')
    .argument('<checkpoint>', 'policy checkpoint directory, or a run directory (its latest checkpoint)')
    .option(
      '-c, --config <file>',
      "experiment file supplying policy, task and rewards (default: for a run or one of its checkpoints the run's config.yaml, else arithmetic + math-accuracy)",
    )
    .option('--task <id>', 'task id to evaluate on (overrides the config task)')
    .addOption(new Option('--split <split>', 'which split to evaluate').choices(['train', 'test']).default('test'))
    .option('-k, --samples <k>', 'samples per problem (>= 1)', integer(1), 1)
    .option('--greedy', 'greedy decoding (default when --samples is 1)')
    .option('--temperature <t>', 'sampling temperature when not greedy (> 0)', positiveNumber, 1)
    .option('--max-new-tokens <n>', 'completion length cap (default: trainer.sampling.maxNewTokens)', integer(1))
    .option(
      '--limit <n>',
      "number of problems, >= 1 (default: the config's trainer.evalProblems, so a run is evaluated on its own held-out set)",
      integer(1),
    )
    .option('--seed <n>', 'sampling seed', integer(0), 0)
    .option('-o, --out <file>', 'write per-problem results as JSONL (checked before evaluating)')
    .option(
      '--context <list>',
      `greedy accuracy under each context, side by side: comma-separated from ${EVAL_CONTEXTS.join(', ')}, or all`,
      contextList,
    )
    .option('--set <key=value>', 'override a config value (repeatable)', collect, [])
    .addOption(backendOption())
    .action(async (checkpoint: string, opts: Parameters<typeof runEval>[1]) => {
      // A run is evaluated like its own held-out evaluations (task, rewards, trainer.evalProblems),
      // so `trellis eval <runDir>` and the run's `held-out accuracy` line measure the same thing.
      const config = opts.config ?? runConfigOf(checkpoint);
      if (config !== undefined && opts.config === undefined) log(`using the run's config ${config} (--config to use another)`);
      await runEval(checkpoint, config === undefined ? opts : { ...opts, config }, log);
    });

  program
    .command('serve')
    .description(
      'Serve a checkpoint over an OpenAI-compatible HTTP API (/v1/models, /v1/completions, /v1/chat/completions); prints "listening on <url>".',
    )
    .argument('<checkpoint>', 'policy checkpoint directory')
    .option('--host <host>', 'interface to bind; 0.0.0.0 or :: expose the server to the network', '127.0.0.1')
    .option('--port <port>', 'TCP port; 0 picks a free one (the URL line on stdout says which)', integer(0, 65535), 8000)
    .option('--model-id <id>', "model name clients must send as 'model' (default: the checkpoint directory's name)")
    .option('--max-queue <rows>', 'most generation rows (choices) waiting or generating; more get 429', integer(1), 256)
    .option('--body-limit <bytes>', 'largest request body in bytes; larger get 413', integer(1), 1024 * 1024)
    .option('--max-batch <rows>', 'most rows merged into one generate call', integer(1), 64)
    .option(
      '--batch-wait-ms <ms>',
      'gathering window: before a batch, wait until no request arrived for this long (at most 4x; at once when full)',
      integer(0, 60_000),
      10,
    )
    .option('--max-tokens <n>', 'completion cap when a request sets no max_tokens (clamped to the context left)', integer(1), 256)
    .option('--chat-template <file>', 'chat template file (YAML/JSON: prefix, system, user, assistant, generation, stop)')
    .addOption(backendOption())
    .option('-q, --quiet', 'no per-request log lines on stderr')
    .action(async (checkpoint: string, opts: ServeOptions) => {
      await runServe(checkpoint, opts, out, log);
    });

  program
    .command('sweep')
    .description(
      'Run every arm x seed of a sweep file as run directories under one sweep directory, on local worker processes or a BullMQ queue; re-run to continue.',
    )
    .argument('<sweep>', 'sweep file (YAML or JSON): experiment, seeds, set, arms and/or grid, baseline, retries')
    .option('-o, --out <dir>', 'sweep directory (default: sweeps/<name>); the same --out continues a sweep')
    .option('-j, --jobs <n>', 'local runs at once (default: one per core; each run uses one core on wasm)', integer(1))
    .option('--queue <url>', 'put the runs on a BullMQ queue for trellis worker: redis://host:port/queue-name[?db=N]')
    .option('--retry-failed', 'run again the runs an earlier sweep command recorded as failed')
    .option('-q, --quiet', 'no live status line (one line per finished run only)')
    .action(async (file: string, opts: SweepOptions) => {
      const code = await runSweep(file, opts, log);
      if (code !== 0) throw new CommandExit(code);
    });

  program
    .command('worker')
    .description('Take runs of trellis sweep --queue from a BullMQ queue and run them (until stopped with Ctrl-C or SIGTERM).')
    .requiredOption('--queue <url>', 'the queue: redis://host:port/queue-name[?db=N], as given to trellis sweep --queue')
    .option('-j, --jobs <n>', 'runs at once (each uses one core on wasm)', integer(1), 1)
    .option('--lock-ms <ms>', "how long a dead worker's job stays taken before another worker resumes it", integer(1000), 30_000)
    .action(async (opts: WorkerOptions) => {
      // BullMQ and its Redis client load only for the commands that use a queue.
      const { runWorker } = await import('./commands/worker-command');
      const code = await runWorker(opts, log);
      if (code !== 0) throw new CommandExit(code);
    });

  program
    .command('report')
    .description(
      'One self-contained HTML report (curves with seed bands, arm tables with intervals and tests, config diff), PNG charts and a Markdown summary.',
    )
    .argument('<dirs...>', 'a sweep directory, or one or more run directories')
    .option('-o, --out <dir>', 'output directory (default: <sweepDir>/report, or ./report for run directories)')
    .option('--baseline <arm>', "arm the others are tested against (default: the sweep's baseline, or the first arm)")
    .action(async (dirs: string[], opts: { out?: string; baseline?: string }) => {
      await runReport(dirs, opts, log);
    });

  for (const command of program.commands) {
    command.showHelpAfterError(`(run 'trellis ${command.name()} --help' for usage)`);
  }
  return program;
}

/** `--debug` anywhere before a `--` (also when parsing failed before commander saw it). */
const wantsDebug = (argv: readonly string[]): boolean => {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--debug');
};

/**
 * Run the CLI with `argv` (without node and script); resolves to the exit code: 0 on success, 2
 * for bad input (usage errors, configs, flags, files: one `error:` line, no stack trace), 1 for
 * anything else. `--debug` adds stack traces.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommandExit) return e.code;
    const { code, exitCode } = e as { code?: string; exitCode?: number };
    if (typeof code === 'string' && code.startsWith('commander.')) {
      // Help or version asked for: 0. A usage error: commander has printed its one-line error and
      // the --help hint already; exit 2 (also for `trellis` without a command, which shows help).
      if (code === 'commander.helpDisplayed' || code === 'commander.version') return 0;
      return code === 'commander.help' && exitCode === 0 ? 0 : 2;
    }
    return reportError(e, { debug: wantsDebug(argv) });
  }
}
