import { Command } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { reportError } from './cli-error';
import { renderConfig } from './commands/config-command';
import { renderPlugins } from './commands/plugins-command';
import { composeFromFile, composeFromObject } from './experiment';

const collect = (value: string, previous: string[]) => [...previous, value];

/** Build the `trellis` command tree. `exit` receives the exit code of a failed command. */
export function buildProgram(out: (s: string) => void = (s) => process.stdout.write(s)): Command {
  const program = new Command('trellis')
    .description('Trellis: reinforcement-learning post-training of language models, as composable plugins.')
    .version(pkg.version)
    .showHelpAfterError();

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

  return program;
}

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    const code = (e as { code?: string; exitCode?: number }).code;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      return code === 'commander.helpDisplayed' || code === 'commander.version' ? 0 : 2;
    }
    return reportError(e);
  }
}
