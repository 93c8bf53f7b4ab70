import type { AddressInfo } from 'node:net';
import type { Policy } from '@trellis/core';
import Fastify from 'fastify';
import { type ChatTemplate, DEFAULT_CHAT_TEMPLATE } from './chat-template';
import { GenerationQueue, type QueueCounters } from './generation-queue';
import { OpenAiError, toOpenAiError } from './openai-error';
import { registerOpenAiRoutes } from './openai-routes';

/** Settings of {@link startServer}. */
export interface ServerOptions {
  /** The model to serve (any `Policy`; the server never trains or disposes it). */
  readonly policy: Policy;
  /** Interface to bind (default `127.0.0.1`: this machine only). `0.0.0.0` or `::` expose it. */
  readonly host?: string;
  /** TCP port (default 0: any free port; read the chosen one from the result). */
  readonly port?: number;
  /** The model name clients pass as `model` (default `trellis`); any other name is a 404. */
  readonly modelId?: string;
  /** Largest request body, bytes (default 1 MiB); larger bodies get 413. */
  readonly bodyLimit?: number;
  /** Most generation rows (choices) waiting or generating at once (default 256); more get 429. */
  readonly maxQueue?: number;
  /** Most rows in one merged `policy.generate` call (default 64). */
  readonly maxBatch?: number;
  /**
   * Gathering window, ms (default 10): before each merged call, while fewer than `maxBatch` rows
   * are queued, wait until no new request has arrived for this long (at most 4x in all; at once
   * when the batch is full). 0 = only the current event-loop turn.
   */
  readonly batchWaitMs?: number;
  /** Completion cap when a request gives no `max_tokens` (default 256, clamped to the room left). */
  readonly defaultMaxTokens?: number;
  /** How chat messages become a prompt (default {@link DEFAULT_CHAT_TEMPLATE}). */
  readonly chatTemplate?: ChatTemplate;
  /** Receives one line per request and per event (default: nothing is logged). */
  readonly log?: (line: string) => void;
}

/** Counters of a running server. */
export interface ServerStats extends QueueCounters {
  /** Requests answered, any status. */
  readonly requests: number;
  /** Requests being handled now. */
  readonly inFlight: number;
}

/** A listening server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:43210` (clients use `${url}/v1`). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /**
   * Stop accepting connections, let in-flight requests (streams included) finish, then resolve.
   * Requests arriving meanwhile on open keep-alive connections get 503; generation rows of
   * clients that went away are still finished before it resolves. Idempotent.
   */
  close(): Promise<void>;
  stats(): ServerStats;
}

const MiB = 1024 * 1024;

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/**
 * Serve `options.policy` over an OpenAI-compatible HTTP API (fastify): `GET /v1/models`,
 * `POST /v1/completions` and `POST /v1/chat/completions`, plain or streamed (SSE). Concurrent
 * requests are merged into shared `policy.generate` calls by one `GenerateBatcher`. Errors are
 * OpenAI-style JSON: 400 naming the bad field, 404 for an unknown model or URL, 413 for a body
 * over `bodyLimit`, 429 when `maxQueue` rows are already queued.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = options.log ?? (() => {});
  const modelId = options.modelId ?? 'trellis';
  const bodyLimit = positiveInt('bodyLimit', options.bodyLimit ?? MiB);
  const maxQueue = positiveInt('maxQueue', options.maxQueue ?? 256);
  const maxBatch = positiveInt('maxBatch', options.maxBatch ?? 64);
  const defaultMaxTokens = positiveInt('defaultMaxTokens', options.defaultMaxTokens ?? 256);
  const waitMs = options.batchWaitMs ?? 10;
  if (!(waitMs >= 0)) throw new RangeError(`batchWaitMs must be >= 0, got ${waitMs}`);

  const queue = new GenerationQueue(options.policy, maxQueue, { maxBatch, waitMs });
  let requests = 0;
  let inFlight = 0;
  let closing: Promise<void> | undefined;
  const app = Fastify({ logger: false, bodyLimit, return503OnClosing: false, forceCloseConnections: 'idle' });

  app.addHook('onRequest', async (req, reply) => {
    inFlight++;
    (req as { startedAt?: number }).startedAt = performance.now();
    if (closing) {
      const e = new OpenAiError(503, 'The server is shutting down.', null, 'server_shutting_down');
      return reply.code(503).send(e.toJSON());
    }
  });
  app.addHook('onResponse', async (req, reply) => {
    inFlight--;
    requests++;
    const ms = performance.now() - ((req as { startedAt?: number }).startedAt ?? performance.now());
    log(`${req.method} ${req.url} ${reply.statusCode} ${ms.toFixed(0)}ms`);
    // While closing, a connection whose last response went out is idle: close it now rather than
    // at its keep-alive timeout.
    if (closing) setImmediate(() => app.server.closeIdleConnections());
  });
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.setErrorHandler((err, _req, reply) => {
    const e = toOpenAiError(err);
    if (e.status >= 500) log(`error: ${(err as Error)?.stack ?? String(err)}`);
    if (e.status === 429) reply.header('retry-after', '1');
    return reply.code(e.status).send(e.toJSON());
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new OpenAiError(404, `Unknown request URL: ${req.method} ${req.url}.`, null, 'unknown_url');
    return reply.code(404).send(e.toJSON());
  });
  registerOpenAiRoutes(app, {
    policy: options.policy,
    queue,
    modelId,
    created: Math.floor(Date.now() / 1000),
    defaultMaxTokens,
    chatTemplate: options.chatTemplate ?? DEFAULT_CHAT_TEMPLATE,
    log,
  });

  await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address() as AddressInfo;
  const host = address.address;
  const url = `http://${address.family === 'IPv6' ? `[${host}]` : host}:${address.port}`;
  return {
    url,
    host,
    port: address.port,
    close: () => {
      closing ??= app.close().then(() => queue.drained());
      return closing;
    },
    stats: () => ({ ...queue.counters(), requests, inFlight }),
  };
}
