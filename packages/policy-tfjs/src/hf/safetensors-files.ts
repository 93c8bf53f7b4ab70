/**
 * Hugging Face checkpoint files on disk: a single `model.safetensors`, or shards listed by
 * `model.safetensors.index.json`. Listing reads only the headers; reading streams one tensor's byte
 * range at a time, so a multi-gigabyte shard is never held in memory. Floating-point weights may be
 * F32, F16 or BF16; all are returned as Float32Array.
 */
import { type FileHandle, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeSafetensors, SafetensorsError, type SafetensorsTensor } from '@trellis/core';

/** One tensor as stored in a checkpoint file; `begin`/`end` are absolute byte offsets in `file`. */
export interface StoredTensor {
  readonly name: string;
  readonly dtype: 'F32' | 'F16' | 'BF16';
  readonly shape: readonly number[];
  readonly file: string;
  readonly begin: number;
  readonly end: number;
}

type FloatDtype = StoredTensor['dtype'];

const SINGLE_FILE = 'model.safetensors';
const INDEX_FILE = 'model.safetensors.index.json';
const WIDTH: Record<FloatDtype, number> = { F32: 4, F16: 2, BF16: 2 };
const SUPPORTED = 'F32, F16, BF16';
/** Largest header accepted (the reference implementation's limit). */
const MAX_HEADER_BYTES = 100_000_000;

/** A header entry before its dtype is checked (so unwanted non-float tensors can be skipped). */
interface RawEntry {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly file: string;
  readonly begin: number;
  readonly end: number;
}

const isFloatDtype = (d: string): d is FloatDtype => d === 'F32' || d === 'F16' || d === 'BF16';

function assertLittleEndianHost(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new SafetensorsError('big-endian hosts are not supported');
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function readExactly(fh: FileHandle, into: Uint8Array, position: number, file: string): Promise<void> {
  let done = 0;
  while (done < into.byteLength) {
    const { bytesRead } = await fh.read(into, done, into.byteLength - done, position + done);
    if (bytesRead === 0) throw new SafetensorsError(`${file}: unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
}

/** Read and validate the header of one safetensors file, without touching its data area. */
async function readHeader(file: string): Promise<RawEntry[]> {
  const fail = (problem: string): never => {
    throw new SafetensorsError(`${file}: invalid safetensors file: ${problem}`);
  };
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    if (size < 8) fail(`file is ${size} bytes, shorter than the 8-byte header length`);
    const lenBytes = new Uint8Array(8);
    await readExactly(fh, lenBytes, 0, file);
    const len64 = new DataView(lenBytes.buffer).getBigUint64(0, true);
    if (len64 > BigInt(MAX_HEADER_BYTES)) fail(`header length ${len64} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
    const headerLen = Number(len64);
    if (headerLen < 2) fail(`header length ${headerLen} is too small for a JSON object`);
    if (8 + headerLen > size) fail(`header length ${headerLen} runs past the end of the file (${size} bytes; truncated?)`);
    const headerBytes = new Uint8Array(headerLen);
    await readExactly(fh, headerBytes, 8, file);
    let header: unknown;
    try {
      header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
    } catch (e) {
      fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
    const dataStart = 8 + headerLen;
    const out: RawEntry[] = [];
    for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
      if (name === '__metadata__') continue;
      if (typeof raw !== 'object' || raw === null) fail(`entry '${name}' is not an object`);
      const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
      if (typeof dtype !== 'string') fail(`tensor '${name}' has no dtype`);
      if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
        fail(`tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
      }
      if (
        !Array.isArray(offsets) ||
        offsets.length !== 2 ||
        !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
        offsets[0] > offsets[1]
      ) {
        fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}`);
      }
      const [begin, end] = offsets as [number, number];
      const dims = shape as number[];
      if (dataStart + end > size) {
        fail(
          `tensor '${name}' data_offsets [${begin}, ${end}] run past the end of the file (data area is ${size - dataStart} bytes; truncated?)`,
        );
      }
      const d = dtype as string;
      if (isFloatDtype(d)) {
        const need = dims.reduce((a, b) => a * b, 1) * WIDTH[d];
        if (end - begin !== need) {
          fail(`tensor '${name}' spans ${end - begin} bytes but ${d} [${dims.join(', ')}] needs ${need} (bad data_offsets)`);
        }
      }
      out.push({ name, dtype: d, shape: dims, file, begin: dataStart + begin, end: dataStart + end });
    }
    return out.sort((a, b) => a.begin - b.begin);
  } finally {
    await fh.close();
  }
}

/** All entries of a checkpoint directory, shard by shard (shards in file-name order, tensors in offset order). */
async function scanCheckpoint(dir: string): Promise<RawEntry[]> {
  const single = join(dir, SINGLE_FILE);
  // Like transformers' from_pretrained, a single model.safetensors wins over an index.
  if (await exists(single)) return readHeader(single);
  const indexPath = join(dir, INDEX_FILE);
  if (!(await exists(indexPath))) throw new SafetensorsError(`${dir}: found neither ${SINGLE_FILE} nor ${INDEX_FILE}`);
  let index: unknown;
  try {
    index = JSON.parse(await readFile(indexPath, 'utf8'));
  } catch (e) {
    throw new SafetensorsError(`${indexPath}: not valid JSON (${(e as Error).message})`);
  }
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new SafetensorsError(`${indexPath}: weight_map is missing or not an object`);
  }
  const byShard = new Map<string, string[]>();
  for (const [name, shard] of Object.entries(weightMap as Record<string, unknown>)) {
    if (typeof shard !== 'string' || shard === '' || shard.includes('/') || shard.includes('\\') || shard === '..') {
      throw new SafetensorsError(`${indexPath}: weight_map['${name}'] must be a shard file name, got ${JSON.stringify(shard)}`);
    }
    const names = byShard.get(shard) ?? [];
    names.push(name);
    byShard.set(shard, names);
  }
  const out: RawEntry[] = [];
  for (const shard of [...byShard.keys()].sort()) {
    const path = join(dir, shard);
    if (!(await exists(path))) throw new SafetensorsError(`${indexPath}: shard '${shard}' is listed but ${path} does not exist`);
    const entries = new Map((await readHeader(path)).map((e) => [e.name, e]));
    const listed = new Set(byShard.get(shard));
    for (const name of listed) {
      if (!entries.has(name))
        throw new SafetensorsError(`${indexPath}: tensor '${name}' is mapped to '${shard}' but ${path} has no such tensor`);
    }
    // The index is authoritative: tensors a shard holds but the index does not map are ignored.
    for (const e of entries.values()) if (listed.has(e.name)) out.push(e);
  }
  return out;
}

function checkDtype(e: RawEntry): StoredTensor {
  if (!isFloatDtype(e.dtype)) {
    throw new SafetensorsError(
      `${e.file}: tensor '${e.name}' has dtype ${e.dtype}, which is not supported for weights; supported: ${SUPPORTED}`,
    );
  }
  return { name: e.name, dtype: e.dtype, shape: e.shape, file: e.file, begin: e.begin, end: e.end };
}

/**
 * List the tensors of a Hugging Face checkpoint directory from the safetensors headers only:
 * `dir/model.safetensors`, else the shards named by `dir/model.safetensors.index.json` (only
 * tensors the index maps are listed). Throws a SafetensorsError naming the file and the problem:
 * neither file present, a listed shard missing, an indexed tensor absent from its shard, a dtype
 * other than F32/F16/BF16, or header offsets outside the file.
 */
export async function listCheckpointTensors(dir: string): Promise<StoredTensor[]> {
  return (await scanCheckpoint(dir)).map(checkDtype);
}

/**
 * Stream the tensors of a checkpoint directory (see listCheckpointTensors), shard by shard, each
 * converted to Float32Array. Each tensor's bytes are read with one positioned read, so at most one
 * tensor is buffered. `wanted` selects tensors by name; unwanted tensors are neither read nor
 * dtype-checked (so e.g. an I64 buffer can be skipped).
 */
export async function* readCheckpointTensors(
  dir: string,
  wanted?: (name: string) => boolean,
): AsyncGenerator<{ name: string; shape: number[]; data: Float32Array }> {
  assertLittleEndianHost();
  const entries = (await scanCheckpoint(dir)).filter((e) => !wanted || wanted(e.name)).map(checkDtype);
  let fh: FileHandle | undefined;
  let openFile = '';
  try {
    for (const t of entries) {
      if (t.file !== openFile) {
        await fh?.close();
        fh = undefined;
        fh = await open(t.file, 'r');
        openFile = t.file;
      }
      const bytes = new Uint8Array(t.end - t.begin);
      await readExactly(fh!, bytes, t.begin, t.file);
      let data: Float32Array;
      if (t.dtype === 'F32') data = new Float32Array(bytes.buffer);
      else if (t.dtype === 'BF16') data = bf16ToFloat32(new Uint16Array(bytes.buffer));
      else data = f16ToFloat32(new Uint16Array(bytes.buffer));
      yield { name: t.name, shape: [...t.shape], data };
    }
  } finally {
    await fh?.close();
  }
}

// ---- float conversions -------------------------------------------------------------------------

/** Widen BF16 bit patterns to float32 (exact: bf16 is the upper half of a float32). */
export function bf16ToFloat32(x: Uint16Array): Float32Array {
  const out = new Uint32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! << 16;
  return new Float32Array(out.buffer);
}

/** Narrow float32 values to BF16 bit patterns, rounding to nearest even; NaN stays a (quiet) NaN. */
export function float32ToBf16(x: Float32Array): Uint16Array {
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const b = bits[i]!;
    if ((b & 0x7f800000) === 0x7f800000 && (b & 0x007fffff) !== 0) {
      out[i] = (b >>> 16) | 0x0040; // keep sign and payload top bits, force the quiet bit so it stays NaN
    } else {
      out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16; // carries into the exponent give the right inf
    }
  }
  return out;
}

let halfTable: Float32Array | undefined;

/** All 65536 half-precision values, built once. */
function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) t[h] = sign * mant * 2 ** -24;
    else if (exp === 31) t[h] = mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
    else t[h] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  halfTable = t;
  return t;
}

/** Widen IEEE half-precision bit patterns to float32 (exact, incl. subnormals, ±inf, NaN). */
export function f16ToFloat32(x: Uint16Array): Float32Array {
  const table = halfToFloatTable();
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = table[x[i]!]!;
  return out;
}

/**
 * Narrow float32 values to IEEE half-precision bit patterns, rounding to nearest even; values past
 * the largest half (65504, rounding included) become ±inf, tiny values become subnormals or ±0.
 */
export function float32ToF16(x: Float32Array): Uint16Array {
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const b = bits[i]!;
    const sign = (b >>> 16) & 0x8000;
    const e = (b >>> 23) & 0xff;
    const m = b & 0x7fffff;
    const he = e - 127 + 15; // the half exponent field, before range checks
    let h: number;
    if (e === 0xff) {
      h = m === 0 ? 0x7c00 : 0x7e00 | (m >>> 13); // inf, or a quiet NaN
    } else if (he >= 31) {
      h = 0x7c00;
    } else if (he <= 0) {
      if (he < -10) {
        h = 0; // below half the smallest subnormal (2^-25): rounds to zero
      } else {
        const full = m | 0x800000;
        const shift = 14 - he; // 14..24
        const rem = full & ((1 << shift) - 1);
        const halfway = 1 << (shift - 1);
        h = full >>> shift;
        if (rem > halfway || (rem === halfway && (h & 1) === 1)) h++; // may carry into the smallest normal
      }
    } else {
      h = (he << 10) | (m >>> 13);
      const rem = m & 0x1fff;
      if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++; // a carry may reach 0x7c00 (inf)
    }
    out[i] = sign | h;
  }
  return out;
}

// ---- writing -----------------------------------------------------------------------------------

/** Options of encodeCheckpointFiles. */
export interface EncodeCheckpointOptions {
  /** Stored element type (default F32). */
  readonly dtype?: FloatDtype;
  /** Largest data size of one shard in bytes (default 5e9, transformers' `max_shard_size="5GB"`). */
  readonly maxShardBytes?: number;
  /** String metadata merged over `{ format: 'pt' }` in every shard header. */
  readonly metadata?: Record<string, string>;
}

function shardName(i: number, n: number): string {
  const pad = (k: number) => String(k).padStart(5, '0');
  return `model-${pad(i)}-of-${pad(n)}.safetensors`;
}

/**
 * Encode tensors as Hugging Face checkpoint files (name -> contents): one `model.safetensors` when
 * the data fits in `maxShardBytes`, else `model-0000i-of-0000n.safetensors` shards plus
 * `model.safetensors.index.json` (`{ metadata: { total_size }, weight_map }`, keys sorted, as
 * transformers writes it). Tensors keep the given order; a shard is closed when the next tensor
 * would push it past `maxShardBytes` (a larger tensor gets a shard of its own). Sizes count tensor
 * data only, not headers, like transformers' sharding.
 */
export function encodeCheckpointFiles(
  tensors: Iterable<{ name: string; shape: readonly number[]; data: Float32Array }>,
  options: EncodeCheckpointOptions = {},
): Record<string, Uint8Array | string> {
  const dtype = options.dtype ?? 'F32';
  const maxShardBytes = options.maxShardBytes ?? 5e9;
  if (!isFloatDtype(dtype))
    throw new Error(`encodeCheckpointFiles: dtype '${String(dtype)}' is not supported; supported: ${SUPPORTED}`);
  if (!(maxShardBytes > 0)) throw new Error(`encodeCheckpointFiles: maxShardBytes must be positive, got ${maxShardBytes}`);
  const metadata = { format: 'pt', ...options.metadata };
  const shards: Record<string, SafetensorsTensor>[] = [];
  let current: Record<string, SafetensorsTensor> = {};
  let currentBytes = 0;
  let total = 0;
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name)) throw new Error(`encodeCheckpointFiles: duplicate tensor '${t.name}'`);
    seen.add(t.name);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== count) {
      throw new Error(
        `encodeCheckpointFiles: tensor '${t.name}' has ${t.data.length} elements but shape [${t.shape.join(', ')}] needs ${count}`,
      );
    }
    const data = dtype === 'F32' ? t.data : dtype === 'BF16' ? float32ToBf16(t.data) : float32ToF16(t.data);
    const bytes = count * WIDTH[dtype];
    if (currentBytes > 0 && currentBytes + bytes > maxShardBytes) {
      shards.push(current);
      current = {};
      currentBytes = 0;
    }
    current[t.name] = { dtype, shape: [...t.shape], data };
    currentBytes += bytes;
    total += bytes;
  }
  if (Object.keys(current).length > 0 || shards.length === 0) shards.push(current);
  if (shards.length === 1) return { [SINGLE_FILE]: encodeSafetensors(shards[0]!, metadata) };
  const files: Record<string, Uint8Array | string> = {};
  const weightMap: Record<string, string> = {};
  shards.forEach((shard, i) => {
    const name = shardName(i + 1, shards.length);
    files[name] = encodeSafetensors(shard, metadata);
    for (const key of Object.keys(shard)) weightMap[key] = name;
  });
  const sortedMap = Object.fromEntries(
    Object.keys(weightMap)
      .sort()
      .map((k) => [k, weightMap[k]]),
  );
  files[INDEX_FILE] = `${JSON.stringify({ metadata: { total_size: total }, weight_map: sortedMap }, null, 2)}\n`;
  return files;
}
