import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { fsyncDir, writeAndSync } from './write-file-atomic';

function checkRelative(name: string): string {
  const n = normalize(name);
  if (name.length === 0 || isAbsolute(name) || n === '..' || n.startsWith(`..${sep}`) || n === '.') {
    throw new Error(`writeDirAtomic: file name '${name}' must be a relative path inside the directory`);
  }
  return n;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Write a whole directory atomically. `files` maps relative paths (sub-folders allowed, `..` and
 * absolute paths rejected) to contents. Everything is written and fsynced in a temporary sibling
 * `.<name>.tmp-*`, which is then renamed to `dir`. When `dir` already exists it is first renamed
 * aside to `.<name>.old-*` and removed only after the new directory is in place, so at every
 * moment either the complete old or the complete new checkpoint exists on disk (the `.old-*`
 * sibling is the one to recover from if the process dies between the two renames). On failure the
 * temporary directory is removed and `dir` is left as it was.
 */
export async function writeDirAtomic(dir: string, files: Readonly<Record<string, string | Uint8Array>>): Promise<void> {
  const target = resolve(dir);
  const parent = dirname(target);
  const name = basename(target);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = join(parent, `.${name}.tmp-${tag}`);
  const old = join(parent, `.${name}.old-${tag}`);
  const entries = Object.entries(files).map(([rel, data]) => [checkRelative(rel), data] as const);
  await mkdir(parent, { recursive: true });
  try {
    await mkdir(tmp);
    const dirs = new Set<string>([tmp]);
    for (const [rel, data] of entries) {
      const path = join(tmp, rel);
      const d = dirname(path);
      if (!dirs.has(d)) {
        await mkdir(d, { recursive: true });
        dirs.add(d);
      }
      await writeAndSync(path, data);
    }
    for (const d of dirs) await fsyncDir(d);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  const hadOld = await exists(target);
  if (hadOld) await rename(target, old);
  try {
    await rename(tmp, target);
  } catch (e) {
    if (hadOld) await rename(old, target);
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  await fsyncDir(parent);
  if (hadOld) await rm(old, { recursive: true, force: true });
}
