import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { checkOutPath, makeDirs } from './out-path';

const tmp = () => mkdtempSync(join(tmpdir(), 'trellis-out-'));

describe('checkOutPath', () => {
  it('accepts a new file or directory under a writable directory and creates nothing', () => {
    const dir = tmp();
    expect(checkOutPath(join(dir, 'a', 'b', 'results.jsonl'), { kind: 'file' })).toBe(join(dir, 'a', 'b', 'results.jsonl'));
    expect(checkOutPath(join(dir, 'run'), { kind: 'dir' })).toBe(join(dir, 'run'));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('accepts an existing writable file, and an existing directory (empty when asked)', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'old.jsonl'), 'x');
    expect(() => checkOutPath(join(dir, 'old.jsonl'), { kind: 'file' })).not.toThrow();
    mkdirSync(join(dir, 'empty'));
    expect(() => checkOutPath(join(dir, 'empty'), { kind: 'dir', empty: true })).not.toThrow();
    expect(readdirSync(join(dir, 'empty'))).toEqual([]);
  });

  it('refuses a directory as a file, a file as a directory, and a non-empty new run directory', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'f'), 'x');
    mkdirSync(join(dir, 'full'));
    writeFileSync(join(dir, 'full', 'x'), 'x');
    expect(() => checkOutPath(dir, { kind: 'file' })).toThrow(ConfigError);
    expect(() => checkOutPath(dir, { kind: 'file' })).toThrow(/^--out .*: is a directory; give the path of a file to write/);
    expect(() => checkOutPath(`${dir}/new/`, { kind: 'file' })).toThrow(/ends with '\/'/);
    expect(() => checkOutPath(join(dir, 'f'), { kind: 'dir' })).toThrow(/exists and is not a directory/);
    expect(() => checkOutPath(join(dir, 'f', 'sub'), { kind: 'file' })).toThrow(/cannot be created: .*\/f is a file/);
    expect(() => checkOutPath(join(dir, 'full'), { kind: 'dir', empty: true, flag: '--out' })).toThrow(
      /already exists and is not empty; resume it with --resume/,
    );
  });

  it('refuses /proc (where recursive mkdir never returns) and an over-long name, naming the flag', () => {
    expect(() => checkOutPath('/proc/self/x', { kind: 'dir', flag: 'pretrain.out' })).toThrow(
      /^pretrain\.out \/proc\/self\/x: cannot be created: \/proc\/self does not accept new files or directories/,
    );
    expect(() => checkOutPath(join(tmp(), 'x'.repeat(300)), { kind: 'file' })).toThrow(/longer than 255 bytes/);
  });

  it('refuses a directory that does not accept new entries (chmod 500; as root, where that is no bar, sysfs)', () => {
    if (process.getuid?.() === 0) {
      expect(() => checkOutPath('/sys/trellis-run', { kind: 'dir' })).toThrow(
        /\/sys does not accept new files or directories \(EPERM\)/,
      );
      return;
    }
    const dir = tmp();
    chmodSync(dir, 0o500);
    expect(() => checkOutPath(join(dir, 'run'), { kind: 'dir' })).toThrow(/does not accept new files or directories \(EACCES\)/);
    chmodSync(dir, 0o700);
  });
});

describe('makeDirs', () => {
  it('creates missing levels one by one, and fails on /proc instead of hanging', () => {
    const dir = tmp();
    makeDirs(join(dir, 'a', 'b', 'c'));
    expect(existsSync(join(dir, 'a', 'b', 'c'))).toBe(true);
    makeDirs(join(dir, 'a', 'b', 'c'));
    expect(() => makeDirs('/proc/self/x/y')).toThrow(/ENOENT/);
  });
});
