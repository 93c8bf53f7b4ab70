import {
  type CollectedRollouts,
  type ContextKind,
  type FeedbackClient,
  type GenerationRequest,
  inject,
  injectable,
  optional,
  type Policy,
  type Problem,
  Rng,
  type Rollout,
  type RolloutContext,
  type RolloutGroup,
  type RolloutStrategy,
  rolloutFromResult,
  scoreLogProbs,
  type TaskSource,
  Tokens,
} from '@trellis/core';
import { type AbstractionCounts, emptyCounts, RelevantAbstraction } from '../abstraction/relevant-abstraction';
import { abstractionPrompt, reflectionPrompt } from '../context/feedback-aware-prompt';
import { LanpoEvaluator } from '../eval/lanpo-evaluator';
import { ExperiencePool } from '../pool/experience-pool';
import { type LanpoOptions, lanpoOptions } from './lanpo-options';
import { type LanpoState, lanpoStateSchema } from './lanpo-state';
import { type GroupPlan, planGroup } from './plan-group';
import { ProblemSchedule } from './problem-schedule';

/** One planned sample: its kind and prompt. */
interface Planned {
  readonly kind: ContextKind;
  readonly request: GenerationRequest;
  readonly context?: string;
}

const KINDS = ['none', 'reflection', 'abstraction'] as const;

/**
 * LANPO rollouts (catalog id `lanpo`, arXiv 2510.16552): each group mixes from-scratch samples
 * with feedback-aware ones once the experience pool gives the problem any context: reflection on
 * the problem's own earlier attempts (reward-agnostic) and principles abstracted from relevant
 * other problems. Every sample's behaviour log-probs come from the prompt that produced it; the
 * context sits in the prompt, never in the completion, so it is never trained on. Numerical
 * rewards alone drive the update. The pool, the abstraction cache and the problem schedule are the
 * checkpointed `state()`. Metrics are listed in the package README (`lanpo/*`).
 */
@injectable()
export class LanpoRolloutStrategy implements RolloutStrategy {
  readonly id = 'lanpo';
  readonly options: LanpoOptions;
  private pool: ExperiencePool;
  private readonly abstraction: RelevantAbstraction;
  private readonly schedule: ProblemSchedule;

  constructor(
    @inject(Tokens.ChoiceOptions) options: unknown,
    @inject(Tokens.TaskSource) @optional() task?: TaskSource,
    @inject(Tokens.Rng) @optional() rng?: Rng,
    @inject(Tokens.FeedbackService) @optional() private readonly feedback?: FeedbackClient,
  ) {
    this.options = lanpoOptions.parse(options ?? {});
    this.pool = new ExperiencePool(this.options.pool);
    this.abstraction = new RelevantAbstraction(this.options.abstraction);
    this.schedule = new ProblemSchedule(this.options.problems, task, (rng ?? Rng.fromSeed(0)).split('lanpo-schedule'));
  }

  /** Refuse, before training, abstraction without a provider that answers it. */
  async init(): Promise<void> {
    if (this.feedback && this.usesAbstraction()) this.abstraction.check(this.feedback);
  }

  /** The experience pool (read-only use: statistics, augmented evaluation). */
  get experience(): ExperiencePool {
    return this.pool;
  }

  /**
   * The run's evaluator (core `EvaluatorSource`): zero-shot, then feedback-augmented answers from
   * this strategy's pool as it is when the evaluation runs (restored from the checkpoint on resume
   * or in `trellis eval` of a run).
   */
  evaluator(): LanpoEvaluator {
    const { augment, abstraction, templates } = this.options;
    return new LanpoEvaluator(() => this.pool, { augment, abstraction, templates });
  }

  async collect(given: readonly Problem[], ctx: RolloutContext): Promise<CollectedRollouts> {
    if (this.usesAbstraction()) this.abstraction.check(ctx.feedback);
    const { problems, replayed } = this.schedule.next(given, this.pool, ctx.rng.split('replay'));
    ctx.count('lanpo/replayed', replayed);
    const counts = emptyCounts();
    const plans: Planned[][] = [];
    for (const problem of problems) plans.push(await this.plan(problem, ctx, counts));
    const results = await ctx.policy.generate(
      plans.flatMap((p) => p.map((s) => s.request)),
      ctx.sampling,
    );
    const total = plans.reduce((a, p) => a + p.length, 0);
    if (results.length < total) throw new Error(`policy returned ${results.length} results for ${total} requests`);
    let next = 0;
    const groups: RolloutGroup[] = problems.map((problem, g) => {
      const groupId = `${ctx.idPrefix}g${g}`;
      const rollouts = (plans[g] ?? []).map((s, k) =>
        rolloutFromResult(problem, results[next++] as (typeof results)[number], {
          id: `${groupId}-${k}`,
          groupId,
          subGroup: s.kind,
          contextKind: s.kind,
          ...(s.context !== undefined ? { context: s.context } : {}),
        }),
      );
      return { id: groupId, problem, rollouts };
    });
    if (this.options.stripContext) stripContext(groups, ctx.policy);
    await Promise.all(groups.map((g) => ctx.score(g.problem, g.rollouts)));
    for (const g of groups) {
      for (const r of g.rollouts) ctx.metric(`lanpo/reward_${r.contextKind}`, r.reward);
      this.pool.add(g.problem, g.rollouts.map(attemptOf), ctx.step);
    }
    this.report(ctx, counts);
    return { groups };
  }

  /** The samples of one problem's group: from scratch, then reflection, then abstraction. */
  private async plan(problem: Problem, ctx: RolloutContext, counts: AbstractionCounts): Promise<Planned[]> {
    const o = this.options;
    const attempts = this.pool.attempts(problem.id).slice(-o.reflectionAttempts);
    const reflection = attempts.length > 0;
    ctx.metric('lanpo/reflection_possible', reflection ? 1 : 0);
    let principles = '';
    const wouldAbstract = planGroup(ctx.groupSize, o, { reflection, abstraction: true }).abstraction > 0;
    if (wouldAbstract && this.pool.others(problem.id).length > 0) {
      principles = await this.abstraction.principlesFor(problem, this.pool, ctx.feedback, ctx.step, counts);
    }
    if (this.usesAbstraction()) ctx.metric('lanpo/abstraction_possible', principles !== '' ? 1 : 0);
    const plan: GroupPlan = planGroup(ctx.groupSize, o, { reflection, abstraction: principles !== '' });
    ctx.metric('lanpo/aware_frac', (ctx.groupSize - plan.none) / Math.max(1, ctx.groupSize));
    const out: Planned[] = [];
    for (const kind of KINDS) {
      const n = plan[kind];
      ctx.count(`lanpo/samples_${kind}`, n);
      if (n === 0) continue;
      const built =
        kind === 'none'
          ? undefined
          : kind === 'reflection'
            ? reflectionPrompt(problem, attempts, o.templates)
            : abstractionPrompt(problem, principles, o.templates);
      if (built) ctx.metric('lanpo/context_chars', built.context.length);
      for (let k = 0; k < n; k++) {
        out.push(
          built
            ? { kind, request: { prompt: built.prompt }, context: built.context }
            : { kind, request: { prompt: problem.prompt } },
        );
      }
    }
    return out;
  }

  private usesAbstraction(): boolean {
    return this.options.awareFraction > 0 && this.options.reflectionShare < 1;
  }

  private report(ctx: RolloutContext, counts: AbstractionCounts): void {
    const s = this.pool.stats();
    ctx.metric('lanpo/pool_problems', s.problems);
    ctx.metric('lanpo/pool_attempts', s.attempts);
    ctx.metric('lanpo/pool_global', s.global);
    ctx.metric('lanpo/pool_evictions', s.evictions);
    if (!this.usesAbstraction()) return;
    ctx.count('lanpo/abstraction_cache_hits', counts.cacheHits);
    ctx.count('lanpo/relevance_candidates', counts.candidates);
    ctx.count('lanpo/relevance_requests', counts.relevanceRequests);
    ctx.count('lanpo/relevance_failed', counts.relevanceFailed);
    ctx.count('lanpo/relevance_kept', counts.kept);
    ctx.count('lanpo/abstraction_requests', counts.abstractionRequests);
    ctx.count('lanpo/abstraction_failed', counts.abstractionFailed);
  }

  state(): LanpoState {
    return { version: 1, pool: this.pool.toJSON(), abstractionCache: this.abstraction.state(), schedule: this.schedule.state() };
  }

  restore(state: unknown): void {
    const parsed = lanpoStateSchema.safeParse(state);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`lanpo strategy state: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
    }
    this.pool = ExperiencePool.fromJSON(parsed.data.pool, this.options.pool, 'lanpo strategy state: pool');
    this.abstraction.restore(parsed.data.abstractionCache);
    this.schedule.restore(parsed.data.schedule);
  }
}

/** Rollouts per `Policy.logProbs` call when stripped samples are rescored. */
const STRIP_CHUNK = 64;

/**
 * The strip-context variant: every feedback-aware rollout gets the bare problem prompt's ids and
 * behaviour log-probs recomputed under them (no gradient); its `context` stays for the logs.
 */
function stripContext(groups: RolloutGroup[], policy: Policy): void {
  const at: { group: RolloutGroup; k: number; rollout: Rollout }[] = [];
  for (const group of groups) {
    group.rollouts.forEach((r, k) => {
      if (r.contextKind === 'none') return;
      const { promptTruncated: _cut, ...rest } = r;
      at.push({ group, k, rollout: { ...rest, promptIds: policy.encodePrompt(group.problem.prompt) } });
    });
  }
  if (at.length === 0) return;
  const logProbs = scoreLogProbs(
    policy,
    at.map((x) => x.rollout),
    STRIP_CHUNK,
  );
  at.forEach(({ group, k, rollout }, i) => {
    group.rollouts[k] = { ...rollout, behaviourLogProbs: logProbs[i] as number[] };
  });
}

const attemptOf = (r: Rollout) => ({ text: r.completionText, reward: r.reward });
