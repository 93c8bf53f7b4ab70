import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { Policy, z } from '@trellis/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type ChatTemplate, renderChat } from './chat-template';
import { finishChoice, type GenerationPlan, type PlanInput, planGeneration } from './generation-plan';
import type { GenerationQueue } from './generation-queue';
import { fromZodError, OpenAiError } from './openai-error';
import { chatRequest, completionRequest } from './request-schemas';
import { type ResponseMeta, responses, usageOf } from './responses';

/** What the routes need from the server. */
export interface RouteContext {
  readonly policy: Policy;
  readonly queue: GenerationQueue;
  readonly modelId: string;
  readonly created: number;
  readonly defaultMaxTokens: number;
  readonly chatTemplate: ChatTemplate;
  readonly log: (line: string) => void;
}

type Sampling = z.output<typeof completionRequest> | z.output<typeof chatRequest>;

function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const r = schema.safeParse(body);
  if (!r.success) throw fromZodError(r.error);
  return r.data;
}

function samplingInput(ctx: RouteContext, body: Sampling) {
  if (body.model !== ctx.modelId) {
    throw new OpenAiError(
      404,
      `The model '${body.model}' does not exist; this server serves '${ctx.modelId}'.`,
      'model',
      'model_not_found',
    );
  }
  const stop = body.stop == null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop;
  return {
    n: body.n ?? 1,
    temperature: body.temperature ?? 1,
    topP: body.top_p ?? 1,
    topK: body.top_k ?? 0,
    stop,
    seed: body.seed ?? undefined,
  };
}

const sse = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;

/**
 * Answer `plan` as a server-sent event stream: `head` chunks at once, then (when the merged batch
 * finishes, as the policy returns whole completions) `body` chunks, the usage chunk when asked
 * for and `data: [DONE]`. A generation error after the headers went out is sent as an
 * `{ error }` event, which the OpenAI clients raise.
 */
function stream(
  reply: FastifyReply,
  pending: Promise<unknown>,
  write: { head: () => unknown[]; body: () => unknown[] },
  log: (line: string) => void,
): FastifyReply {
  const out = new PassThrough();
  reply
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache')
    .header('x-accel-buffering', 'no');
  for (const c of write.head()) out.write(sse(c));
  pending.then(
    () => {
      for (const c of write.body()) out.write(sse(c));
      out.end('data: [DONE]\n\n');
    },
    (e: unknown) => {
      log(`error while streaming: ${(e as Error)?.stack ?? String(e)}`);
      out.end(sse(new OpenAiError(500, 'The server had an error while generating.').toJSON()));
    },
  );
  return reply.send(out);
}

/** Register `GET /v1/models`, `GET /v1/models/:model`, `POST /v1/completions`, `POST /v1/chat/completions`. */
export function registerOpenAiRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const model = { id: ctx.modelId, object: 'model', created: ctx.created, owned_by: 'trellis' };
  const meta = (prefix: string): ResponseMeta => ({
    id: `${prefix}-${randomUUID().replaceAll('-', '')}`,
    created: Math.floor(Date.now() / 1000),
    model: ctx.modelId,
  });

  app.get('/v1/models', async () => ({ object: 'list', data: [model] }));
  app.get<{ Params: { model: string } }>('/v1/models/:model', async (req) => {
    if (req.params.model !== ctx.modelId) {
      throw new OpenAiError(404, `The model '${req.params.model}' does not exist.`, 'model', 'model_not_found');
    }
    return model;
  });

  // Not async: a full queue throws its 429 here, before any stream headers are sent.
  const run = (plan: GenerationPlan) => ctx.queue.submit(plan).then((rs) => rs.map((r) => finishChoice(r, plan.stop)));

  app.post('/v1/completions', async (req, reply) => {
    const body = parseBody(completionRequest, req.body);
    const input: PlanInput = {
      ...samplingInput(ctx, body),
      prompts: typeof body.prompt === 'string' ? [body.prompt] : body.prompt,
      promptParam: 'prompt',
      maxTokens: body.max_tokens ?? undefined,
      maxTokensParam: 'max_tokens',
    };
    const plan = planGeneration(ctx.policy, input, ctx.defaultMaxTokens);
    const m = meta('cmpl');
    if (!body.stream) {
      const choices = await run(plan);
      return responses.completion(m, choices, usageOf(plan, choices));
    }
    const pending = run(plan);
    let choices: Awaited<typeof pending> = [];
    const usage = body.stream_options?.include_usage === true;
    return stream(
      reply,
      pending.then((c) => {
        choices = c;
      }),
      {
        head: () => [],
        body: () => [
          ...choices.map((c, i) => responses.completionChunk(m, i, c.text, c.finishReason)),
          ...(usage ? [responses.usageChunk(m, 'text_completion', usageOf(plan, choices))] : []),
        ],
      },
      ctx.log,
    );
  });

  app.post('/v1/chat/completions', async (req, reply) => {
    const body = parseBody(chatRequest, req.body);
    const sampling = samplingInput(ctx, body);
    const useCompletionCap = body.max_completion_tokens != null;
    const input: PlanInput = {
      ...sampling,
      stop: [...sampling.stop, ...ctx.chatTemplate.stop],
      prompts: [renderChat(ctx.chatTemplate, body.messages)],
      promptParam: 'messages',
      maxTokens: (useCompletionCap ? body.max_completion_tokens : body.max_tokens) ?? undefined,
      maxTokensParam: useCompletionCap ? 'max_completion_tokens' : 'max_tokens',
    };
    const plan = planGeneration(ctx.policy, input, ctx.defaultMaxTokens);
    const m = meta('chatcmpl');
    if (!body.stream) {
      const choices = await run(plan);
      return responses.chat(m, choices, usageOf(plan, choices));
    }
    const pending = run(plan);
    let choices: Awaited<typeof pending> = [];
    const usage = body.stream_options?.include_usage === true;
    const indices = plan.requests.map((_, i) => i);
    return stream(
      reply,
      pending.then((c) => {
        choices = c;
      }),
      {
        head: () => indices.map((i) => responses.chatChunk(m, i, { role: 'assistant', content: '' }, null)),
        body: () => [
          ...choices.flatMap((c, i) => [
            ...(c.text === '' ? [] : [responses.chatChunk(m, i, { content: c.text }, null)]),
            responses.chatChunk(m, i, {}, c.finishReason),
          ]),
          ...(usage ? [responses.usageChunk(m, 'chat.completion.chunk', usageOf(plan, choices))] : []),
        ],
      },
      ctx.log,
    );
  });
}
