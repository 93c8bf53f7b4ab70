import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { ConfigError, Tokens } from '@trellis/core';
import { composeFromObject } from '../experiment';
import { type ChatTemplate, loadChatTemplate } from '../serve/chat-template';
import { startServer } from '../serve/start-server';
import { setupBackend } from './backend';

/** Options of `trellis serve` (parsed by commander). */
export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly modelId?: string;
  readonly maxQueue: number;
  readonly bodyLimit: number;
  readonly maxBatch: number;
  readonly maxTokens: number;
  readonly batchWaitMs: number;
  readonly chatTemplate?: string;
  readonly backend?: string;
  readonly quiet?: boolean;
}

/**
 * `trellis serve`: load a checkpoint through the `transformer` policy (as `eval` does), serve it
 * over the OpenAI-compatible API until SIGINT/SIGTERM, then shut down gracefully (in-flight
 * requests finish, new ones are refused). Prints one line on `out` (stdout): `listening on <url>`;
 * everything else goes to `log` (stderr).
 */
export async function runServe(checkpoint: string, opts: ServeOptions, out: (s: string) => void, log: (s: string) => void) {
  const dir = resolve(checkpoint);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ConfigError('not a checkpoint directory', checkpoint);
  const chatTemplate: ChatTemplate | undefined = opts.chatTemplate ? await loadChatTemplate(opts.chatTemplate) : undefined;
  const data = { policy: { use: 'transformer', options: { checkpoint: dir, workers: 0 } } };
  const exp = await composeFromObject(data, opts.backend ? [`policy.options.backend=${opts.backend}`] : []);
  const backend = await setupBackend(exp);
  const policy = await exp.container.getAsync(Tokens.Policy);
  const modelId = opts.modelId ?? basename(dir);
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      policy,
      host: opts.host,
      port: opts.port,
      modelId,
      bodyLimit: opts.bodyLimit,
      maxQueue: opts.maxQueue,
      maxBatch: opts.maxBatch,
      batchWaitMs: opts.batchWaitMs,
      defaultMaxTokens: opts.maxTokens,
      ...(chatTemplate ? { chatTemplate } : {}),
      ...(opts.quiet ? {} : { log }),
    });
  } catch (e) {
    policy.dispose();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES') {
      throw new ConfigError(`cannot listen on ${opts.host}:${opts.port} (${code})`, '--host/--port');
    }
    throw e;
  }
  log(
    `serving '${modelId}' from ${checkpoint} (backend ${backend}, context ${policy.maxContext} tokens, ` +
      `max queue ${opts.maxQueue} rows, max batch ${opts.maxBatch}); Ctrl-C stops`,
  );
  out(`listening on ${server.url}\n`);
  const signal = await new Promise<NodeJS.Signals>((done) => {
    const on = (s: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      done(s);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
  log(`${signal}: finishing ${server.stats().inFlight} in-flight request(s); a second signal exits at once`);
  const force = (again: NodeJS.Signals) => {
    log(`${again}: exiting without waiting`);
    process.exit(1);
  };
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  try {
    await server.close();
  } finally {
    process.removeListener('SIGINT', force);
    process.removeListener('SIGTERM', force);
    policy.dispose();
  }
  const s = server.stats();
  log(`stopped after ${s.requests} request(s), ${s.generateCalls} generate call(s)`);
}
