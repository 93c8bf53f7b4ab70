import { FeedbackError } from '@trellis/core';
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';

/** HTTP statuses worth a retry: request timeout, conflict, too early, rate limit, server errors. */
const TRANSIENT_STATUS = new Set([408, 409, 425, 429]);

/**
 * Classify an error of the `openai` client for the feedback service: connection failures and
 * HTTP 408/409/425/429/5xx are transient (retried); other HTTP errors are permanent. An abort by
 * the caller's signal re-throws the signal's reason (the service's timeout).
 */
export function toFeedbackError(e: unknown, signal: AbortSignal | undefined, where: string): unknown {
  if (e instanceof APIUserAbortError || signal?.aborted) return signal?.reason ?? e;
  if (e instanceof APIConnectionError) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? e.message;
    return new FeedbackError(`${where}: connection failed (${detail})`, 'error', true, { cause: e });
  }
  if (e instanceof APIError && typeof e.status === 'number') {
    const transient = TRANSIENT_STATUS.has(e.status) || e.status >= 500;
    return new FeedbackError(`${where}: HTTP ${e.status}: ${e.message}`, 'error', transient, { cause: e });
  }
  return e;
}
