import { inject, injectable } from 'inversify';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AdvantageEstimator, AdvantageInput, AdvantageOutput } from '../advantage/advantage-estimator';
import { corePlugin } from '../builtin/core-plugin';
import { PluginError } from '../errors/trellis-error';
import { ClipObjective } from '../objective/clip-objective';
import { catalogModule } from '../plugin/catalog';
import { composeContainer } from '../plugin/compose-container';
import { CORE_API_VERSION, definePlugin, type PluginManifest } from '../plugin/define-plugin';
import { Tokens } from '../tokens';
import { applyOverrides, parseOverride } from './overrides';

/** An advantage plugin as a newcomer writes it: no preset, so it names no objective. */
@injectable()
class Centered implements AdvantageEstimator {
  readonly id = 'centered';
  readonly requires = [] as const;
  constructor(@inject(Tokens.ChoiceOptions) readonly options: { scale: number }) {}
  estimate(input: AdvantageInput): AdvantageOutput {
    const mean = input.rewards.reduce((a, b) => a + b, 0) / Math.max(1, input.rewards.length);
    return { perSequence: input.rewards.map((r) => (r - mean) * this.options.scale) };
  }
}

const advantagePlugin = definePlugin({
  id: 'centered-plugin',
  packageName: 'trellis-plugin-centered',
  version: '1.0.0',
  coreApi: CORE_API_VERSION,
  provides: { advantage: ['centered'] },
  createModule: () =>
    catalogModule([
      {
        slot: 'advantage',
        id: 'centered',
        description: 'r - batch mean',
        optionsSchema: z.object({ scale: z.number().default(1) }).strict(),
        service: Centered,
      },
    ]),
});

const compose = (data: Record<string, unknown>, sets: string[] = [], manifests: PluginManifest[] = []) =>
  composeContainer(
    { data: applyOverrides(data, sets.map(parseOverride)), file: 'exp.yaml', overrides: sets },
    { manifests: [corePlugin as PluginManifest, advantagePlugin as PluginManifest, ...manifests], loadBuiltins: false },
  );

describe('slot defaults (CatalogEntry.slotDefault)', () => {
  it("an advantage without a preset trains with core's clip objective and groups rollout, options defaulted", async () => {
    const exp = await compose({ advantage: { use: 'centered' } });
    expect(exp.config.objective?.use).toBe('clip');
    expect(exp.config.objective?.options).toMatchObject({ ratio: 'token', epsLow: 0.2, aggregation: 'seq-mean-token-mean' });
    expect(exp.config.rollout).toEqual({ use: 'groups', options: {} });
    expect(await exp.container.getAsync(Tokens.PolicyObjective)).toBeInstanceOf(ClipObjective);
  });

  it('options written for the empty slot (file or --set) are kept under the default', async () => {
    const exp = await compose({ advantage: { use: 'centered' } }, ['objective.options.kl.coef=0']);
    expect(exp.config.objective?.use).toBe('clip');
    expect(exp.config.objective?.options.kl).toMatchObject({ coef: 0 });
  });

  it('a config that chooses no advantage (eval, pretrain) gets no defaults', async () => {
    const exp = await compose({ rewards: [] });
    expect(exp.config.objective).toBeUndefined();
    expect(exp.config.rollout).toBeUndefined();
  });

  it('an explicit choice or a preset wins over the default', async () => {
    const presetPlugin = definePlugin({
      id: 'preset-plugin',
      packageName: 'preset-plugin',
      version: '1.0.0',
      coreApi: CORE_API_VERSION,
      provides: { advantage: ['centered-sum'] },
      createModule: () =>
        catalogModule([
          {
            slot: 'advantage',
            id: 'centered-sum',
            description: 'with a preset',
            service: Centered,
            optionsSchema: z.object({ scale: z.number().default(1) }).strict(),
            preset: { objective: { use: 'clip', options: { aggregation: 'seq-mean-token-sum' } } },
          },
        ]),
    });
    const preset = await compose({ advantage: { use: 'centered-sum' } }, [], [presetPlugin as PluginManifest]);
    expect(preset.config.objective?.options.aggregation).toBe('seq-mean-token-sum');
    const own = await compose({ advantage: { use: 'centered' }, objective: { use: 'clip', options: { epsHigh: 0.28 } } });
    expect(own.config.objective?.options.epsHigh).toBe(0.28);
  });

  it('two plugins that both claim the default of a slot are refused, naming both', async () => {
    const rival = definePlugin({
      id: 'rival',
      packageName: 'rival-objective',
      version: '1.0.0',
      coreApi: CORE_API_VERSION,
      provides: { objective: ['rival'] },
      createModule: () =>
        catalogModule([{ slot: 'objective', id: 'rival', description: 'x', service: ClipObjective, slotDefault: true }]),
    });
    const err = await compose({ advantage: { use: 'centered' } }, [], [rival as PluginManifest]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluginError);
    expect((err as Error).message).toMatch(
      /objective 'rival' \(rival-objective\) and 'clip' \(@trellis\/core\) both declare themselves the default objective/,
    );
  });
});
