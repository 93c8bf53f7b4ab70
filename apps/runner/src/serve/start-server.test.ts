import type { SamplingParams } from '@trellis/core';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { choiceSeed } from './choice-seed';
import type { RunningServer } from './start-server';
import { startServer } from './start-server';
import { tinyServePolicy } from './test-support';

const MODEL = 'tiny';
let server: RunningServer;
let client: OpenAI;
let policy: Awaited<ReturnType<typeof tinyServePolicy>>;

beforeAll(async () => {
  policy = await tinyServePolicy();
  server = await startServer({ policy, modelId: MODEL, defaultMaxTokens: 16 });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
  policy?.dispose();
});

describe('startServer with the official openai client', () => {
  it('binds 127.0.0.1 on a free port and lists the model', async () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([MODEL]);
    expect((await client.models.retrieve(MODEL)).id).toBe(MODEL);
  });

  it('completions: text, finish_reason and usage', async () => {
    const r = await client.completions.create({ model: MODEL, prompt: 'hello', max_tokens: 8, seed: 1 });
    expect(r.object).toBe('text_completion');
    expect(r.model).toBe(MODEL);
    expect(r.choices).toHaveLength(1);
    const c = r.choices[0]!;
    expect(typeof c.text).toBe('string');
    expect(['stop', 'length']).toContain(c.finish_reason);
    expect(r.usage?.prompt_tokens).toBe(6); // BOS + 5 characters
    expect(r.usage?.completion_tokens).toBeGreaterThan(0);
    expect(r.usage?.completion_tokens).toBeLessThanOrEqual(8);
    expect(r.usage?.total_tokens).toBe((r.usage?.prompt_tokens ?? 0) + (r.usage?.completion_tokens ?? 0));
    if (c.finish_reason === 'length') expect(r.usage?.completion_tokens).toBe(8);
  });

  it('completions: streaming gives the same text as a plain call with the same seed, and a usage chunk', async () => {
    const plain = await client.completions.create({ model: MODEL, prompt: 'abc', max_tokens: 10, seed: 5 });
    const stream = await client.completions.create({
      model: MODEL,
      prompt: 'abc',
      max_tokens: 10,
      seed: 5,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('text_completion');
      for (const c of chunk.choices) {
        text += c.text;
        finish = c.finish_reason ?? finish;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(plain.choices[0]?.text);
    expect(finish).toBe(plain.choices[0]?.finish_reason);
    expect(usage).toEqual(plain.usage);
  });

  it('chat: plain and streaming (role delta first, content, finish_reason last)', async () => {
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'Hi there' },
    ];
    const plain = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 12, seed: 3 });
    expect(plain.object).toBe('chat.completion');
    const msg = plain.choices[0]?.message;
    expect(msg?.role).toBe('assistant');
    expect(typeof msg?.content).toBe('string');
    expect(msg?.content).not.toContain('\nUser:');
    // Default template, plus BOS.
    expect(plain.usage?.prompt_tokens).toBe('System: Be brief.\nUser: Hi there\nAssistant: '.length + 1);

    const stream = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 12, seed: 3, stream: true });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    const content = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(content).toBe(msg?.content);
    const last = chunks.at(-1)?.choices[0];
    expect(last?.finish_reason).toBe(plain.choices[0]?.finish_reason);
    expect(chunks.slice(0, -1).every((c) => c.choices[0]?.finish_reason === null)).toBe(true);
  });

  it('n > 1 returns n indexed choices (completions with two prompts: prompt-major indices; chat streaming)', async () => {
    const r = await client.completions.create({ model: MODEL, prompt: ['ab', 'xyz'], n: 3, max_tokens: 6, seed: 9 });
    expect(r.choices.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r.usage?.prompt_tokens).toBe(3 + 4);
    const texts = new Set(r.choices.map((c) => c.text));
    expect(texts.size).toBeGreaterThan(1);

    const chat = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'q' }],
      n: 4,
      max_tokens: 5,
    });
    expect(chat.choices.map((c) => c.index)).toEqual([0, 1, 2, 3]);

    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'q' }],
      n: 2,
      max_tokens: 5,
      stream: true,
    });
    const finished = new Set<number>();
    const roles = new Set<number>();
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        if (c.delta.role === 'assistant') roles.add(c.index);
        if (c.finish_reason) finished.add(c.index);
      }
    }
    expect([...roles].sort()).toEqual([0, 1]);
    expect([...finished].sort()).toEqual([0, 1]);
  });

  it('seed: same seed gives the same text alone, twice, and batched with other requests; it matches policy.generate', async () => {
    const ask = (seed: number, prompt = 'seeded prompt') =>
      client.completions.create({ model: MODEL, prompt, max_tokens: 12, temperature: 1, seed });
    const alone = (await ask(42)).choices[0]?.text;
    expect((await ask(42)).choices[0]?.text).toBe(alone);
    const batched = await Promise.all([ask(42), ...Array.from({ length: 9 }, (_, i) => ask(100 + i, `other ${i}`)), ask(42)]);
    expect(batched[0]?.choices[0]?.text).toBe(alone);
    expect(batched.at(-1)?.choices[0]?.text).toBe(alone);
    const others = new Set([41, 43, 44, 45].map(async (s) => (await ask(s)).choices[0]?.text));
    expect(new Set(await Promise.all(others)).size).toBeGreaterThan(1);
    const sampling: SamplingParams = { temperature: 1, greedy: false, maxNewTokens: 12 };
    const [direct] = await policy.generate([{ prompt: 'seeded prompt', seed: choiceSeed(42, 0) }], sampling);
    expect(direct?.text).toBe(alone);
  });

  it('temperature 0 is greedy (deterministic without a seed); stop cuts the text at the stop sequence', async () => {
    const greedy = () => client.completions.create({ model: MODEL, prompt: 'the ', max_tokens: 20, temperature: 0 });
    const a = (await greedy()).choices[0]!;
    expect((await greedy()).choices[0]?.text).toBe(a.text);
    expect(a.text.length).toBeGreaterThanOrEqual(6);
    const stop = a.text.slice(4, 6);
    const cut = await client.completions.create({
      model: MODEL,
      prompt: 'the ',
      max_tokens: 20,
      temperature: 0,
      stop: [stop, '~~~~'],
    });
    expect(cut.choices[0]?.text).toBe(a.text.slice(0, a.text.indexOf(stop)));
    expect(cut.choices[0]?.finish_reason).toBe('stop');
  });

  it('20 concurrent clients all get answers, merged into fewer generate calls', async () => {
    const before = server.stats();
    const clients = Array.from(
      { length: 20 },
      () => new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 }),
    );
    const answers = await Promise.all(
      clients.map((c, i) =>
        i % 2 === 0
          ? c.completions.create({ model: MODEL, prompt: `client ${i}`, max_tokens: 8, seed: i })
          : c.completions
              .create({ model: MODEL, prompt: `client ${i}`, max_tokens: 8, seed: i, stream: true })
              .then(async (s) => {
                let text = '';
                for await (const chunk of s) text += chunk.choices[0]?.text ?? '';
                return { choices: [{ text }] };
              }),
      ),
    );
    expect(answers).toHaveLength(20);
    for (const a of answers) expect(typeof a.choices[0]?.text).toBe('string');
    const after = server.stats();
    const calls = after.generateCalls - before.generateCalls;
    expect(after.generatedRows - before.generatedRows).toBe(20);
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThan(20);
    expect(after.largestBatch).toBeGreaterThan(1);
    expect(after.queuedRows).toBe(0);
  });
});
