import type { z } from '@trellis/core';

/** The `error` object of an OpenAI-style error response. */
export interface OpenAiErrorBody {
  readonly message: string;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
}

/**
 * An error answered as `{ "error": { message, type, param, code } }` with `status`, the shape the
 * official OpenAI clients parse (`err.status`, `err.param`, `err.code`).
 */
export class OpenAiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly type: string = status >= 500 ? 'server_error' : 'invalid_request_error',
  ) {
    super(message);
    this.name = 'OpenAiError';
  }

  /** The JSON body to send. */
  toJSON(): { error: OpenAiErrorBody } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }

  /** 400 naming `param`. */
  static invalid(param: string | null, message: string, code: string | null = null): OpenAiError {
    return new OpenAiError(400, message, param, code);
  }
}

/** `messages[0].role`-style name of a zod issue path. */
export function paramName(path: readonly PropertyKey[]): string | null {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out === '' ? null : out;
}

/** The first zod issue as a 400 naming its field (an unknown field is named itself). */
export function fromZodError(error: z.ZodError): OpenAiError {
  const issue = error.issues[0];
  if (!issue) return OpenAiError.invalid(null, 'invalid request body');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const param = paramName([...issue.path, key]);
    return OpenAiError.invalid(param, `Unrecognized request argument supplied: ${param}`);
  }
  const param = paramName(issue.path);
  if (param === null) return OpenAiError.invalid(null, `invalid request body: ${issue.message}`);
  return OpenAiError.invalid(param, `Invalid value for '${param}': ${issue.message}`);
}

/**
 * Any error thrown while handling a request, as an {@link OpenAiError}: fastify's own errors keep
 * their status (413 body too large, 415 media type, 400 malformed JSON), anything else is a 500
 * whose message does not leak internals.
 */
export function toOpenAiError(e: unknown): OpenAiError {
  if (e instanceof OpenAiError) return e;
  const err = e as { statusCode?: number; code?: string; message?: string };
  const status = typeof err?.statusCode === 'number' ? err.statusCode : 500;
  if (err?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new OpenAiError(413, 'Request body is larger than the server accepts.', null, 'request_too_large');
  }
  if (status >= 500) return new OpenAiError(500, 'The server had an error while processing your request.');
  const code = err?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type' : null;
  return new OpenAiError(status, err?.message ?? 'bad request', null, code);
}
