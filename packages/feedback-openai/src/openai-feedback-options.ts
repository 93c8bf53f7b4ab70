import { feedbackKindsSchema, feedbackTemplatesSchema, z } from '@trellis/core';

/**
 * Options of the `openai` feedback provider. Timeout, retries and concurrency are set on the
 * feedback entry itself (`timeoutMs`, `retries`, `concurrency` next to `use:`), where the feedback
 * service applies and counts them for every provider.
 */
export const openaiFeedbackOptions = z
  .object({
    /** Base URL of the OpenAI-compatible API, including `/v1` (e.g. `http://127.0.0.1:8000/v1`). */
    baseURL: z.url({ protocol: /^https?$/ }),
    /** Model name sent with each request (`GET /v1/models` lists what the server has). */
    model: z.string().min(1),
    /**
     * Name of the environment variable that holds the API key (e.g. `OPENAI_API_KEY`). Unset: no
     * key is needed (local vLLM / SGLang / llama.cpp / trellis serve) and a placeholder is sent.
     */
    apiKeyEnv: z.string().min(1).optional(),
    /** Sampling temperature (0 = deterministic, as in MulFeRL's release). */
    temperature: z.number().min(0).max(2).default(0),
    /** Most tokens per reply (`max_tokens`). */
    maxTokens: z.number().int().positive().default(512),
    /** Seed sent with each request, for servers that honour it. */
    seed: z.number().int().optional(),
    /** Kinds this provider answers (default: all five). */
    kinds: feedbackKindsSchema,
    /** System message of every request. */
    system: z.string().optional(),
    /** User-message template per kind, replacing the default. */
    templates: feedbackTemplatesSchema,
    /** Most attempts shown in one request (the latest ones). */
    maxAttempts: z.number().int().positive().default(2),
    /** Longest attempt / reference / feedback text shown, characters. */
    maxChars: z.number().int().min(16).default(4000),
    /** Extra HTTP headers sent with every request. */
    headers: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type OpenaiFeedbackOptions = z.output<typeof openaiFeedbackOptions>;
