import { inject, injectable } from 'inversify';
import { z } from 'zod';
import { GenerateBatcher } from '../policy/generate-batcher';
import type { Policy } from '../policy/policy';
import type { Feedback, FeedbackKind, FeedbackRequest } from '../records/feedback';
import type { SamplingParams } from '../records/generation';
import { Tokens } from '../tokens';
import { FeedbackError } from './feedback-error';
import type { FeedbackProvider, ProvideOptions } from './feedback-provider';
import { parseRelevance } from './parse-relevance';
import { DEFAULT_POLICY_TEMPLATES } from './policy-feedback-templates';
import { renderTemplate } from './render-template';
import { feedbackKindsSchema, feedbackTemplatesSchema } from './template-options';
import { templateValues } from './template-values';

/** Options of the `policy` feedback provider. */
export const policyFeedbackOptions = z
  .object({
    /** Kinds it answers (default: all five). */
    kinds: feedbackKindsSchema,
    /** Prompt template per kind, replacing the default (see the core README for the defaults). */
    templates: feedbackTemplatesSchema,
    /** Sampling temperature; 0 = greedy (the default, deterministic). */
    temperature: z.number().min(0).default(0),
    topP: z.number().gt(0).max(1).default(1),
    /** Longest feedback, tokens. */
    maxNewTokens: z.number().int().positive().default(128),
    /** Stop strings (kept in the text). */
    stop: z.array(z.string()).default([]),
    /** Seed of sampled feedback (temperature > 0); each request also mixes in its own content. */
    seed: z.number().int().default(0),
    /** Most attempts shown in one prompt (the latest ones). */
    maxAttempts: z.number().int().positive().default(2),
    /** Longest attempt / reference / feedback text shown, characters. */
    maxChars: z.number().int().min(16).default(2000),
  })
  .strict();

export type PolicyFeedbackOptions = z.output<typeof policyFeedbackOptions>;

function hash(s: string, seed: number): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * Feedback written by the policy itself (catalog id `policy`): the request is laid into the kind's
 * prompt template, the policy generates, and the text is the feedback. `relevance` reads the first
 * number of the reply (`parseRelevance`); a reply without one is a counted `parse` failure, not 0.
 * A prompt that does not fit the policy's context with `maxNewTokens` is a `context` failure
 * (never silently truncated). Concurrent requests share batched `generate` calls.
 */
@injectable()
export class PolicyFeedback implements FeedbackProvider {
  readonly id = 'policy';
  readonly kinds: readonly FeedbackKind[];
  private readonly options: PolicyFeedbackOptions;
  private readonly batcher: GenerateBatcher;

  constructor(
    @inject(Tokens.ChoiceOptions) options: Partial<PolicyFeedbackOptions>,
    @inject(Tokens.Policy) private readonly policy: Policy,
  ) {
    this.options = policyFeedbackOptions.parse(options ?? {});
    this.kinds = this.options.kinds;
    this.batcher = new GenerateBatcher(policy);
  }

  /** The prompt this provider would give the policy for `request`. */
  prompt(request: FeedbackRequest): string {
    const t = this.options.templates[request.kind] ?? DEFAULT_POLICY_TEMPLATES[request.kind];
    return renderTemplate(t, templateValues(request, this.options));
  }

  async provide(request: FeedbackRequest, options: ProvideOptions = {}): Promise<Feedback> {
    if (!this.kinds.includes(request.kind)) {
      throw new FeedbackError(`policy feedback: kind '${request.kind}' is not enabled (kinds: ${this.kinds.join(', ')})`);
    }
    if (request.kind === 'relevance' && request.references?.length !== 1) {
      throw new FeedbackError(
        `policy feedback: a relevance request needs exactly one reference, got ${request.references?.length ?? 0}`,
      );
    }
    const prompt = this.prompt(request);
    const o = this.options;
    const promptTokens = this.policy.tokenizer.encode(prompt).length + (this.policy.tokenizer.bosId === undefined ? 0 : 1);
    if (promptTokens + o.maxNewTokens > this.policy.maxContext) {
      throw new FeedbackError(
        `policy feedback: a ${request.kind} prompt of ${promptTokens} tokens + maxNewTokens ${o.maxNewTokens} exceeds the policy's context of ${this.policy.maxContext} tokens`,
        'context',
      );
    }
    options.signal?.throwIfAborted();
    const sampling: SamplingParams = {
      temperature: o.temperature > 0 ? o.temperature : 1,
      greedy: o.temperature === 0,
      topP: o.topP,
      maxNewTokens: o.maxNewTokens,
      stop: o.stop,
      seed: hash(prompt, o.seed),
    };
    const [result] = await this.batcher.generate([{ prompt }], sampling);
    options.signal?.throwIfAborted();
    const text = (result?.text ?? '').trim();
    if (request.kind === 'relevance') return { kind: 'relevance', text, score: parseRelevance(text) };
    return { kind: request.kind, text };
  }
}
