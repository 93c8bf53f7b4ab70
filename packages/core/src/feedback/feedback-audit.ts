import { appendFileSync, existsSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { inject, injectable } from 'inversify';
import { z } from 'zod';
import type { ResolvedConfig } from '../config/experiment-config';
import { ConfigError } from '../errors/trellis-error';
import { feedbackRequest } from '../records/feedback';
import type { RolloutBatch } from '../records/rollout';
import { Tokens } from '../tokens';
import type { RunInfo, StepContext, TrainerContribution } from '../trainer/trainer-contribution';
import type { FeedbackService } from './feedback-service';

/** Options of the `feedback-audit` contribution. */
export const feedbackAuditOptions = z
  .object({
    /** Which kind to ask for about each chosen rollout. */
    kind: z.enum(['critique', 'reflection']).default('critique'),
    /** Provider name (default: the first that answers `kind`). */
    provider: z.string().min(1).optional(),
    /** Rollouts audited per step (from distinct groups first). */
    perStep: z.number().int().positive().default(4),
    /** Audit only rollouts the accuracy reward scored as wrong, or any. */
    select: z.enum(['failed', 'any']).default('failed'),
    /** File in the run directory. */
    file: z.string().min(1).default('feedback.jsonl'),
  })
  .strict();

export type FeedbackAuditOptions = z.output<typeof feedbackAuditOptions>;

/**
 * Asks the configured feedback provider about a few rollouts each step and writes every request
 * and outcome to `<runDir>/feedback.jsonl` (catalog id `feedback-audit`). It changes nothing in
 * training: use it to see what a provider would say (and how often it fails, times out or leaks)
 * before a strategy relies on it. Its file is cut back to the checkpoint on `--resume`.
 */
@injectable()
export class FeedbackAudit implements TrainerContribution {
  readonly id = 'feedback-audit';
  private path: string | undefined;
  private restoredBytes: number | undefined;

  constructor(
    @inject(Tokens.ChoiceOptions) private readonly options: FeedbackAuditOptions,
    @inject(Tokens.FeedbackService) private readonly feedback: FeedbackService,
    @inject(Tokens.Config) private readonly config: ResolvedConfig,
  ) {
    const accuracy = config.trainer.accuracyReward;
    const names = config.rewards.map((r) => r.name ?? r.use);
    if (options.select === 'failed' && !names.includes(accuracy)) {
      throw new ConfigError(
        `feedback-audit selects failed rollouts by trainer.accuracyReward '${accuracy}', but no reward has that name (rewards: ${names.join(', ') || 'none'}); set trainer.accuracyReward, or the contribution's select: any`,
      );
    }
  }

  onRunStart(info: RunInfo): void {
    if (!info.runDir) return;
    this.path = join(info.runDir, this.options.file);
    if (this.restoredBytes !== undefined && existsSync(this.path)) truncateSync(this.path, this.restoredBytes);
  }

  async afterScoring(batch: RolloutBatch, ctx: StepContext): Promise<void> {
    const o = this.options;
    const accuracy = this.config.trainer.accuracyReward;
    const candidates = batch.groups.map((g) =>
      g.rollouts.filter((r) => o.select === 'any' || (r.rewardComponents[accuracy] ?? 0) <= 0.5).map((r) => ({ g, r })),
    );
    const chosen: (typeof candidates)[number] = [];
    for (let round = 0; chosen.length < o.perStep && candidates.some((c) => c.length > round); round++) {
      for (const c of candidates) {
        const pick = c[round];
        if (pick && chosen.length < o.perStep) chosen.push(pick);
      }
    }
    const outcomes = await Promise.all(
      chosen.map(async ({ g, r }) => {
        const started = performance.now();
        const result = await this.feedback.request(
          feedbackRequest(g.problem, o.kind, { attempts: [{ text: r.completionText }] }),
          {
            ...(o.provider ? { provider: o.provider } : {}),
          },
        );
        return { g, r, result, ms: performance.now() - started };
      }),
    );
    ctx.count('feedback_audit/requests', outcomes.length);
    if (!this.path) return;
    const lines = outcomes.map(({ g, r, result, ms }) =>
      JSON.stringify({
        step: ctx.step,
        problemId: g.problem.id,
        rolloutId: r.id,
        kind: o.kind,
        attempt: r.completionText,
        ok: result.ok,
        provider: result.provider,
        attempts: result.attempts,
        ms: Math.round(ms),
        ...(result.ok
          ? {
              text: result.feedback.text,
              leaks: result.leaks,
              redacted: result.feedback.redacted === true,
              cached: result.cached,
            }
          : { reason: result.reason, message: result.message }),
      }),
    );
    if (lines.length) appendFileSync(this.path, `${lines.join('\n')}\n`);
  }

  state(): unknown {
    return { bytes: this.path && existsSync(this.path) ? statSync(this.path).size : 0 };
  }

  restore(state: unknown): void {
    const bytes = (state as { bytes?: unknown } | undefined)?.bytes;
    if (typeof bytes === 'number') this.restoredBytes = bytes;
  }
}
