import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDirUndo } from './run-paths';

const make = (dir: string) => {
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  writeFileSync(join(dir, 'config.yaml'), 'name: x\n');
};

describe('runDirUndo: what a failed set-up removes', () => {
  it('a directory that did not exist goes, with the parents made for it', () => {
    const root = mkdtempSync(join(tmpdir(), 'trellis-undo-'));
    const dir = join(root, 'a', 'b', 'run');
    const undo = runDirUndo(dir);
    make(dir);
    undo();
    expect(existsSync(join(root, 'a'))).toBe(false);
    expect(existsSync(root)).toBe(true);
  });

  it('a parent that gained other files meanwhile stays', () => {
    const root = mkdtempSync(join(tmpdir(), 'trellis-undo-'));
    const dir = join(root, 'a', 'run');
    const undo = runDirUndo(dir);
    make(dir);
    writeFileSync(join(root, 'a', 'other.txt'), 'keep');
    undo();
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(join(root, 'a'))).toEqual(['other.txt']);
  });

  it('a directory that existed empty is emptied again and kept', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-undo-'));
    const undo = runDirUndo(dir);
    make(dir);
    undo();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a directory that existed with files is never touched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-undo-'));
    writeFileSync(join(dir, 'mine.txt'), 'user data');
    const undo = runDirUndo(dir);
    undo();
    expect(readdirSync(dir)).toEqual(['mine.txt']);
  });
});
