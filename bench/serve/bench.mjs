#!/usr/bin/env node
// `trellis serve` overhead (not a test). The same requests, with the same sampling and per-request
// seeds, run (a) directly through policy.generate in batches of 16 and (b) by 16 concurrent
// client loops against startServer on the same policy, in one process (the clients run in worker
// threads, so they do not share the server's event loop). Prints both wall times, requests/s, the
// overhead ratio (serve / direct; target <= 1.25), the server's p50/p99 latency per request, how
// much of the serve wall time the model spent generating, and whether both paths produced the
// same texts. Run after `pnpm build`:
//
//   node bench/serve/bench.mjs [--client openai|fetch|http] [--requests 256] [--clients 16]
//        [--max-tokens 48] [--temperature 1] [--reps 5] [--chunk 64] [--batch-wait-ms 10] [--client-threads 2]
//        [--backend wasm] [--checkpoint examples/arithmetic/base]
//
// --client: openai = the official openai npm client (default); fetch = global fetch; http =
// node:http with a keep-alive agent (the cheapest client, to separate server from client cost).
import { createRequire } from 'node:module';
import { cpus, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const root = new URL('../../', import.meta.url);

if (isMainThread) await main();
else await clientThread();

/** One client call: resolves to { text, tokens }. */
async function makeClient(kind, url) {
  if (kind === 'openai') {
    const { default: OpenAI } = await import(createRequire(new URL('apps/runner/package.json', root)).resolve('openai'));
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    return async (body) => {
      const r = await client.completions.create(body);
      return { text: r.choices[0].text, tokens: r.usage.completion_tokens };
    };
  }
  if (kind === 'fetch') {
    return async (body) => {
      const r = await fetch(`${url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const j = await r.json();
      return { text: j.choices[0].text, tokens: j.usage.completion_tokens };
    };
  }
  const http = await import('node:http');
  const agent = new http.Agent({ keepAlive: true });
  const { hostname, port } = new URL(url);
  return (body) =>
    new Promise((resolve, reject) => {
      const data = JSON.stringify(body);
      const req = http.request(
        {
          host: hostname,
          port,
          path: '/v1/completions',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => {
            text += c;
          });
          res.on('end', () => {
            const j = JSON.parse(text);
            resolve({ text: j.choices[0].text, tokens: j.usage.completion_tokens });
          });
        },
      );
      req.on('error', reject);
      req.end(data);
    });
}

/** Worker: `clients` loops per run, each taking the next request (a counter shared by all threads). */
async function clientThread() {
  const { kind, url, model, clients, maxTokens, temperature } = workerData;
  const calls = await Promise.all(Array.from({ length: clients }, () => makeClient(kind, url)));
  parentPort.on('message', async ({ requests, counter }) => {
    const next = new Int32Array(counter);
    const out = [];
    await Promise.all(
      calls.map(async (call) => {
        for (let i = Atomics.add(next, 0, 1); i < requests.length; i = Atomics.add(next, 0, 1)) {
          const start = performance.now();
          const { prompt, seed } = requests[i];
          const r = await call({ model, prompt, max_tokens: maxTokens, temperature, seed });
          out.push({ i, ms: performance.now() - start, ...r });
        }
      }),
    );
    parentPort.postMessage(out);
  });
  parentPort.postMessage('ready');
}

async function main() {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const KIND = opt('client', 'openai');
  const N = Number(opt('requests', 256));
  const CLIENTS = Number(opt('clients', 16));
  const MAX_TOKENS = Number(opt('max-tokens', 48));
  const TEMPERATURE = Number(opt('temperature', 1));
  const REPS = Number(opt('reps', 5));
  const CHUNK = Number(opt('chunk', 64));
  const WAIT_MS = opt('batch-wait-ms') === undefined ? undefined : Number(opt('batch-wait-ms'));
  const THREADS = Number(opt('client-threads', 2));
  const BACKEND = opt('backend', 'wasm');
  const CHECKPOINT = opt('checkpoint', fileURLToPath(new URL('examples/arithmetic/base', root)));
  if (!['openai', 'fetch', 'http'].includes(KIND)) throw new Error(`--client: openai, fetch or http, got ${KIND}`);

  const { initBackend, loadPolicy } = await import(new URL('packages/policy-tfjs/dist/index.js', root).href);
  const { ArithmeticTask } = await import(new URL('packages/rewards-math/dist/index.js', root).href);
  const { startServer, choiceSeed } = await import(new URL('apps/runner/dist/index.js', root).href);

  const backend = await initBackend(BACKEND);
  const policy = await loadPolicy(CHECKPOINT, { workers: 0 });
  // Time spent inside policy.generate, on both paths.
  let generating = 0;
  const generate = policy.generate.bind(policy);
  policy.generate = async (requests, sampling) => {
    const t0 = performance.now();
    try {
      return await generate(requests, sampling);
    } finally {
      generating += performance.now() - t0;
    }
  };
  const requests = new ArithmeticTask({}).list('test', N).map((p, i) => ({ prompt: p.prompt, seed: 1000 + i }));
  const greedy = TEMPERATURE === 0;
  const sampling = { temperature: greedy ? 1 : TEMPERATURE, greedy, maxNewTokens: MAX_TOKENS };

  async function direct(reqs = requests) {
    const texts = [];
    const g0 = generating;
    const t0 = performance.now();
    for (let i = 0; i < reqs.length; i += CLIENTS) {
      const batch = reqs.slice(i, i + CLIENTS).map((r) => ({ prompt: r.prompt, seed: choiceSeed(r.seed, 0) }));
      for (const r of await policy.generate(batch, sampling)) texts.push(r.text);
    }
    return { wallMs: performance.now() - t0, genMs: generating - g0, texts };
  }

  const server = await startServer({
    policy,
    modelId: 'bench',
    maxBatch: CLIENTS,
    ...(WAIT_MS === undefined ? {} : { batchWaitMs: WAIT_MS }),
    maxQueue: 4 * CLIENTS,
  });
  // The client threads live for the whole bench (warm connections and JIT, like real clients).
  const workers = Array.from({ length: THREADS }, (_, t) => {
    const clients = Math.floor(CLIENTS / THREADS) + (t < CLIENTS % THREADS ? 1 : 0);
    const data = { kind: KIND, url: server.url, model: 'bench', clients, maxTokens: MAX_TOKENS, temperature: TEMPERATURE };
    return new Worker(fileURLToPath(import.meta.url), { workerData: data });
  });
  const message = (w) =>
    new Promise((resolve, reject) => {
      w.once('error', reject);
      w.once('message', (m) => {
        w.off('error', reject);
        resolve(m);
      });
    });
  await Promise.all(workers.map(message));
  async function served(reqs = requests) {
    const counter = new SharedArrayBuffer(4);
    const done = workers.map(message);
    const g0 = generating;
    const t0 = performance.now();
    for (const w of workers) w.postMessage({ requests: reqs, counter });
    const parts = await Promise.all(done);
    const wallMs = performance.now() - t0;
    const results = new Array(reqs.length);
    for (const r of parts.flat()) results[r.i] = r;
    return { wallMs, genMs: generating - g0, results };
  }

  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const pct = (xs, p) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  };
  const median = (xs) => pct(xs, 50);

  console.log(`machine: ${cpus()[0]?.model} x${cpus().length}, node ${process.version}, ${process.platform} ${release()}`);
  console.log(
    `model: ${CHECKPOINT} (context ${policy.maxContext}), backend ${backend}; ${N} arithmetic test prompts, max_tokens ${MAX_TOKENS}, temperature ${TEMPERATURE}, a seed per request`,
  );
  console.log(
    `direct: policy.generate in batches of ${CLIENTS}; serve: ${CLIENTS} concurrent ${KIND} clients in ${THREADS} worker thread(s), server maxBatch ${CLIENTS}, batchWaitMs ${WAIT_MS ?? 'default (10)'}; ${REPS} reps after a warm-up, alternating the two paths every ${CHUNK} requests`,
  );
  await direct();
  await served(requests.slice(0, 4 * CLIENTS));
  await served(requests.slice(0, 4 * CLIENTS));

  // Each rep runs the whole request set on both paths, alternating every CHUNK requests so that
  // both see the same machine load (this machine may be shared).
  const runs = [];
  for (let rep = 0; rep < REPS; rep++) {
    const before = server.stats().generateCalls;
    const d = { wallMs: 0, genMs: 0, texts: [] };
    const v = { wallMs: 0, genMs: 0, results: [] };
    for (let at = 0; at < N; at += CHUNK) {
      const part = requests.slice(at, at + CHUNK);
      const a = await direct(part);
      const b = await served(part);
      d.wallMs += a.wallMs;
      d.genMs += a.genMs;
      d.texts.push(...a.texts);
      v.wallMs += b.wallMs;
      v.genMs += b.genMs;
      v.results.push(...b.results);
    }
    const calls = server.stats().generateCalls - before;
    const same = v.results.filter((r, i) => r.text === d.texts[i]).length;
    runs.push({ d, v, calls, same });
    console.log(
      `rep ${rep + 1}: direct ${s(d.wallMs)}, serve ${s(v.wallMs)} (ratio ${(v.wallMs / d.wallMs).toFixed(3)}); serve generating ${s(v.genMs)} in ${calls} calls (mean batch ${(N / calls).toFixed(1)}); same texts ${same}/${N}`,
    );
  }
  await Promise.all(workers.map((w) => w.terminate()));
  await server.close();
  policy.dispose();

  const dMs = median(runs.map((r) => r.d.wallMs));
  const vMs = median(runs.map((r) => r.v.wallMs));
  const ratios = runs.map((r) => r.v.wallMs / r.d.wallMs);
  const lat = runs.flatMap((r) => r.v.results.map((x) => x.ms));
  const busy = median(runs.map((r) => r.v.genMs / r.v.wallMs));
  const tokens = runs[0].v.results.reduce((a, r) => a + r.tokens, 0);
  console.log('');
  console.log('| | wall (median) | requests/s | completion tokens/s |');
  console.log('|---|---|---|---|');
  console.log(
    `| direct policy.generate, batches of ${CLIENTS} | ${s(dMs)} | ${((N / dMs) * 1000).toFixed(1)} | ${((tokens / dMs) * 1000).toFixed(0)} |`,
  );
  console.log(
    `| trellis serve, ${CLIENTS} concurrent ${KIND} clients | ${s(vMs)} | ${((N / vMs) * 1000).toFixed(1)} | ${((tokens / vMs) * 1000).toFixed(0)} |`,
  );
  console.log('');
  // Paired: each rep ran both paths interleaved, under the same machine load.
  const ratio = median(ratios);
  console.log(
    `overhead ratio (serve / direct, median of the per-rep ratios): ${ratio.toFixed(3)} (per rep ${ratios.map((r) => r.toFixed(2)).join(', ')}; target <= 1.25: ${ratio <= 1.25 ? 'met' : 'NOT met'})`,
  );
  console.log(
    `serve latency per request: p50 ${pct(lat, 50).toFixed(0)} ms, p99 ${pct(lat, 99).toFixed(0)} ms (${lat.length} requests)`,
  );
  console.log(
    `model busy while serving: ${(100 * busy).toFixed(0)}% of the wall time (the rest: HTTP and client turnaround between batches)`,
  );
  const allSame = runs.every((r) => r.same === N);
  console.log(`same texts from both paths: ${allSame ? 'yes, every request' : runs.map((r) => `${r.same}/${N}`).join(', ')}`);
}
