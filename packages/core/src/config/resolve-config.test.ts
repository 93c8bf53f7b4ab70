import { inject, injectable } from 'inversify';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../errors/trellis-error';
import { type CatalogEntry, catalogModule, type ResolveOptionsContext } from '../plugin/catalog';
import { composeContainer } from '../plugin/compose-container';
import { CORE_API_VERSION, definePlugin, type PluginManifest } from '../plugin/define-plugin';
import { Tokens } from '../tokens';
import type { RawConfig } from './load-config';
import { applyOverrides, parseOverride } from './overrides';

@injectable()
class Nothing {}

@injectable()
class Shaped {
  constructor(@inject(Tokens.ChoiceOptions) readonly options: Record<string, unknown>) {}
}

const objectiveSchema = z
  .object({
    eps: z.number().default(0.2),
    kl: z
      .object({ estimator: z.enum(['none', 'k3']).default('none'), coef: z.number().default(0) })
      .strict()
      .default({
        estimator: 'none',
        coef: 0,
      }),
    entropy: z.number().default(0),
  })
  .strict();

/** What the `shaped` policy's hook saw, call by call. */
const seen: { options: Record<string, unknown>; ctx: ResolveOptionsContext }[] = [];

/** A policy whose `source` option fixes `width` (like a checkpoint fixes a model's shape). */
const shapedPolicy: CatalogEntry = {
  slot: 'policy',
  id: 'shaped',
  description: 'width comes from the source',
  optionsSchema: z.object({ source: z.string().optional(), width: z.number().default(8), depth: z.number().default(1) }).strict(),
  service: Shaped,
  resolveOptions(options, ctx) {
    seen.push({ options, ctx });
    if (options.source === undefined) return options;
    if (options.source === 'missing') ctx.fail(['source'], `cannot read ${options.source}`);
    const width = Number(options.source);
    if (ctx.given.width !== undefined && options.width !== width) {
      ctx.fail(['width'], `${options.width} contradicts the source ${options.source} (${width})`);
    }
    return { ...options, width };
  },
};

const plugin = definePlugin({
  id: 'test-presets',
  packageName: '@test/presets',
  version: '1.0.0',
  coreApi: CORE_API_VERSION,
  provides: { policy: ['shaped'], advantage: ['with-preset', 'plain'], objective: ['clip', 'other'], reward: ['tagged'] },
  createModule: () =>
    catalogModule([
      shapedPolicy,
      {
        slot: 'advantage',
        id: 'with-preset',
        description: 'fills the objective',
        service: Nothing,
        preset: { objective: { use: 'clip', options: { eps: 0.3, kl: { estimator: 'k3', coef: 0.001 } } } },
      },
      { slot: 'advantage', id: 'plain', description: 'no preset', service: Nothing },
      { slot: 'objective', id: 'clip', description: 'clip', optionsSchema: objectiveSchema, service: Nothing },
      { slot: 'objective', id: 'other', description: 'other', optionsSchema: objectiveSchema, service: Nothing },
      {
        slot: 'reward',
        id: 'tagged',
        description: 'tags its options',
        optionsSchema: z.object({ tag: z.string().default('x') }).strict(),
        service: Nothing,
        resolveOptions: (options, ctx) => ({ ...options, tag: `${String(options.tag)}@${ctx.path.join('.')}` }),
      },
    ]),
});

/** Compose `data` with `--set`s as the CLI does (file `exp.yaml`). */
function compose(data: Record<string, unknown>, sets: string[] = [], baseDir?: string) {
  const raw: RawConfig = { data: applyOverrides(data, sets.map(parseOverride)), file: 'exp.yaml', overrides: sets };
  return composeContainer(raw, {
    manifests: [plugin as PluginManifest],
    loadBuiltins: false,
    ...(baseDir ? { baseDir } : {}),
  });
}

async function failure(data: Record<string, unknown>, sets: string[] = []): Promise<ConfigError> {
  const err = await compose(data, sets).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe('presets are applied before the config is validated', () => {
  const quick = { advantage: { use: 'with-preset' } };

  it('an override of a preset-filled slot merges into the preset choice, changing only that key', async () => {
    const plain = await compose(quick);
    const tweaked = await compose(quick, ['objective.options.kl.coef=0']);
    expect(plain.config.objective).toEqual({
      use: 'clip',
      options: { eps: 0.3, kl: { estimator: 'k3', coef: 0.001 }, entropy: 0 },
    });
    const expected = structuredClone(plain.config.objective);
    (expected?.options.kl as { coef: number }).coef = 0;
    expect(tweaked.config.objective).toEqual(expected);
  });

  it('a file that writes only options of the preset slot is completed the same way', async () => {
    const exp = await compose({ ...quick, objective: { options: { entropy: 0.01 } } });
    expect(exp.config.objective?.use).toBe('clip');
    expect(exp.config.objective?.options).toMatchObject({ eps: 0.3, entropy: 0.01, kl: { estimator: 'k3', coef: 0.001 } });
  });

  it('a slot missing `use` that no preset fills still fails with the clear message and its source', async () => {
    const err = await failure({ advantage: { use: 'plain' } }, ['objective.options.kl.coef=0']);
    expect(err.message).toBe('exp.yaml: objective.use: required key is missing (expected string)');
    expect((await failure({ objective: { options: { eps: 1 } } })).message).toMatch(
      /^exp\.yaml: objective\.use: required key is missing/,
    );
  });

  it('a different explicit `use` takes nothing from the preset', async () => {
    const exp = await compose({ ...quick, objective: { use: 'other' } });
    expect(exp.config.objective).toEqual({ use: 'other', options: { eps: 0.2, kl: { estimator: 'none', coef: 0 }, entropy: 0 } });
  });

  it('an unknown `use` or a malformed slot is reported by validation, not by preset lookup', async () => {
    expect((await failure({ advantage: { use: 'nope' } })).message).toMatch(/advantage\.use: unknown advantage 'nope'/);
    expect((await failure({ advantage: 'with-preset' })).message).toMatch(/advantage: Invalid input: expected object/);
    expect((await failure({ ...quick, objective: { options: { eps: 'x' } } })).message).toMatch(
      /objective\.options\.eps: Invalid input: expected number/,
    );
  });
});

describe('CatalogEntry.resolveOptions', () => {
  it('gets the validated options and the options as given, and its result is what the service gets', async () => {
    seen.length = 0;
    const exp = await compose({ policy: { use: 'shaped', options: { source: '32' } } }, [], '/some/dir');
    expect(exp.config.policy).toEqual({ use: 'shaped', options: { source: '32', width: 32, depth: 1 } });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.options).toEqual({ source: '32', width: 8, depth: 1 });
    expect(seen[0]?.ctx.given).toEqual({ source: '32' });
    expect(seen[0]?.ctx.path).toEqual(['policy', 'options']);
    expect(seen[0]?.ctx.baseDir).toBe('/some/dir');
    const service = (await exp.container.getAsync(Tokens.Policy)) as unknown as Shaped;
    expect(service.options).toEqual({ source: '32', width: 32, depth: 1 });
  });

  it('a value the config sets that agrees passes; a contradicting one fails naming both values and the --set', async () => {
    const agree = await compose({ policy: { use: 'shaped', options: { source: '32', width: 32 } } });
    expect(agree.config.policy?.options.width).toBe(32);
    const err = await failure({ policy: { use: 'shaped', options: { source: '32' } } }, ['policy.options.width=16']);
    expect(err.message).toBe('--set policy.options.width=16: policy.options.width: 16 contradicts the source 32 (32)');
    expect(err.exitCode).toBe(2);
  });

  it('a failure names the key path and the file', async () => {
    const err = await failure({ policy: { use: 'shaped', options: { source: 'missing' } } });
    expect(err.message).toBe('exp.yaml: policy.options.source: cannot read missing');
  });

  it('runs for multi-slot choices too, with their index in the path', async () => {
    const exp = await compose({ rewards: [{ use: 'tagged' }, { use: 'tagged', name: 'b', options: { tag: 'y' } }] });
    expect(exp.config.rewards.map((r) => r.options.tag)).toEqual(['x@rewards.0.options', 'y@rewards.1.options']);
  });

  it('a resolved config resolves again to itself (what --resume does with config.yaml)', async () => {
    const first = await compose({ policy: { use: 'shaped', options: { source: '32' } } });
    const again = await compose(structuredClone(first.config) as unknown as Record<string, unknown>);
    expect(again.config).toEqual(first.config);
  });

  it('resolvePath: relative to the file that set the value, the working directory for a --set', async () => {
    const paths: string[] = [];
    const pathPolicy: CatalogEntry = {
      slot: 'policy',
      id: 'pathy',
      description: 'a path option',
      optionsSchema: z.object({ file: z.string(), other: z.string().optional() }).strict(),
      service: Nothing,
      resolveOptions(options, ctx) {
        paths.push(ctx.dirOf(['file']));
        return { ...options, file: ctx.resolvePath(['file'], options.file as string) };
      },
    };
    const pathPlugin = definePlugin({
      id: 'test-paths',
      packageName: '@test/paths',
      version: '1.0.0',
      coreApi: CORE_API_VERSION,
      provides: { policy: ['pathy'] },
      createModule: () => catalogModule([pathPolicy]),
    });
    const run = (raw: RawConfig) => composeContainer(raw, { manifests: [pathPlugin as PluginManifest], loadBuiltins: false });
    const data = { policy: { use: 'pathy', options: { file: 'a/b.txt', other: 'x' } } };
    const fromFile = await run({ data, file: '/cfg/exp.yaml', overrides: [], baseDirOf: () => '/base/dir' });
    expect(fromFile.config.policy?.options.file).toBe('/base/dir/a/b.txt');
    const noOrigin = await run({ data, file: '/cfg/exp.yaml', overrides: [] });
    expect(noOrigin.config.policy?.options.file).toBe('/cfg/a/b.txt');
    const sets = ['policy.options.file=c.txt'];
    const fromSet = await run({
      data: applyOverrides(data, sets.map(parseOverride)),
      file: '/cfg/exp.yaml',
      overrides: sets,
      baseDirOf: () => '/base/dir',
    });
    expect(fromSet.config.policy?.options.file).toBe(`${process.cwd()}/c.txt`);
    const absolute = await run({
      data: { policy: { use: 'pathy', options: { file: '/abs/f' } } },
      file: '/cfg/exp.yaml',
      overrides: [],
    });
    expect(absolute.config.policy?.options.file).toBe('/abs/f');
    expect(paths.slice(0, 3)).toEqual(['/base/dir', '/cfg', process.cwd()]);
  });

  it('pretrain.out (and its default) is relative to the config file; a --set one to the working directory', async () => {
    const set = await compose({ pretrain: { out: 'ckpt/out' } }, [], '/some/dir');
    expect(set.config.pretrain.out).toBe('/some/dir/ckpt/out');
    const unset = await compose({}, [], '/some/dir');
    expect(unset.config.pretrain.out).toBe('/some/dir/checkpoints/pretrained');
    const fromSet = await compose({}, ['pretrain.out=x'], '/some/dir');
    expect(fromSet.config.pretrain.out).toBe(`${process.cwd()}/x`);
  });
});
