import { Container, inject, injectable } from 'inversify';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AdvantageEstimator, AdvantageInput, AdvantageOutput } from '../advantage/advantage-estimator';
import { ConfigError } from '../errors/trellis-error';
import type { Reward, RewardOutput } from '../reward/reward';
import { Rng } from '../rng/rng';
import { Tokens } from '../tokens';
import { catalogModule } from './catalog';
import { composeContainer } from './compose-container';
import { getContributions } from './contributions';
import { CORE_API_VERSION, definePlugin, type PluginManifest } from './define-plugin';

@injectable()
class MeanBaseline implements AdvantageEstimator {
  readonly id = 'mean';
  readonly requires = [] as const;
  constructor(@inject(Tokens.ChoiceOptions) readonly options: { scale: number }) {}
  estimate(input: AdvantageInput): AdvantageOutput {
    const m = input.rewards.reduce((a, b) => a + b, 0) / input.rewards.length;
    return { perSequence: input.rewards.map((r) => (r - m) * this.options.scale) };
  }
}

@injectable()
class Identity implements AdvantageEstimator {
  readonly id = 'identity';
  readonly requires = [] as const;
  estimate(input: AdvantageInput): AdvantageOutput {
    return { perSequence: [...input.rewards] };
  }
}

@injectable()
class ConstantReward implements Reward {
  readonly id = 'constant';
  constructor(
    @inject(Tokens.ChoiceOptions) readonly options: { value: number },
    @inject(Tokens.Rng) readonly rng: Rng,
  ) {}
  score(): RewardOutput {
    return { score: this.options.value };
  }
}

const testPlugin = definePlugin({
  id: 'test-algos',
  packageName: '@test/algos',
  version: '1.0.0',
  coreApi: CORE_API_VERSION,
  provides: { advantage: ['mean', 'identity', 'mean-preset'], reward: ['constant'] },
  createModule: () =>
    catalogModule([
      {
        slot: 'advantage',
        id: 'mean',
        description: 'mean baseline',
        optionsSchema: z.object({ scale: z.number().default(1) }).strict(),
        service: MeanBaseline,
      },
      { slot: 'advantage', id: 'identity', description: 'raw rewards', service: Identity },
      {
        slot: 'advantage',
        id: 'mean-preset',
        description: 'mean baseline + a constant reward',
        optionsSchema: z.object({ scale: z.number().default(2) }).strict(),
        service: MeanBaseline,
        preset: { rewards: [{ use: 'constant', name: 'bonus', weight: 0.5, options: { value: 3 } }], trainer: { groupSize: 4 } },
      },
      {
        slot: 'reward',
        id: 'constant',
        description: 'constant score',
        optionsSchema: z.object({ value: z.number() }).strict(),
        service: ConstantReward,
      },
    ]),
});

const compose = (data: Record<string, unknown>, manifests: PluginManifest[] = [testPlugin as PluginManifest]) =>
  composeContainer(data, { manifests, loadBuiltins: false });

describe('composeContainer', () => {
  it('resolves each slot to the chosen implementation with validated options', async () => {
    const exp = await compose({
      seed: 5,
      advantage: { use: 'mean', options: { scale: 3 } },
      rewards: [{ use: 'constant', options: { value: 2 }, weight: 0.25 }],
    });
    const est = await exp.container.getAsync(Tokens.AdvantageEstimator);
    expect(est).toBeInstanceOf(MeanBaseline);
    expect(est.estimate({ rewards: [1, 3] } as unknown as AdvantageInput).perSequence).toEqual([-3, 3]);
    const rewards = await getContributions(exp.container, Tokens.WeightedReward);
    expect(rewards).toHaveLength(1);
    expect(rewards[0]?.weight).toBe(0.25);
    expect(rewards[0]?.name).toBe('constant');
    expect(rewards[0]?.timeoutMs).toBe(exp.config.trainer.rewardTimeoutMs);
    expect(rewards[0]?.reward).toBeInstanceOf(ConstantReward);
    expect((rewards[0]!.reward as ConstantReward).rng).toBeInstanceOf(Rng);
    expect(exp.config.seed).toBe(5);
  });

  it('swapping one `use:` swaps the resolved class (the ablation mechanism)', async () => {
    const a = await compose({ advantage: { use: 'mean' } });
    const b = await compose({ advantage: { use: 'identity' } });
    expect(await a.container.getAsync(Tokens.AdvantageEstimator)).toBeInstanceOf(MeanBaseline);
    expect(await b.container.getAsync(Tokens.AdvantageEstimator)).toBeInstanceOf(Identity);
  });

  it('fills option defaults into the resolved config', async () => {
    const exp = await compose({ advantage: { use: 'mean' } });
    expect(exp.config.advantage).toEqual({ use: 'mean', options: { scale: 1 } });
    expect(exp.config.trainer.groupSize).toBe(8);
  });

  it('applies a chosen entry preset under the user config', async () => {
    const exp = await compose({ advantage: { use: 'mean-preset' }, trainer: { steps: 3 } });
    expect(exp.config.trainer.groupSize).toBe(4);
    expect(exp.config.trainer.steps).toBe(3);
    expect(exp.config.rewards.map((r) => r.name)).toEqual(['bonus']);
    const own = await compose({ advantage: { use: 'mean-preset' }, trainer: { groupSize: 16 } });
    expect(own.config.trainer.groupSize).toBe(16);
  });

  it('returns an empty list for a multi slot with nothing bound', async () => {
    const exp = await compose({});
    expect(await getContributions(exp.container, Tokens.FeedbackProvider)).toEqual([]);
    expect(await getContributions(exp.container, Tokens.WeightedReward)).toEqual([]);
  });

  it('gives each composition a fresh container (no global registry)', async () => {
    const a = await compose({ rewards: [{ use: 'constant', options: { value: 1 } }] });
    const b = await compose({});
    expect(a.container).not.toBe(b.container);
    expect(b.container.isBound(Tokens.Reward)).toBe(false);
    expect(new Container().isBound(Tokens.CatalogEntry)).toBe(false);
  });

  const fails = async (data: Record<string, unknown>, pattern: RegExp, manifests?: PluginManifest[]) => {
    const err = await compose(data, manifests).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(pattern);
  };

  it('rejects an unknown slot choice, listing the available ids', async () => {
    await fails({ advantage: { use: 'nope' } }, /unknown advantage 'nope'; available: identity, mean, mean-preset/);
  });

  it('rejects invalid options naming the key path and the rule', async () => {
    await fails(
      { advantage: { use: 'mean', options: { scale: 'x' } } },
      /advantage\.options\.scale: Invalid input: expected number/,
    );
    await fails({ advantage: { use: 'mean', options: { sclae: 1 } } }, /unknown key 'sclae'; allowed keys: scale/);
    await fails({ advantage: { use: 'identity', options: { a: 1 } } }, /takes no options/);
    await fails({ rewards: [{ use: 'constant' }] }, /rewards\[0\]\.options\.value: required key is missing/);
  });

  it('rejects unknown top-level keys and missing required keys', async () => {
    await fails({ trainr: {} }, /unknown key 'trainr'; allowed keys: .*trainer/);
    await fails({ advantage: { options: {} } }, /advantage\.use: required key is missing/);
    await fails({ trainer: { schedule: 'linear' } }, /trainer\.schedule: Invalid option: expected one of "constant"\|"cosine"/);
  });

  it('rejects duplicate reward names', async () => {
    await fails(
      {
        rewards: [
          { use: 'constant', options: { value: 1 } },
          { use: 'constant', options: { value: 2 } },
        ],
      },
      /reward name 'constant' is already used by rewards\[0\]/,
    );
  });

  it('rejects a core API mismatch and duplicate plugin ids', async () => {
    const future = { ...testPlugin, coreApi: CORE_API_VERSION + 1 } as PluginManifest;
    await fails({}, /targets core API 2, but this @trellis\/core provides API 1/, [future]);
    const twin = { ...testPlugin, packageName: '@other/algos' } as PluginManifest;
    await fails({}, /duplicate plugin id 'test-algos': provided by @test\/algos .* and by @other\/algos/, [
      testPlugin as PluginManifest,
      twin,
    ]);
  });
});
