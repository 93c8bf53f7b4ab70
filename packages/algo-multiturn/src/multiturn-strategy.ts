import {
  type CollectedRollouts,
  ConfigError,
  type ContextTemplates,
  contextTemplatesSchema,
  inject,
  injectable,
  optional,
  type Problem,
  type ResolvedConfig,
  type Rollout,
  type RolloutContext,
  type RolloutGroup,
  type RolloutPair,
  type RolloutStrategy,
  rolloutFromResult,
  Tokens,
  turnPrompt,
  type z,
} from '@trellis/core';
import { type MultiturnOptions, multiturnOptions } from './multiturn-options';
import { turnFeedback } from './turn-feedback';
import { turnOutcome } from './turn-outcome';

/** Run totals kept across steps (checkpointed through `state()`). */
export interface MultiturnState {
  readonly steps: number;
  readonly prompts: number;
  readonly triggered: number;
  readonly pairs: number;
  readonly dropped: number;
}

const EMPTY: MultiturnState = { steps: 0, prompts: 0, triggered: 0, pairs: 0, dropped: 0 };

/** A triggered prompt waiting for its next regeneration turn. */
interface Pending {
  readonly index: number;
  readonly problem: Problem;
  /** The first-turn answers (the rejected side of pairs). */
  readonly base: Rollout[];
  /** The latest turn's answers (critiqued for the next feedback). */
  readonly latest: Rollout[];
}

/**
 * MulFeRL's rollout strategy (arXiv 2601.22900): a first turn of K samples per prompt; prompts
 * whose K samples all failed (by the accuracy reward's raw score) get feedback on their failed
 * attempts (critiques in chunks, one merge, through the guarded service) and a regeneration turn
 * of K samples with the feedback prefilled inside the `<feedback>` block (masked out of the loss,
 * kept as conditioning, never graded). After a turn: all solved -> pairs (regenerated k chosen,
 * base k rejected, both pair-only); mixed -> a GRPO group of the regenerated samples; all failed
 * -> the next turn on new feedback, or dropped after the last. Groups with any first-turn success
 * train as plain GRPO groups.
 */
@injectable()
export class MultiturnStrategy implements RolloutStrategy {
  readonly id = 'multiturn';
  readonly options: MultiturnOptions;
  private readonly reward: string;
  private readonly templates: ContextTemplates;
  private totals: MultiturnState = EMPTY;

  constructor(
    @inject(Tokens.ChoiceOptions) options: z.input<typeof multiturnOptions> = {},
    @inject(Tokens.Config) @optional() config?: Pick<ResolvedConfig, 'rewards' | 'trainer'>,
  ) {
    this.options = multiturnOptions.parse(options ?? {});
    this.templates = contextTemplatesSchema.parse(this.options.templates ?? {});
    const reward = this.options.trigger.reward ?? config?.trainer.accuracyReward;
    if (reward === undefined)
      throw new ConfigError('multiturn: set options.trigger.reward (no trainer config to take trainer.accuracyReward from)');
    const names = config?.rewards.map((r) => r.name ?? r.use);
    if (names && names.length > 0 && !names.includes(reward)) {
      throw new ConfigError(
        `rollout.options.trigger.reward: '${reward}' names no configured reward; the trigger reads its raw score, so it must be one of: ${names.join(', ')}`,
      );
    }
    this.reward = reward;
  }

  /** True when the rollout's trigger-reward score reaches the threshold. */
  solved(rollout: Rollout): boolean {
    return (rollout.rewardComponents[this.reward] ?? 0) >= this.options.trigger.threshold;
  }

  async collect(problems: readonly Problem[], ctx: RolloutContext): Promise<CollectedRollouts> {
    const K = this.options.samples ?? ctx.groupSize;
    const groups: RolloutGroup[] = [];
    const pairs: RolloutPair[] = [];
    const first = await this.generate(
      ctx,
      problems.map((problem, index) => ({ problem, groupId: `${ctx.idPrefix}g${index}`, feedback: undefined })),
      K,
      0,
    );
    let pending: Pending[] = [];
    first.forEach((rollouts, index) => {
      const problem = problems[index] as Problem;
      const failed = rollouts.every((r) => !this.solved(r));
      if (failed && this.options.trigger.mode === 'all-failed')
        pending.push({ index, problem, base: rollouts, latest: rollouts });
      else groups.push({ id: `${ctx.idPrefix}g${index}`, problem, rollouts });
    });
    ctx.metric('multiturn/solve_rate/turn0', fraction(first.flat().map((r) => this.solved(r))));
    ctx.metric('multiturn/trigger_rate', problems.length ? pending.length / problems.length : 0);
    ctx.count('multiturn/triggered', pending.length);
    let dropped = 0;
    let trained = 0;
    const triggered = pending.length;
    for (let turn = 1; turn <= this.options.turns && pending.length > 0; turn++) {
      const feedback = await Promise.all(pending.map((p) => this.feedbackFor(p, ctx)));
      const ready = pending.filter((_, i) => feedback[i] !== undefined);
      dropped += pending.length - ready.length;
      ctx.count('multiturn/feedback_missing', pending.length - ready.length);
      const texts = feedback.filter((f): f is string => f !== undefined);
      const regenerated = await this.generate(
        ctx,
        ready.map((p, i) => ({
          problem: p.problem,
          groupId: `${ctx.idPrefix}g${p.index}t${turn}`,
          feedback: texts[i] as string,
        })),
        K,
        turn,
      );
      ctx.metric(`multiturn/solve_rate/turn${turn}`, fraction(regenerated.flat().map((r) => this.solved(r))));
      const next: Pending[] = [];
      ready.forEach((p, i) => {
        const rollouts = regenerated[i] as Rollout[];
        const outcome = turnOutcome(
          rollouts.map((r) => this.solved(r)),
          turn === this.options.turns,
        );
        if (outcome === 'pairs') {
          for (const r of [...rollouts, ...p.base]) r.policyGradient = false;
          groups.push({ id: p.base[0]?.groupId ?? `${ctx.idPrefix}g${p.index}`, problem: p.problem, rollouts: p.base });
          groups.push({ id: `${ctx.idPrefix}g${p.index}t${turn}`, problem: p.problem, rollouts });
          const n = Math.min(rollouts.length, p.base.length);
          for (let k = 0; k < n; k++) {
            pairs.push({ chosen: (rollouts[k] as Rollout).id, rejected: (p.base[k] as Rollout).id, kind: this.options.pairKind });
          }
        } else if (outcome === 'grpo') {
          trained++;
          groups.push({ id: `${ctx.idPrefix}g${p.index}t${turn}`, problem: p.problem, rollouts });
        } else if (outcome === 'next-turn') {
          next.push({ ...p, latest: rollouts });
        } else {
          dropped++;
        }
      });
      pending = next;
    }
    ctx.count('multiturn/regen_groups_trained', trained);
    ctx.count('multiturn/pairs', pairs.length);
    ctx.count('multiturn/dropped', dropped);
    this.totals = {
      steps: this.totals.steps + 1,
      prompts: this.totals.prompts + problems.length,
      triggered: this.totals.triggered + triggered,
      pairs: this.totals.pairs + pairs.length,
      dropped: this.totals.dropped + dropped,
    };
    ctx.metric('multiturn/run_trigger_rate', this.totals.prompts ? this.totals.triggered / this.totals.prompts : 0);
    ctx.metric('multiturn/run_pairs', this.totals.pairs);
    return { groups, pairs };
  }

  /** The merged feedback on a pending prompt's latest (all failed) attempts, counted; undefined when none came back. */
  private async feedbackFor(p: Pending, ctx: RolloutContext): Promise<string | undefined> {
    const { chunkSize, provider } = this.options.feedback;
    const out = await turnFeedback(
      p.problem,
      p.latest.map((r) => r.completionText),
      ctx.feedback,
      provider === undefined ? { chunkSize } : { chunkSize, provider },
    );
    ctx.count('multiturn/feedback_calls', out.calls);
    ctx.count('multiturn/feedback_leaks', out.leaks);
    ctx.count('multiturn/feedback_failures', out.failures);
    return out.text;
  }

  /**
   * K samples of each prompt in one `generate` call, scored: the multi-turn prompt of core's
   * context layout (or, in a `plain` first turn, the problem's prompt), with the feedback block
   * prefilled when `feedback` is given.
   */
  private async generate(
    ctx: RolloutContext,
    items: readonly { problem: Problem; groupId: string; feedback: string | undefined }[],
    K: number,
    turn: number,
  ): Promise<Rollout[][]> {
    if (items.length === 0) return [];
    const plain = turn === 0 && this.options.firstTurn === 'plain';
    const layouts = items.map((it) =>
      plain ? { prompt: it.problem.prompt, prefill: '' } : turnPrompt(it.problem.prompt, it.feedback, this.templates),
    );
    const requests = layouts.flatMap((l) =>
      Array.from({ length: K }, () => (l.prefill === '' ? { prompt: l.prompt } : { prompt: l.prompt, prefill: l.prefill })),
    );
    const sampling = turn === 0 ? ctx.sampling : { ...ctx.sampling, seed: ctx.rng.split(`turn${turn}`).seed() };
    const results = await ctx.policy.generate(requests, sampling);
    if (results.length !== requests.length)
      throw new Error(`policy returned ${results.length} results for ${requests.length} requests`);
    const decode = (ids: readonly number[]) => ctx.policy.tokenizer.decode(ids);
    const out = items.map((it, g) =>
      Array.from({ length: K }, (_, k) =>
        rolloutFromResult(it.problem, results[g * K + k] as (typeof results)[number], {
          id: `${it.groupId}-${k}`,
          groupId: it.groupId,
          turn,
          contextKind: it.feedback === undefined ? 'none' : 'feedback',
          ...(it.feedback === undefined ? {} : { context: it.feedback }),
          prefill: (layouts[g] as { prefill: string }).prefill,
          decode,
        }),
      ),
    );
    await Promise.all(items.map((it, g) => ctx.score(it.problem, out[g] as Rollout[])));
    return out;
  }

  state(): MultiturnState {
    return this.totals;
  }

  restore(state: unknown): void {
    const s = state as Partial<MultiturnState> | null;
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
    this.totals = {
      steps: num(s?.steps),
      prompts: num(s?.prompts),
      triggered: num(s?.triggered),
      pairs: num(s?.pairs),
      dropped: num(s?.dropped),
    };
  }
}

const fraction = (xs: readonly boolean[]) => (xs.length ? xs.filter(Boolean).length / xs.length : 0);
