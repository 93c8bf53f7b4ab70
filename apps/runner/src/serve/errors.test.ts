import { request } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from './start-server';
import { startServer } from './start-server';
import { gatedPolicy, tinyServePolicy } from './test-support';

const MODEL = 'tiny';
let server: RunningServer;
let client: OpenAI;
let policy: Awaited<ReturnType<typeof tinyServePolicy>>;

beforeAll(async () => {
  policy = await tinyServePolicy();
  server = await startServer({ policy, modelId: MODEL, defaultMaxTokens: 64 });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
  policy?.dispose();
});

async function post(path: string, body: unknown, url = server.url) {
  const r = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: r.status, headers: r.headers, json: (await r.json()) as { error: Record<string, unknown> } };
}

/** The openai client's error for `call` (which must fail). */
async function apiError(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await call;
  } catch (e) {
    if (e instanceof OpenAI.APIError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

describe('startServer errors (OpenAI-style JSON)', () => {
  it('a 10 MB body gets 413 in OpenAI error style', async () => {
    const prompt = 'x'.repeat(10 * 1024 * 1024);
    const r = await post('/v1/completions', { model: MODEL, prompt });
    expect(r.status).toBe(413);
    expect(r.json.error).toMatchObject({ type: 'invalid_request_error', param: null, code: 'request_too_large' });
    expect(typeof r.json.error.message).toBe('string');
    // The server is still fine afterwards.
    expect((await client.models.list()).data).toHaveLength(1);
  });

  it('a chunked body (no content-length) over the limit also gets 413', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${server.url}/v1/completions`,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write(`{"model":"${MODEL}","prompt":"`);
      const chunk = 'y'.repeat(64 * 1024);
      const pump = (left: number) => {
        if (left === 0 || req.destroyed) return req.end('"}');
        req.write(chunk, () => setImmediate(() => pump(left - 1)));
      };
      pump(32);
    });
    expect(status).toBe(413);
  });

  it('a bad field gets 400 naming it (temperature: "hot")', async () => {
    const e = await apiError(client.completions.create({ model: MODEL, prompt: 'a', temperature: 'hot' as unknown as number }));
    expect(e.status).toBe(400);
    expect(e.param).toBe('temperature');
    expect(e.type).toBe('invalid_request_error');
    expect(e.code).toBeNull();
    expect(e.message).toMatch(/temperature/);
  });

  it.each([
    [{ model: MODEL, prompt: 'a', n: 17 }, 'n'],
    [{ model: MODEL, prompt: 'a', top_p: 1.5 }, 'top_p'],
    [{ model: MODEL, prompt: 'a', max_tokens: 0 }, 'max_tokens'],
    [{ model: MODEL, prompt: 'a', stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
    [{ model: MODEL, prompt: 'a', seed: 1.5 }, 'seed'],
    [{ model: MODEL, prompt: 'a', logprobs: 3 }, 'logprobs'],
    [{ model: MODEL, prompt: 'a', frequency_penalty: 0.5 }, 'frequency_penalty'],
    [{ model: MODEL, prompt: 'a', bogus: 1 }, 'bogus'],
    [{ model: MODEL, prompt: [1, 2, 3] }, 'prompt'],
    [{ prompt: 'a' }, 'model'],
  ])('completions %j -> 400 param %s', async (body, param) => {
    const r = await post('/v1/completions', body);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ type: 'invalid_request_error', param });
  });

  it.each([
    [{ model: MODEL, messages: [] }, 'messages'],
    [{ model: MODEL, messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].role'],
    [
      {
        model: MODEL,
        messages: [
          { role: 'user', content: 'x' },
          { role: 'user', content: 5 },
        ],
      },
      'messages[1].content',
    ],
    [{ model: MODEL, messages: [{ role: 'user', content: 'x' }], tools: [] }, 'tools'],
  ])('chat %j -> 400 param %s', async (body, param) => {
    const r = await post('/v1/chat/completions', body);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ type: 'invalid_request_error', param });
  });

  it('malformed JSON, an unknown URL and an unknown model are OpenAI-style errors', async () => {
    const bad = await post('/v1/completions', '{"model": ');
    expect(bad.status).toBe(400);
    expect(bad.json.error.type).toBe('invalid_request_error');
    const nowhere = await post('/v1/embeddings', { model: MODEL, input: 'x' });
    expect(nowhere.status).toBe(404);
    expect(nowhere.json.error.code).toBe('unknown_url');
    const e = await apiError(client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }));
    expect(e.status).toBe(404);
    expect(e.code).toBe('model_not_found');
    expect(e.param).toBe('model');
    expect((await apiError(client.models.retrieve('gpt-4o'))).status).toBe(404);
  });

  it('a prompt or max_tokens that does not fit the context is a 400; the default max_tokens is clamped', async () => {
    // maxContext 256: BOS + 255 characters leaves no room.
    const long = await apiError(client.completions.create({ model: MODEL, prompt: 'x'.repeat(255) }));
    expect(long.status).toBe(400);
    expect(long.param).toBe('prompt');
    expect(long.code).toBe('context_length_exceeded');
    const chat = await apiError(
      client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'y'.repeat(300) }] }),
    );
    expect(chat.param).toBe('messages');
    const cap = await apiError(client.completions.create({ model: MODEL, prompt: 'x'.repeat(200), max_tokens: 60 }));
    expect(cap.status).toBe(400);
    expect(cap.param).toBe('max_tokens');
    const newer = await apiError(
      client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 1000 }),
    );
    expect(newer.param).toBe('max_completion_tokens');
    // 250 characters + BOS leave 5 tokens: the default (64) is clamped to them.
    const clamped = await client.completions.create({ model: MODEL, prompt: 'x'.repeat(250), temperature: 0 });
    expect(clamped.usage?.prompt_tokens).toBe(251);
    expect(clamped.usage?.completion_tokens).toBeLessThanOrEqual(5);
  });
});

describe('queue bound', () => {
  it('answers 429 when maxQueue rows are already queued, plain and streaming', async () => {
    const gated = gatedPolicy(policy);
    const small = await startServer({ policy: gated, modelId: MODEL, maxQueue: 3 });
    try {
      const c = new OpenAI({ baseURL: `${small.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const first = c.completions.create({ model: MODEL, prompt: 'a', n: 2, max_tokens: 4 });
      await gated.reached;
      expect(small.stats().queuedRows).toBe(2);
      const full = await apiError(c.completions.create({ model: MODEL, prompt: 'b', n: 2, max_tokens: 4 }));
      expect(full.status).toBe(429);
      expect(full.code).toBe('queue_full');
      expect(full.headers?.get('retry-after')).toBe('1');
      const streamed = await post(
        '/v1/chat/completions',
        { model: MODEL, messages: [{ role: 'user', content: 'x' }], n: 2, stream: true },
        small.url,
      );
      expect(streamed.status).toBe(429);
      const fits = c.completions.create({ model: MODEL, prompt: 'c', max_tokens: 4 });
      gated.open();
      expect((await first).choices).toHaveLength(2);
      expect((await fits).choices).toHaveLength(1);
      expect(small.stats()).toMatchObject({ queuedRows: 0, rejected: 2 });
    } finally {
      gated.open();
      await small.close();
    }
  });
});
