import type { FinishedChoice, GenerationPlan } from './generation-plan';

/** `usage` of a response: prompt tokens once per prompt, completion tokens summed over choices. */
export interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

/** Identity shared by every object of one response (and every chunk of one stream). */
export interface ResponseMeta {
  readonly id: string;
  readonly created: number;
  readonly model: string;
}

/** Usage of `choices` generated for `plan`. */
export function usageOf(plan: GenerationPlan, choices: readonly FinishedChoice[]): Usage {
  const prompt = plan.promptTokens.reduce((a, b) => a + b, 0);
  const completion = choices.reduce((a, c) => a + c.completionTokens, 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** Builders of the JSON bodies and stream chunks of both endpoints, OpenAI API shapes. */
export const responses = {
  completion(meta: ResponseMeta, choices: readonly FinishedChoice[], usage: Usage) {
    return {
      id: meta.id,
      object: 'text_completion',
      created: meta.created,
      model: meta.model,
      choices: choices.map((c, index) => ({ text: c.text, index, logprobs: null, finish_reason: c.finishReason })),
      usage,
    };
  },

  completionChunk(meta: ResponseMeta, index: number, text: string, finish: string | null) {
    return {
      id: meta.id,
      object: 'text_completion',
      created: meta.created,
      model: meta.model,
      choices: [{ text, index, logprobs: null, finish_reason: finish }],
    };
  },

  chat(meta: ResponseMeta, choices: readonly FinishedChoice[], usage: Usage) {
    return {
      id: meta.id,
      object: 'chat.completion',
      created: meta.created,
      model: meta.model,
      choices: choices.map((c, index) => ({
        index,
        message: { role: 'assistant', content: c.text, refusal: null },
        logprobs: null,
        finish_reason: c.finishReason,
      })),
      usage,
    };
  },

  chatChunk(meta: ResponseMeta, index: number, delta: { role?: 'assistant'; content?: string }, finish: string | null) {
    return {
      id: meta.id,
      object: 'chat.completion.chunk',
      created: meta.created,
      model: meta.model,
      choices: [{ index, delta, logprobs: null, finish_reason: finish }],
    };
  },

  /** The last chunk of a stream with `stream_options.include_usage`: no choices, the usage. */
  usageChunk(meta: ResponseMeta, object: 'text_completion' | 'chat.completion.chunk', usage: Usage) {
    return { id: meta.id, object, created: meta.created, model: meta.model, choices: [], usage };
  },
};
