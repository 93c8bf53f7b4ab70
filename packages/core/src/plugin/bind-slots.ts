import { Container, type ServiceIdentifier } from 'inversify';
import type { ResolvedConfig } from '../config/experiment-config';
import type { ConfiguredFeedback } from '../feedback/configured-feedback';
import type { FeedbackProvider } from '../feedback/feedback-provider';
import { FeedbackService } from '../feedback/feedback-service';
import type { LeakGuard } from '../feedback/leak-guard';
import { LiteralLeakGuard } from '../feedback/literal-leak-guard';
import type { Reward } from '../reward/reward';
import { Tokens } from '../tokens';
import type { Catalog } from './build-catalog';
import type { CatalogEntry, Initializable } from './catalog';
import { getContributions } from './contributions';
import { MULTI_SLOTS, type MultiSlot, SINGLE_SLOTS, SLOT_CONFIG_KEYS, type SlotName } from './slots';
import type { WeightedReward } from './weighted-reward';

/** The token each slot's implementation is bound to. */
export const SLOT_TOKENS: Record<SlotName, ServiceIdentifier<unknown>> = {
  policy: Tokens.Policy,
  task: Tokens.TaskSource,
  rollout: Tokens.RolloutStrategy,
  advantage: Tokens.AdvantageEstimator,
  objective: Tokens.PolicyObjective,
  reward: Tokens.Reward,
  feedback: Tokens.FeedbackProvider,
  guard: Tokens.LeakGuard,
  loss: Tokens.LossTerm,
  contribution: Tokens.TrainerContribution,
  metrics: Tokens.MetricsSink,
};

function isInitializable(v: unknown): v is Initializable {
  return typeof v === 'object' && v !== null && typeof (v as Initializable).init === 'function';
}

/** Build one chosen implementation in a child container that holds its options. */
async function instantiate<T>(root: Container, entry: CatalogEntry, options: Record<string, unknown>): Promise<T> {
  const child = new Container({ parent: root, defaultScope: 'Transient' });
  child.bind(Tokens.ChoiceOptions).toConstantValue(options);
  child.bind(entry.service).toSelf();
  const instance = (await child.getAsync(entry.service)) as T;
  if (isInitializable(instance)) await instance.init();
  return instance;
}

/**
 * Bind each configured slot to its chosen implementation (lazily, singleton, async): resolve
 * single slots with `container.getAsync(Tokens.X)` and multi slots with `getContributions`.
 */
export function bindSlots(container: Container, config: ResolvedConfig, catalog: Catalog): void {
  container.bind(Tokens.Config).toConstantValue(config);
  const entryOf = (slot: SlotName, id: string): CatalogEntry => {
    const item = catalog.find(slot, id);
    if (!item) throw new Error(`internal: ${slot} '${id}' missing after validation`);
    return item.entry;
  };
  for (const slot of SINGLE_SLOTS) {
    const choice = config[slot];
    if (!choice) continue;
    const entry = entryOf(slot, choice.use);
    container
      .bind(SLOT_TOKENS[slot])
      .toDynamicValue(() => instantiate(container, entry, choice.options))
      .inSingletonScope();
  }
  if (config.policy) {
    container
      .bind(Tokens.Tokenizer)
      .toDynamicValue(async (ctx) => (await ctx.getAsync(Tokens.Policy)).tokenizer)
      .inSingletonScope();
  }
  bindFeedbackService(container);
  for (const slot of MULTI_SLOTS as readonly MultiSlot[]) {
    const list = config[SLOT_CONFIG_KEYS[slot]] as { use: string; options: Record<string, unknown> }[];
    for (const choice of list) {
      const entry = entryOf(slot, choice.use);
      const created = { promise: undefined as Promise<unknown> | undefined };
      const get = () => {
        created.promise ??= instantiate(container, entry, choice.options);
        return created.promise;
      };
      container.bind(SLOT_TOKENS[slot]).toDynamicValue(get).inSingletonScope();
      if (slot === 'reward') bindWeightedReward(container, config, choice as ResolvedConfig['rewards'][number], get);
      if (slot === 'feedback') bindConfiguredFeedback(container, config, choice as ResolvedConfig['feedback'][number], get);
    }
  }
}

function bindWeightedReward(
  container: Container,
  config: ResolvedConfig,
  r: ResolvedConfig['rewards'][number],
  get: () => Promise<unknown>,
): void {
  container
    .bind(Tokens.WeightedReward)
    .toDynamicValue(
      async (): Promise<WeightedReward> => ({
        name: r.name ?? r.use,
        weight: r.weight,
        timeoutMs: r.timeoutMs ?? config.trainer.rewardTimeoutMs,
        reward: (await get()) as Reward,
      }),
    )
    .inSingletonScope();
}

function bindConfiguredFeedback(
  container: Container,
  config: ResolvedConfig,
  f: ResolvedConfig['feedback'][number],
  get: () => Promise<unknown>,
): void {
  const d = config.trainer.feedback;
  container
    .bind(Tokens.ConfiguredFeedback)
    .toDynamicValue(
      async (): Promise<ConfiguredFeedback> => ({
        name: f.name ?? f.use,
        provider: (await get()) as FeedbackProvider,
        timeoutMs: f.timeoutMs ?? d.timeoutMs,
        retries: f.retries ?? d.retries,
        backoffMs: d.backoffMs,
        maxBackoffMs: d.maxBackoffMs,
        concurrency: f.concurrency ?? d.concurrency,
        cacheSize: f.cacheSize ?? d.cacheSize,
        onLeak: f.onLeak ?? d.onLeak,
      }),
    )
    .inSingletonScope();
}

/**
 * The run's one `FeedbackService` over every configured provider, guarded by the configured leak
 * guards (core's `literal` guard when none is configured).
 */
function bindFeedbackService(container: Container): void {
  container
    .bind(Tokens.FeedbackService)
    .toDynamicValue(async () => {
      const configured = await getContributions(container, Tokens.ConfiguredFeedback);
      const guards: LeakGuard[] = await getContributions(container, Tokens.LeakGuard);
      return new FeedbackService(configured, guards.length ? guards : [new LiteralLeakGuard()]);
    })
    .inSingletonScope();
}
