import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { writeAndSync } from './write-file-atomic';

/** File name of a checkpoint's manifest, written last inside the checkpoint directory. */
export const MANIFEST_FILE = 'manifest.json';

/** One file of a checkpoint: its size and content hash. */
export interface ManifestEntry {
  readonly bytes: number;
  readonly sha256: string;
}

/** `manifest.json`: every other file of the checkpoint (relative POSIX paths), with size and SHA-256. */
export interface CheckpointManifest {
  readonly format: 'trellis-checkpoint';
  readonly version: 1;
  readonly files: Readonly<Record<string, ManifestEntry>>;
}

/** Outcome of {@link verifyCheckpointManifest}: `missing` when the directory has no manifest at all. */
export type ManifestCheck =
  | { readonly status: 'ok' }
  | { readonly status: 'missing' }
  | { readonly status: 'bad'; reason: string };

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

async function listFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(root, path)));
    else if (e.isFile() && path !== MANIFEST_FILE) out.push(path);
    else if (!e.isFile()) throw new Error(`${join(root, path)}: checkpoints hold only plain files and directories`);
  }
  return out.sort();
}

/**
 * Hash every file under checkpoint directory `dir` (fsyncing each one), then write `manifest.json`
 * listing them with byte sizes and SHA-256. Call it last, once everything else is written: a
 * checkpoint is intact only if its manifest exists and every listed file matches.
 */
export async function writeCheckpointManifest(dir: string): Promise<CheckpointManifest> {
  const files: Record<string, ManifestEntry> = {};
  for (const rel of await listFiles(dir)) {
    const handle = await open(join(dir, rel), 'r');
    try {
      const data = await handle.readFile();
      await handle.sync();
      files[rel] = { bytes: data.byteLength, sha256: sha256(data) };
    } finally {
      await handle.close();
    }
  }
  const manifest: CheckpointManifest = { format: 'trellis-checkpoint', version: 1, files };
  await writeAndSync(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function safeRelative(rel: string): boolean {
  const n = normalize(rel);
  return rel.length > 0 && !isAbsolute(rel) && n !== '..' && !n.startsWith(`..${sep}`) && !rel.includes('\\');
}

function parseManifest(text: string): CheckpointManifest | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return `${MANIFEST_FILE} is not valid JSON (${(e as Error).message})`;
  }
  const m = raw as Partial<CheckpointManifest> | null;
  if (!m || typeof m !== 'object' || m.format !== 'trellis-checkpoint' || m.version !== 1) {
    return `${MANIFEST_FILE} is not a trellis-checkpoint version 1 manifest`;
  }
  if (!m.files || typeof m.files !== 'object' || Object.keys(m.files).length === 0) return `${MANIFEST_FILE} lists no files`;
  for (const [rel, e] of Object.entries(m.files)) {
    if (!safeRelative(rel)) return `${MANIFEST_FILE} lists a path outside the checkpoint: ${JSON.stringify(rel)}`;
    if (!e || !Number.isSafeInteger(e.bytes) || e.bytes < 0 || typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256)) {
      return `${MANIFEST_FILE} has a malformed entry for ${rel}`;
    }
  }
  return m as CheckpointManifest;
}

/**
 * Check checkpoint directory `dir` against its `manifest.json`: every listed file must exist as a
 * plain file with the recorded size and SHA-256 (sizes are compared first, so a truncated file is
 * reported without hashing). Files not in the manifest are ignored. Synchronous; reads every file.
 */
export function verifyCheckpointManifest(dir: string): ManifestCheck {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) return { status: 'missing' };
  const manifest = parseManifest(readFileSync(path, 'utf8'));
  if (typeof manifest === 'string') return { status: 'bad', reason: manifest };
  for (const [rel, e] of Object.entries(manifest.files)) {
    const file = join(dir, rel);
    let size: number;
    try {
      const st = lstatSync(file);
      if (!st.isFile()) return { status: 'bad', reason: `${rel} is not a plain file` };
      size = st.size;
    } catch {
      return { status: 'bad', reason: `${rel} is missing` };
    }
    if (size !== e.bytes) return { status: 'bad', reason: `${rel} is ${size} bytes, the manifest says ${e.bytes}` };
    if (sha256(readFileSync(file)) !== e.sha256) return { status: 'bad', reason: `${rel} does not match its SHA-256 checksum` };
  }
  return { status: 'ok' };
}
