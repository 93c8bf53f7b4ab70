import { MATMUL_WASM_BASE64 } from './matmul-wasm';

/** The parts of `WebAssembly.Memory` used here (the lib settings of this package have no wasm types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The parts of the global `WebAssembly` API used here. */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}

/** The kernel module's exports (see kernels/matmul.as.ts). */
export interface KernelExports {
  readonly memory: WasmMemory;
  transposeBatch(src: number, dst: number, batch: number, rows: number, cols: number): void;
  matmulBatch(a: number, b: number, c: number, batch: number, M: number, K: number, N: number): void;
  transposeBlocked(src: number, dst: number, rows: number, cols: number): void;
  columnSums(src: number, dst: number, rows: number, cols: number): void;
  decodeAttention(
    qkv: number,
    kc: number,
    vc: number,
    out: number,
    pads: number,
    B: number,
    H: number,
    dh: number,
    t: number,
    tMax: number,
    scale: number,
    scores: number,
    cos: number,
    sin: number,
  ): void;
  attentionScratchBytes(L: number, dh: number): number;
  attentionForward(
    qkv: number,
    out: number,
    rows: number,
    B: number,
    H: number,
    dh: number,
    scale: number,
    scratch: number,
    cos: number,
    sin: number,
  ): void;
  attentionBackward(
    qkv: number,
    dout: number,
    dqkv: number,
    rows: number,
    B: number,
    H: number,
    dh: number,
    scale: number,
    scratch: number,
    cos: number,
    sin: number,
  ): void;
}

let kernel: KernelExports | undefined;
/**
 * First byte this wrapper uses: below it live the module's static data (e.g. the exp tables of
 * `Mathf.exp`, well under 64 KiB).
 */
const BASE = 65536;
/** End of the region held by a live KV cache; scratch space starts there. */
let pinned = BASE;

/** The per-thread kernel instance (compiled on first use). */
export function kernelInstance(): KernelExports {
  if (!kernel) {
    const bytes = Uint8Array.from(atob(MATMUL_WASM_BASE64), (ch) => ch.charCodeAt(0));
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const module = new wasm.Module(bytes);
    kernel = new wasm.Instance(module, { env: { abort: () => undefined } }).exports as unknown as KernelExports;
  }
  return kernel;
}

/** Grow kernel memory to at least `bytes`. */
export function ensureMemory(k: KernelExports, bytes: number): void {
  const missing = bytes - k.memory.buffer.byteLength;
  if (missing > 0) k.memory.grow(Math.ceil(missing / 65536));
}

/**
 * Reserve `bytes` (a multiple of 16) of kernel memory for a KV cache; returns its offset. Only one reservation may be live per thread; free it with {@link unpinMemory}.
 */
export function pinMemory(bytes: number): number {
  if (pinned !== BASE) throw new Error('kernel memory is already pinned by another KV cache');
  pinned = BASE + bytes;
  ensureMemory(kernelInstance(), pinned);
  return BASE;
}

/** Release the reservation made by {@link pinMemory}. */
export function unpinMemory(): void {
  pinned = BASE;
}

/**
 * Batched matmul on the wasm SIMD kernel (see kernels/matmul.as.ts): for p < batch,
 * `c[p] = op(a[p]) @ op(b[p])` where `op` transposes when asked. Shapes of `op(a[p])` and
 * `op(b[p])` are `[M, K]` and `[K, N]`; `a` holds `batch` matrices of `[M, K]` (`[K, M]` when
 * `transA`) and `b` of `[K, N]` (`[N, K]` when `transB`). Returns a new `[batch, M, N]` array.
 */
export function wasmBatchMatMul(
  a: Float32Array,
  b: Float32Array,
  batch: number,
  M: number,
  K: number,
  N: number,
  transA = false,
  transB = false,
): Float32Array {
  const k = kernelInstance();
  const aBytes = batch * M * K * 4;
  const bBytes = batch * K * N * 4;
  const cBytes = batch * M * N * 4;
  const aAt = pinned;
  const bAt = aAt + aBytes;
  const aT = bAt + bBytes;
  const bT = aT + (transA ? aBytes : 0);
  const cAt = bT + (transB ? bBytes : 0);
  ensureMemory(k, cAt + cBytes);
  const heap = new Float32Array(k.memory.buffer);
  heap.set(a, aAt / 4);
  heap.set(b, bAt / 4);
  if (transA) k.transposeBatch(aAt, aT, batch, K, M);
  if (transB) k.transposeBatch(bAt, bT, batch, N, K);
  k.matmulBatch(transA ? aT : aAt, transB ? bT : bAt, cAt, batch, M, K, N);
  return new Float32Array(k.memory.buffer, cAt, batch * M * N).slice();
}

/** `x^T` of a row-major `rows x cols` matrix on the kernel (blocked: see kernels/linalg.as.ts). */
export function wasmTranspose(x: Float32Array, rows: number, cols: number): Float32Array {
  const k = kernelInstance();
  const bytes = rows * cols * 4;
  const src = pinned;
  const dst = src + Math.ceil(bytes / 16) * 16;
  ensureMemory(k, dst + bytes);
  new Float32Array(k.memory.buffer, src, rows * cols).set(x);
  k.transposeBlocked(src, dst, rows, cols);
  return new Float32Array(k.memory.buffer, dst, rows * cols).slice();
}

/** Column sums `[cols]` of a row-major `rows x cols` matrix on the kernel (float32, rows in order). */
export function wasmColumnSums(x: Float32Array, rows: number, cols: number): Float32Array {
  const k = kernelInstance();
  const src = pinned;
  const dst = src + Math.ceil((rows * cols * 4) / 16) * 16;
  ensureMemory(k, dst + cols * 4);
  new Float32Array(k.memory.buffer, src, rows * cols).set(x);
  k.columnSums(src, dst, rows, cols);
  return new Float32Array(k.memory.buffer, dst, cols).slice();
}

const align16 = (n: number) => Math.ceil(n / 16) * 16;

/** Lay out `sizes` (bytes) one after another from the scratch base; returns their offsets. */
function scratchLayout(k: KernelExports, sizes: readonly number[]): number[] {
  const out: number[] = [];
  let at = pinned;
  for (const s of sizes) {
    out.push(at);
    at += align16(s);
  }
  ensureMemory(k, at);
  return out;
}

/**
 * Rotary tables for the kernels, one `dh`-float row per token (`[B, L, dh]` for the fused
 * attention, `[B, dh]` for a decode step): cos and sin with duplicated halves (`rotate_half`).
 */
export interface RotaryRows {
  readonly cos: Float32Array;
  readonly sin: Float32Array;
}

/** Copy rotary tables into kernel memory at `[cosAt, sinAt]`; returns the pointers (0, 0 without tables). */
export function placeRotary(k: KernelExports, rope: RotaryRows | undefined, cosAt: number, sinAt: number): [number, number] {
  if (!rope) return [0, 0];
  new Float32Array(k.memory.buffer, cosAt, rope.cos.length).set(rope.cos);
  new Float32Array(k.memory.buffer, sinAt, rope.sin.length).set(rope.sin);
  return [cosAt, sinAt];
}

/**
 * Row segments of a token-major batch for the fused attention: row b is `len` tokens from token
 * `start`, the first `pad` of them left padding. `fromPads` describes a left-padded `[B, L]` batch,
 * `packed` rows laid end to end without padding.
 */
export class AttentionRows {
  private constructor(
    /** (start, len, pad) per row. */
    readonly triples: Int32Array,
    /** Tokens in all (the batch's first dimension). */
    readonly tokens: number,
    /** The longest row (sizes the kernel's scratch). */
    readonly maxLength: number,
  ) {}

  static fromPads(pads: readonly number[], L: number): AttentionRows {
    const t = new Int32Array(3 * pads.length);
    pads.forEach((p, b) => {
      if (!(p >= 0 && p <= L)) throw new Error(`attention rows: pad ${p} of row ${b} outside 0..${L}`);
      t.set([b * L, L, p], 3 * b);
    });
    return new AttentionRows(t, pads.length * L, L);
  }

  static packed(lengths: readonly number[]): AttentionRows {
    const t = new Int32Array(3 * lengths.length);
    let at = 0;
    let max = 0;
    lengths.forEach((n, b) => {
      if (!(n >= 0)) throw new Error(`attention rows: row ${b} has length ${n}`);
      t.set([at, n, 0], 3 * b);
      at += n;
      max = Math.max(max, n);
    });
    return new AttentionRows(t, at, max);
  }

  get count(): number {
    return this.triples.length / 3;
  }
}

/**
 * Fused causal attention forward over row segments: `qkv [N, 3, H, dh]` (a dense layer's output)
 * to `[N, H, dh]`; queries scaled by `scale`; a token attends to the non-padding tokens of its row
 * up to itself; padding tokens get zeros. With `rope`, q and k are rotated inside the kernel first
 * (one `dh` table row per token).
 */
export function wasmAttentionForward(
  qkv: Float32Array,
  rows: AttentionRows,
  H: number,
  dh: number,
  scale: number,
  rope?: RotaryRows,
): Float32Array {
  const k = kernelInstance();
  const B = rows.count;
  const outLen = rows.tokens * H * dh;
  if (qkv.length !== 3 * outLen) throw new Error(`fused attention: qkv has ${qkv.length} floats, rows need ${3 * outLen}`);
  const tableBytes = rope ? rows.tokens * dh * 4 : 0;
  const [qkvAt, rowsAt, outAt, scratch, cosAt, sinAt] = scratchLayout(k, [
    qkv.length * 4,
    B * 12,
    outLen * 4,
    k.attentionScratchBytes(rows.maxLength, dh),
    tableBytes,
    tableBytes,
  ]) as [number, number, number, number, number, number];
  new Float32Array(k.memory.buffer, qkvAt, qkv.length).set(qkv);
  new Int32Array(k.memory.buffer, rowsAt, 3 * B).set(rows.triples);
  const [cos, sin] = placeRotary(k, rope, cosAt, sinAt);
  k.attentionForward(qkvAt, outAt, rowsAt, B, H, dh, scale, scratch, cos, sin);
  return new Float32Array(k.memory.buffer, outAt, outLen).slice();
}

/** Gradient of {@link wasmAttentionForward} with respect to `qkv`, given `dout [N, H, dh]`. */
export function wasmAttentionBackward(
  qkv: Float32Array,
  dout: Float32Array,
  rows: AttentionRows,
  H: number,
  dh: number,
  scale: number,
  rope?: RotaryRows,
): Float32Array {
  const k = kernelInstance();
  const B = rows.count;
  const tableBytes = rope ? rows.tokens * dh * 4 : 0;
  const [qkvAt, doutAt, dqkvAt, rowsAt, scratch, cosAt, sinAt] = scratchLayout(k, [
    qkv.length * 4,
    dout.length * 4,
    qkv.length * 4,
    B * 12,
    k.attentionScratchBytes(rows.maxLength, dh),
    tableBytes,
    tableBytes,
  ]) as [number, number, number, number, number, number, number];
  const mem = k.memory.buffer;
  new Float32Array(mem, qkvAt, qkv.length).set(qkv);
  new Float32Array(mem, doutAt, dout.length).set(dout);
  new Int32Array(mem, rowsAt, 3 * B).set(rows.triples);
  const [cos, sin] = placeRotary(k, rope, cosAt, sinAt);
  k.attentionBackward(qkvAt, doutAt, dqkvAt, rowsAt, B, H, dh, scale, scratch, cos, sin);
  return new Float32Array(k.memory.buffer, dqkvAt, qkv.length).slice();
}
