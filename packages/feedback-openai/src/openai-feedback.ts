import {
  type Feedback,
  FeedbackError,
  type FeedbackKind,
  type FeedbackProvider,
  type FeedbackRequest,
  inject,
  injectable,
  type ProvideOptions,
  parseRelevance,
  renderTemplate,
  Tokens,
  templateValues,
} from '@trellis/core';
import OpenAI from 'openai';
import { type OpenaiFeedbackOptions, openaiFeedbackOptions } from './openai-feedback-options';
import { DEFAULT_OPENAI_TEMPLATES, DEFAULT_SYSTEM_PROMPT } from './openai-templates';
import { toFeedbackError } from './to-feedback-error';

/** The chat messages of one request. */
export type ChatMessages = { role: 'system' | 'user'; content: string }[];

/**
 * Feedback from any OpenAI-compatible chat endpoint (catalog id `openai`) through the official
 * `openai` client: vLLM, SGLang, llama.cpp server, OpenAI, or `trellis serve`. The client does no
 * retries and no timeouts of its own: the feedback service's per-attempt timeout aborts the HTTP
 * request through the signal, and its retries (transient failures only) are counted.
 */
@injectable()
export class OpenaiFeedback implements FeedbackProvider {
  readonly id = 'openai';
  readonly kinds: readonly FeedbackKind[];
  readonly options: OpenaiFeedbackOptions;
  private readonly client: OpenAI;

  constructor(@inject(Tokens.ChoiceOptions) options: Partial<OpenaiFeedbackOptions>) {
    this.options = openaiFeedbackOptions.parse(options ?? {});
    this.kinds = this.options.kinds;
    const env = this.options.apiKeyEnv;
    const apiKey = env ? process.env[env] : 'not-needed';
    if (env && !apiKey) {
      throw new Error(`feedback 'openai': environment variable ${env} (options.apiKeyEnv) is not set or empty`);
    }
    this.client = new OpenAI({
      baseURL: this.options.baseURL,
      apiKey,
      maxRetries: 0,
      timeout: 24 * 3600 * 1000,
      defaultHeaders: this.options.headers,
    });
  }

  /** The messages this provider sends for `request`. */
  messages(request: FeedbackRequest): ChatMessages {
    const o = this.options;
    const user = renderTemplate(o.templates[request.kind] ?? DEFAULT_OPENAI_TEMPLATES[request.kind], templateValues(request, o));
    return [
      { role: 'system', content: o.system ?? DEFAULT_SYSTEM_PROMPT },
      { role: 'user', content: user },
    ];
  }

  async provide(request: FeedbackRequest, options: ProvideOptions = {}): Promise<Feedback> {
    if (!this.kinds.includes(request.kind)) {
      throw new FeedbackError(`openai feedback: kind '${request.kind}' is not enabled (kinds: ${this.kinds.join(', ')})`);
    }
    if (request.kind === 'relevance' && request.references?.length !== 1) {
      throw new FeedbackError(
        `openai feedback: a relevance request needs exactly one reference, got ${request.references?.length ?? 0}`,
      );
    }
    const o = this.options;
    const where = `openai feedback (${o.baseURL}, model ${o.model})`;
    let content: string | null | undefined;
    try {
      const reply = await this.client.chat.completions.create(
        {
          model: o.model,
          messages: this.messages(request),
          temperature: o.temperature,
          max_tokens: o.maxTokens,
          ...(o.seed !== undefined ? { seed: o.seed } : {}),
        },
        { ...(options.signal ? { signal: options.signal } : {}) },
      );
      content = reply.choices?.[0]?.message?.content;
    } catch (e) {
      throw toFeedbackError(e, options.signal, where);
    }
    if (typeof content !== 'string') throw new FeedbackError(`${where}: the reply has no message content`, 'parse');
    const text = content.trim();
    if (request.kind === 'relevance') return { kind: 'relevance', text, score: parseRelevance(text) };
    return { kind: request.kind, text };
  }
}
