import { basename, normalize, sep } from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

/** The package manager that started this process, from `npm_config_user_agent` or `npm_execpath`. */
function agentOf(env: Env): 'pnpm' | 'npm' | 'yarn' | 'bun' | undefined {
  const ua = (env.npm_config_user_agent ?? '').split('/')[0];
  const from = ua || basename(env.npm_execpath ?? '');
  for (const name of ['pnpm', 'yarn', 'bun', 'npm'] as const) if (from.startsWith(name)) return name;
  return undefined;
}

/** The running script is `token` (a relative or absolute path, or the `trellis` bin). */
const isThisScript = (token: string, script: string): boolean =>
  basename(token) === 'trellis' || normalize(script).endsWith(normalize(token).replace(/^(\.\/)+/, ''));

/**
 * True when package script `line` only runs this CLI: `node apps/runner/dist/cli.js` or `trellis`,
 * with no arguments of its own (pnpm appends the user's arguments to `npm_lifecycle_script`).
 */
function isBareAlias(line: string, script: string, userArgs: readonly string[]): boolean {
  const tokens = line.trim().split(/\s+/);
  const at = tokens.findIndex((t) => isThisScript(t, script));
  if (at < 0 || tokens.slice(0, at).some((t) => t !== 'node')) return false;
  const own = tokens.slice(at + 1);
  return own.length === 0 || own.join(' ') === userArgs.join(' ');
}

/**
 * How the user started this CLI, as the command prefix hints should print: `pnpm trellis` (a
 * package script named `trellis` that only runs it, as in this repository), `npm run trellis --`,
 * `yarn trellis`, `pnpm exec trellis` / `npx trellis` (an installed bin started through the package
 * manager), else `trellis`. The `npm_*` variables a package manager sets are inherited by every
 * process below it, so each case also checks that the running script is the one they describe.
 */
export function invocation(env: Env = process.env, argv: readonly string[] = process.argv): string {
  const script = argv[1] ?? 'trellis';
  const agent = agentOf(env);
  const event = env.npm_lifecycle_event;
  const line = env.npm_lifecycle_script;
  if (agent && event && line && event !== 'npx' && isBareAlias(line, script, argv.slice(2))) {
    if (agent === 'npm') return `npm run ${event} --`;
    return agent === 'bun' ? `bun run ${event}` : `${agent} ${event}`;
  }
  const installed = normalize(script).split(sep).includes('node_modules');
  if (agent && installed && (env.npm_command === 'exec' || event !== undefined)) {
    if (agent === 'pnpm') return 'pnpm exec trellis';
    if (agent === 'yarn') return 'yarn trellis';
    return agent === 'bun' ? 'bunx trellis' : 'npx trellis';
  }
  return 'trellis';
}
