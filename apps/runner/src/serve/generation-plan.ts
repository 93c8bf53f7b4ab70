import { randomInt } from 'node:crypto';
import type { GenerationRequest, GenerationResult, Policy, SamplingParams } from '@trellis/core';
import { choiceSeed } from './choice-seed';
import { OpenAiError } from './openai-error';

/** What a request asks for, endpoint-independent (already schema-validated). */
export interface PlanInput {
  readonly prompts: readonly string[];
  /** Field the prompt came from (`prompt` or `messages`), named in context errors. */
  readonly promptParam: string;
  readonly n: number;
  /** Explicit completion cap, or undefined for the server default (clamped to the room left). */
  readonly maxTokens: number | undefined;
  /** Field the cap came from (`max_tokens` or `max_completion_tokens`). */
  readonly maxTokensParam: string;
  readonly temperature: number;
  readonly topP: number;
  readonly topK: number;
  /** Stop sequences: the request's, then the chat template's. */
  readonly stop: readonly string[];
  readonly seed: number | undefined;
}

/** The rows and sampling of one request, ready for the batcher. */
export interface GenerationPlan {
  /** Prompt tokens per prompt (BOS included), counted once per prompt in `usage`. */
  readonly promptTokens: readonly number[];
  /** `prompts.length x n` rows, prompt-major: row i is OpenAI choice index i. */
  readonly requests: readonly GenerationRequest[];
  readonly sampling: SamplingParams;
  readonly stop: readonly string[];
}

/** One finished choice. */
export interface FinishedChoice {
  readonly text: string;
  readonly finishReason: 'stop' | 'length';
  readonly completionTokens: number;
}

/** Tokens `prompt` takes in the model's context (BOS included), never truncated. */
export function promptTokenCount(policy: Policy, prompt: string): number {
  const raw = policy.tokenizer.encode(prompt).length + (policy.tokenizer.bosId === undefined ? 0 : 1);
  let fed = 0;
  try {
    fed = policy.encodePrompt(prompt).length;
  } catch (e) {
    throw OpenAiError.invalid('prompt', `the prompt cannot be encoded: ${(e as Error).message}`);
  }
  return Math.max(raw, fed);
}

/**
 * Check the request against the model's context (400 naming the prompt or `max_tokens` when it
 * does not fit; nothing is ever truncated), pick the completion cap and build one row per choice,
 * each with its own seed (derived from the request's, or random when it has none).
 */
export function planGeneration(policy: Policy, input: PlanInput, defaultMaxTokens: number): GenerationPlan {
  const ctx = policy.maxContext;
  const promptTokens = input.prompts.map((p) => promptTokenCount(policy, p));
  const longest = Math.max(...promptTokens);
  if (longest >= ctx) {
    throw OpenAiError.invalid(
      input.promptParam,
      `This model's maximum context length is ${ctx} tokens. However, your prompt is ${longest} tokens, which leaves no room for a completion. Please reduce the length of the ${input.promptParam}.`,
      'context_length_exceeded',
    );
  }
  const room = ctx - longest;
  if (input.maxTokens !== undefined && input.maxTokens > room) {
    throw OpenAiError.invalid(
      input.maxTokensParam,
      `This model's maximum context length is ${ctx} tokens. However, you requested ${longest + input.maxTokens} tokens (${longest} in the ${input.promptParam}, ${input.maxTokens} in the completion). Please reduce the length of the ${input.promptParam} or ${input.maxTokensParam}.`,
      'context_length_exceeded',
    );
  }
  const maxNewTokens = input.maxTokens ?? Math.min(defaultMaxTokens, room);
  const greedy = input.temperature === 0 || input.topP === 0;
  const stop = [...new Set(input.stop)];
  const sampling: SamplingParams = {
    temperature: greedy ? 1 : input.temperature,
    greedy,
    maxNewTokens,
    ...(input.topP > 0 && input.topP < 1 ? { topP: input.topP } : {}),
    ...(input.topK > 0 ? { topK: input.topK } : {}),
    ...(stop.length > 0 ? { stop } : {}),
  };
  const requests: GenerationRequest[] = [];
  for (const prompt of input.prompts) {
    for (let i = 0; i < input.n; i++) {
      const index = requests.length;
      requests.push({ prompt, seed: input.seed === undefined ? randomInt(0, 2 ** 32) : choiceSeed(input.seed, index) });
    }
  }
  return { promptTokens, requests, sampling, stop };
}

/**
 * A policy result as an OpenAI choice: text cut at the first stop sequence (which is not
 * returned), `finish_reason` `stop` for EOS or a stop sequence and `length` for the cap or the
 * end of the context.
 */
export function finishChoice(result: GenerationResult, stop: readonly string[]): FinishedChoice {
  let cut = -1;
  for (const s of stop) {
    const at = result.text.indexOf(s);
    if (at >= 0 && (cut < 0 || at < cut)) cut = at;
  }
  const completionTokens = result.completionIds.length;
  if (cut >= 0) return { text: result.text.slice(0, cut), finishReason: 'stop', completionTokens };
  return { text: result.text, finishReason: result.finishReason === 'length' ? 'length' : 'stop', completionTokens };
}
