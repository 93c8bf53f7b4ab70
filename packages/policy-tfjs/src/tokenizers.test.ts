import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CharTokenizer } from './char-tokenizer';
import { HfTokenizer } from './hf-tokenizer';
import { BPE_JSON } from './testing/bpe-fixture';
import { loadTokenizerFromDir, tokenizerFiles } from './tokenizer-files';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trellis-tok-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('CharTokenizer', () => {
  it('uses fixed special ids and maps unknown characters to UNK', () => {
    const t = new CharTokenizer('abca');
    expect([t.padId, t.bosId, t.eosId, t.unkId]).toEqual([0, 1, 2, 3]);
    expect(t.vocabSize).toBe(7);
    expect(t.encode('cab?')).toEqual([6, 4, 5, 3]);
    expect(t.decode([1, 6, 4, 0, 3, 2])).toBe('ca\uFFFD');
    expect(CharTokenizer.fromJSON(JSON.parse(JSON.stringify(t.toJSON()))).encode('abc')).toEqual(t.encode('abc'));
  });

  it('the default alphabet round-trips every printable ASCII character and newline, one id each, no UNK', () => {
    const t = new CharTokenizer();
    const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
    for (const ch of `\n${printable}`) {
      const ids = t.encode(ch);
      expect(ids).toHaveLength(1);
      expect(ids[0]).not.toBe(t.unkId);
      expect(t.decode(ids)).toBe(ch);
    }
    const critique = 'Issue: The second line "69+395=464" is wrong.\n<feedback>\n1. Redo it: {x} [y] ~`|_^%$#@!;\'\n</feedback>';
    expect(t.decode(t.encode(critique))).toBe(critique);
    expect(t.vocabSize).toBe(4 + 96);
  });
});

describe('HfTokenizer', () => {
  it('loads a local tokenizer.json, resolves special ids and never adds specials', async () => {
    const path = join(root, 'tokenizer.json');
    await writeFile(path, JSON.stringify(BPE_JSON));
    const t = await HfTokenizer.fromFile(path);
    expect([t.bosId, t.eosId, t.padId, t.vocabSize]).toEqual([0, 1, 1, 8]);
    expect(t.encode('abc ab')).toEqual([7, 5, 6]);
    expect(t.decode([0, 7, 5, 6, 1])).toBe('abc ab');
    const dir = join(root, 'ckpt');
    const files = tokenizerFiles(t);
    expect(Object.keys(files).sort()).toEqual(['tokenizer.json', 'tokenizer_config.json']);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    const back = await loadTokenizerFromDir(dir);
    expect([back.bosId, back.eosId, back.padId]).toEqual([0, 1, 1]);
    expect(back.encode('cab')).toEqual(t.encode('cab'));
  });

  it('takes explicit special tokens and fails clearly without an EOS', () => {
    const noEos = { ...BPE_JSON, added_tokens: [], model: { ...BPE_JSON.model, vocab: { a: 0, b: 1 }, merges: [] } };
    expect(() => new HfTokenizer(noEos)).toThrow(/no EOS token found/);
    const t = new HfTokenizer(noEos, {}, { eos: 'b', bos: null });
    expect([t.bosId, t.eosId, t.padId]).toEqual([undefined, 1, 1]);
    expect(() => new HfTokenizer(noEos, {}, { eos: 'zz' })).toThrow(/not in the vocabulary/);
  });
});
