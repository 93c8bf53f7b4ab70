import { request } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from './start-server';
import { gatedPolicy, tinyServePolicy } from './test-support';

const MODEL = 'tiny';
let policy: Awaited<ReturnType<typeof tinyServePolicy>>;

beforeAll(async () => {
  policy = await tinyServePolicy();
});

afterAll(() => policy?.dispose());

/** Resolves to the error code of a fresh TCP connection to `port` ('' when it connects). */
function connectError(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/models', agent: false }, (res) => {
      res.resume();
      resolve('');
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? String(e)));
    req.end();
  });
}

describe('graceful shutdown', () => {
  it('close() lets in-flight requests (plain and streaming) finish and refuses new connections', async () => {
    const gated = gatedPolicy(policy);
    const server = await startServer({ policy: gated, modelId: MODEL });
    try {
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const plain = client.completions.create({ model: MODEL, prompt: 'in flight', max_tokens: 6 });
      const streamed = client.chat.completions
        .create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 6, stream: true })
        .then(async (s) => {
          const finishes: (string | null)[] = [];
          for await (const chunk of s) finishes.push(chunk.choices[0]?.finish_reason ?? null);
          return finishes;
        });
      await gated.reached;
      await new Promise((r) => setTimeout(r, 20));
      expect(server.stats().inFlight).toBe(2);
      let closed = false;
      const closing = server.close().then(() => {
        closed = true;
      });
      expect(await connectError(server.port)).toBe('ECONNREFUSED');
      expect(closed).toBe(false);
      gated.open();
      const answer = await plain;
      expect(answer.choices).toHaveLength(1);
      expect((await streamed).at(-1)).toMatch(/^(stop|length)$/);
      await closing;
      expect(closed).toBe(true);
      expect(server.stats().inFlight).toBe(0);
      expect(await connectError(server.port)).toBe('ECONNREFUSED');
    } finally {
      gated.open();
      await server.close();
    }
  });

  it('close() of an idle server resolves at once and is idempotent', async () => {
    const server = await startServer({ policy, modelId: MODEL });
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    await client.models.list(); // leaves an idle keep-alive connection
    const t0 = performance.now();
    await Promise.all([server.close(), server.close()]);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(await connectError(server.port)).toBe('ECONNREFUSED');
  });
});
