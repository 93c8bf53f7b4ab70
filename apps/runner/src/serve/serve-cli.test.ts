import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyServePolicy } from './test-support';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const cli = here('../../dist/cli.js');
const template = here('../../test/fixtures/serve/chat-template.yaml');
let checkpoint: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`built CLI missing at ${cli}: run 'pnpm build' first`);
  const policy = await tinyServePolicy(3);
  checkpoint = join(mkdtempSync(join(tmpdir(), 'trellis-serve-')), 'tiny-ckpt');
  await policy.save(checkpoint);
  policy.dispose();
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Start the built `trellis serve` and resolve once it printed its URL line. */
function serve(args: string[]) {
  const child = spawn(process.execPath, [cli, 'serve', checkpoint, '--backend', 'wasm', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      stdout += d;
      const m = /^listening on (http:\/\/\S+)\n/.exec(stdout);
      if (m) resolve(m[1] as string);
    });
    void exited.then((code) => reject(new Error(`trellis serve exited (${code}) before listening:\n${stderr}`)));
  });
  return { child, url, exited, out: () => stdout, err: () => stderr };
}

/** Local addresses the process `pid` listens on (TCP), from `ss -ltnp`; undefined without ss. */
function listening(pid: number): string[] | undefined {
  const r = spawnSync('ss', ['-ltnpH'], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return r.stdout
    .split('\n')
    .filter((l) => l.includes(`pid=${pid},`))
    .map((l) => l.trim().split(/\s+/)[3] as string);
}

describe('trellis serve (built CLI)', () => {
  it('prints one URL line, listens on 127.0.0.1 only, answers the openai client and exits 0 on SIGTERM', async () => {
    const s = serve(['--port', '0', '--max-tokens', '8']);
    const url = await s.url;
    const { hostname, port } = new URL(url);
    expect(hostname).toBe('127.0.0.1');
    const addresses = listening(s.child.pid as number);
    if (addresses) expect(addresses).toEqual([`127.0.0.1:${port}`]);

    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(['tiny-ckpt']);
    const chat = await client.chat.completions.create({ model: 'tiny-ckpt', messages: [{ role: 'user', content: 'hi' }], n: 2 });
    expect(chat.choices).toHaveLength(2);
    expect(chat.usage?.completion_tokens).toBeLessThanOrEqual(16);
    const done = await client.completions.create({ model: 'tiny-ckpt', prompt: 'x', max_tokens: 3 });
    expect(done.choices).toHaveLength(1);

    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.out()).toBe(`listening on ${url}\n`);
    expect(s.err()).toMatch(/POST \/v1\/chat\/completions 200/);
    expect(s.err()).toMatch(/SIGTERM: finishing/);
    expect(s.err()).toMatch(/stopped after 3 request\(s\)/);
  });

  it('--chat-template, --model-id and --quiet; SIGINT exits 0', async () => {
    const s = serve(['--port', '0', '--model-id', 'custom', '--chat-template', template, '--quiet']);
    const client = new OpenAI({ baseURL: `${await s.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const chat = await client.chat.completions.create({
      model: 'custom',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 4,
    });
    expect(chat.usage?.prompt_tokens).toBe('### Chat\nQ: hi\nA:'.length + 1);
    s.child.kill('SIGINT');
    expect(await s.exited).toBe(0);
    expect(s.err()).not.toMatch(/POST /);
  });

  it('a port already in use exits 2 with a message', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    try {
      const s = serve(['--port', String((taken.address() as AddressInfo).port)]);
      await expect(s.url).rejects.toThrow(/exited \(2\)/);
      expect(s.err()).toMatch(/cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });

  it('bad options and a missing checkpoint exit 2 with a message', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [cli, 'serve', ...args], { encoding: 'utf8', timeout: 60_000 });
    const port = run(checkpoint, '--port', 'abc');
    expect(port.status).toBe(2);
    expect(port.stderr).toMatch(/--port.*expected an integer from 0 to 65535/);
    const missing = run(join(checkpoint, 'nope'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/not a checkpoint directory/);
    const badTemplate = run(checkpoint, '--chat-template', join(here('../../test/fixtures/'), 'good.yaml'));
    expect(badTemplate.status).toBe(2);
    expect(badTemplate.stderr).toMatch(/good\.yaml/);
  });
});
