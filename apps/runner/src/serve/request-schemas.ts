import { z } from '@trellis/core';

/** Most choices (`n`) one request may ask for. */
export const MAX_N = 16;
/** Most prompts one `/v1/completions` request may carry (an array prompt). */
export const MAX_PROMPTS = 16;
/** Most stop sequences (as in the OpenAI API). */
export const MAX_STOP = 4;

const onlyDefault = <T extends z.ZodType>(schema: T, ok: (v: z.output<T>) => boolean, what: string) =>
  schema
    .refine(ok, { message: `not supported by this server (${what})` })
    .nullable()
    .optional();

/** Sampling fields shared by both endpoints. */
const sampling = {
  model: z.string().min(1),
  n: z.number().int().min(1).max(MAX_N).nullable().optional(),
  max_tokens: z.number().int().min(1).nullable().optional(),
  /** 0 = greedy decoding. */
  temperature: z.number().min(0).max(2).nullable().optional(),
  /** Nucleus mass; 0 = greedy decoding, 1 = off. */
  top_p: z.number().min(0).max(1).nullable().optional(),
  /** Extension (as in vLLM): keep the k most likely tokens, 0 = off. */
  top_k: z.number().int().min(0).nullable().optional(),
  stop: z
    .union([z.string().min(1), z.array(z.string().min(1)).max(MAX_STOP)])
    .nullable()
    .optional(),
  seed: z.number().int().nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z
    .strictObject({ include_usage: z.boolean().optional(), include_obfuscation: z.boolean().optional() })
    .nullable()
    .optional(),
  user: z.string().optional(),
  presence_penalty: onlyDefault(z.number(), (v) => v === 0, 'only 0'),
  frequency_penalty: onlyDefault(z.number(), (v) => v === 0, 'only 0'),
  logit_bias: onlyDefault(z.record(z.string(), z.number()), (v) => Object.keys(v).length === 0, 'only {}'),
};

/** Body of `POST /v1/completions`. */
export const completionRequest = z.strictObject({
  ...sampling,
  prompt: z.union([z.string(), z.array(z.string()).min(1).max(MAX_PROMPTS)]),
  logprobs: onlyDefault(z.number(), (v) => v === 0, 'only null'),
  echo: onlyDefault(z.boolean(), (v) => !v, 'only false'),
  best_of: onlyDefault(z.number().int(), (v) => v === 1, 'only 1'),
  suffix: onlyDefault(z.string(), (v) => v === '', 'only null'),
});

export type CompletionRequest = z.output<typeof completionRequest>;

const textPart = z.strictObject({ type: z.literal('text'), text: z.string() });

/** One chat message; `developer` is treated as `system`. Tool and image content is not supported. */
export const chatMessage = z.strictObject({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.union([z.string(), z.array(textPart)]),
  name: z.string().optional(),
});

export type ChatMessage = z.output<typeof chatMessage>;

/** Body of `POST /v1/chat/completions`. */
export const chatRequest = z.strictObject({
  ...sampling,
  messages: z.array(chatMessage).min(1),
  /** Newer name of `max_tokens`; wins when both are given. */
  max_completion_tokens: z.number().int().min(1).nullable().optional(),
  logprobs: onlyDefault(z.boolean(), (v) => !v, 'only false'),
  top_logprobs: onlyDefault(z.number(), (v) => v === 0, 'only null'),
});

export type ChatRequest = z.output<typeof chatRequest>;
