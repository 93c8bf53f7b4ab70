import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeDirAtomic } from './write-dir-atomic';
import { writeFileAtomic } from './write-file-atomic';

describe('atomic writes', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'trellis-ckpt-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes a directory with nested files', async () => {
    const dir = join(root, 'ckpt');
    await writeDirAtomic(dir, { 'a.json': '{"x":1}', 'sub/b.bin': new Uint8Array([1, 2, 3]) });
    expect(await readFile(join(dir, 'a.json'), 'utf8')).toBe('{"x":1}');
    expect(Array.from(await readFile(join(dir, 'sub/b.bin')))).toEqual([1, 2, 3]);
    expect((await readdir(root)).sort()).toEqual(['ckpt']);
  });

  it('replaces an existing directory whole, leaving no stale files or temp siblings', async () => {
    const dir = join(root, 'ckpt');
    await writeDirAtomic(dir, { 'old.txt': 'old', 'keep.txt': '1' });
    await writeDirAtomic(dir, { 'keep.txt': '2' });
    expect((await readdir(dir)).sort()).toEqual(['keep.txt']);
    expect(await readFile(join(dir, 'keep.txt'), 'utf8')).toBe('2');
    expect(await readdir(root)).toEqual(['ckpt']);
  });

  it('leaves the old directory untouched when a write fails', async () => {
    const dir = join(root, 'ckpt');
    await writeDirAtomic(dir, { 'a.txt': 'A' });
    const bad = { 'b.txt': 'B', 'c.txt': 42 as unknown as string };
    await expect(writeDirAtomic(dir, bad)).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['a.txt']);
    expect(await readdir(root)).toEqual(['ckpt']);
  });

  it('rejects paths that escape the directory', async () => {
    await expect(writeDirAtomic(join(root, 'x'), { '../evil': 'x' })).rejects.toThrow(/relative path inside/);
    await expect(writeDirAtomic(join(root, 'x'), { '/abs': 'x' })).rejects.toThrow(/relative path inside/);
  });

  it('writeFileAtomic replaces a file and leaves no temp file', async () => {
    const path = join(root, 'deep', 'f.txt');
    await writeFileAtomic(path, 'one');
    await writeFile(join(root, 'other'), 'z');
    await writeFileAtomic(path, new Uint8Array([104, 105]));
    expect(await readFile(path, 'utf8')).toBe('hi');
    expect(await readdir(join(root, 'deep'))).toEqual(['f.txt']);
  });
});
