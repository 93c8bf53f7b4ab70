/**
 * A small reader/writer for the safetensors format (https://github.com/huggingface/safetensors):
 * an unsigned 64-bit little-endian header length N, N bytes of UTF-8 JSON, then the raw
 * little-endian tensor bytes. The JSON maps each tensor name to
 * `{ dtype, shape, data_offsets: [begin, end] }` (offsets relative to the end of the header) and may
 * hold string metadata under `__metadata__`.
 */

/** Element types understood by this codec, with their TypedArray views. */
export type SafetensorsDtype =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'I64'
  | 'I32'
  | 'I16'
  | 'I8'
  | 'U64'
  | 'U32'
  | 'U16'
  | 'U8'
  | 'BOOL';

/** TypedArray used for each dtype (F16/BF16 keep their raw 16-bit patterns in a Uint16Array). */
export type SafetensorsData =
  | Float64Array
  | Float32Array
  | BigInt64Array
  | BigUint64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array;

/** One tensor: dtype, shape (row-major) and its elements. */
export interface SafetensorsTensor {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly data: SafetensorsData;
}

/** A decoded file: tensors in file order, plus the optional string metadata. */
export interface SafetensorsFile {
  readonly tensors: Record<string, SafetensorsTensor>;
  readonly metadata: Record<string, string>;
}

const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

/** Largest header this reader accepts (the reference implementation's limit). */
const MAX_HEADER_BYTES = 100_000_000;

/** Raised for any malformed safetensors input; the message names the source and the problem. */
export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
}

function isDtype(v: unknown): v is SafetensorsDtype {
  return typeof v === 'string' && Object.hasOwn(DTYPE_BYTES, v);
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function viewOf(dtype: SafetensorsDtype, buffer: ArrayBuffer): SafetensorsData {
  switch (dtype) {
    case 'F64':
      return new Float64Array(buffer);
    case 'F32':
      return new Float32Array(buffer);
    case 'I64':
      return new BigInt64Array(buffer);
    case 'U64':
      return new BigUint64Array(buffer);
    case 'I32':
      return new Int32Array(buffer);
    case 'U32':
      return new Uint32Array(buffer);
    case 'I16':
      return new Int16Array(buffer);
    case 'F16':
    case 'BF16':
    case 'U16':
      return new Uint16Array(buffer);
    case 'I8':
      return new Int8Array(buffer);
    case 'U8':
    case 'BOOL':
      return new Uint8Array(buffer);
  }
}

function assertLittleEndianHost(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new SafetensorsError('safetensors: big-endian hosts are not supported');
  }
}

/**
 * Encode tensors (in the given key order) and optional string metadata to safetensors bytes.
 * The header is padded with spaces to a multiple of 8 bytes so every tensor starts aligned.
 * Throws when a tensor's element count does not match its shape or its TypedArray its dtype.
 */
export function encodeSafetensors(
  tensors: Readonly<Record<string, SafetensorsTensor>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  assertLittleEndianHost();
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  let offset = 0;
  const parts: Uint8Array[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') throw new SafetensorsError("safetensors: '__metadata__' is reserved");
    if (!isDtype(t.dtype)) throw new SafetensorsError(`safetensors: tensor '${name}' has unknown dtype '${String(t.dtype)}'`);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(`safetensors: tensor '${name}' has an invalid shape [${t.shape.join(', ')}]`);
    }
    const count = elementCount(t.shape);
    const width = DTYPE_BYTES[t.dtype];
    if (t.data.BYTES_PER_ELEMENT !== width) {
      throw new SafetensorsError(
        `safetensors: tensor '${name}' is ${t.dtype} but its data has ${t.data.BYTES_PER_ELEMENT}-byte elements`,
      );
    }
    if (t.data.length !== count) {
      throw new SafetensorsError(
        `safetensors: tensor '${name}' has ${t.data.length} elements but shape [${t.shape.join(', ')}] needs ${count}`,
      );
    }
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.byteLength] };
    parts.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(json);
  const pad = (8 - ((8 + headerBytes.byteLength) % 8)) % 8;
  if (pad > 0) {
    json += ' '.repeat(pad);
    headerBytes = encoder.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/**
 * Decode and validate safetensors bytes. `sourceName` (usually the file path) prefixes every
 * error. Checks: the header length fits the file, the header is a JSON object, every entry has a
 * known dtype, a non-negative integer shape and `[begin, end]` offsets whose span equals
 * `elements x dtype size`, and the entries tile the data area exactly (no overlap, no gap, no
 * trailing or missing bytes, as in a truncated file). Tensor data is copied out of `bytes` (which
 * may be a Node Buffer view of a shared pool).
 */
export function decodeSafetensors(bytes: Uint8Array, sourceName: string): SafetensorsFile {
  assertLittleEndianHost();
  const fail = (problem: string): never => {
    throw new SafetensorsError(`${sourceName}: invalid safetensors file: ${problem}`);
  };
  if (bytes.byteLength < 8) fail(`file is ${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  const headerLen64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLen64 > BigInt(MAX_HEADER_BYTES)) fail(`header length ${headerLen64} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const headerLen = Number(headerLen64);
  if (headerLen < 2) fail(`header length ${headerLen} is too small for a JSON object`);
  if (8 + headerLen > bytes.byteLength) {
    fail(`header length ${headerLen} runs past the end of the file (${bytes.byteLength} bytes; truncated?)`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    if (typeof raw !== 'object' || raw === null) fail(`entry '${name}' is not an object`);
    const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
    if (!isDtype(dtype)) fail(`tensor '${name}' has unknown dtype ${JSON.stringify(dtype)}`);
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
    const d = dtype as SafetensorsDtype;
    const expected = elementCount(shape as number[]) * DTYPE_BYTES[d];
    if (end - begin !== expected) {
      fail(
        `tensor '${name}' spans ${end - begin} bytes but ${d} [${(shape as number[]).join(', ')}] needs ${expected} (bad data_offsets)`,
      );
    }
    if (end > dataLen) {
      fail(
        `tensor '${name}' ends at byte ${end} but the data area has only ${dataLen} bytes (truncated file or bad data_offsets)`,
      );
    }
    entries.push({ name, dtype: d, shape: shape as number[], begin, end });
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of sorted) {
    if (e.begin < cursor) fail(`tensor '${e.name}' overlaps the previous tensor (data_offsets ${e.begin}..${e.end})`);
    if (e.begin > cursor) fail(`gap of ${e.begin - cursor} bytes before tensor '${e.name}' (bad data_offsets)`);
    cursor = e.end;
  }
  if (cursor !== dataLen) fail(`data area has ${dataLen} bytes but the tensors cover ${cursor} (trailing bytes)`);
  const tensors: Record<string, SafetensorsTensor> = {};
  for (const e of entries) {
    const copy = new Uint8Array(e.end - e.begin);
    copy.set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    tensors[e.name] = { dtype: e.dtype, shape: e.shape, data: viewOf(e.dtype, copy.buffer) };
  }
  return { tensors, metadata };
}
