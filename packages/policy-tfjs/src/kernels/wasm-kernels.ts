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
    pads: number,
    B: number,
    L: number,
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
    pads: number,
    B: number,
    L: number,
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
 * Fused causal attention forward for left-padded rows: `qkv [B, L, 3, H, dh]` (a dense layer's
 * output) to `[B, L, H, dh]`; queries scaled by `scale`; row b attends keys `pads[b] .. t`. With
 * `rope`, q and k are rotated inside the kernel first (`[B, L, dh]` tables).
 */
export function wasmAttentionForward(
  qkv: Float32Array,
  pads: readonly number[],
  L: number,
  H: number,
  dh: number,
  scale: number,
  rope?: RotaryRows,
): Float32Array {
  const k = kernelInstance();
  const B = pads.length;
  const outLen = B * L * H * dh;
  const tableBytes = rope ? B * L * dh * 4 : 0;
  const [qkvAt, padsAt, outAt, scratch, cosAt, sinAt] = scratchLayout(k, [
    qkv.length * 4,
    B * 4,
    outLen * 4,
    k.attentionScratchBytes(L, dh),
    tableBytes,
    tableBytes,
  ]) as [number, number, number, number, number, number];
  new Float32Array(k.memory.buffer, qkvAt, qkv.length).set(qkv);
  new Int32Array(k.memory.buffer, padsAt, B).set(pads);
  const [cos, sin] = placeRotary(k, rope, cosAt, sinAt);
  k.attentionForward(qkvAt, outAt, padsAt, B, L, H, dh, scale, scratch, cos, sin);
  return new Float32Array(k.memory.buffer, outAt, outLen).slice();
}

/** Gradient of {@link wasmAttentionForward} with respect to `qkv`, given `dout [B, L, H, dh]`. */
export function wasmAttentionBackward(
  qkv: Float32Array,
  dout: Float32Array,
  pads: readonly number[],
  L: number,
  H: number,
  dh: number,
  scale: number,
  rope?: RotaryRows,
): Float32Array {
  const k = kernelInstance();
  const B = pads.length;
  const tableBytes = rope ? B * L * dh * 4 : 0;
  const [qkvAt, doutAt, dqkvAt, padsAt, scratch, cosAt, sinAt] = scratchLayout(k, [
    qkv.length * 4,
    dout.length * 4,
    qkv.length * 4,
    B * 4,
    k.attentionScratchBytes(L, dh),
    tableBytes,
    tableBytes,
  ]) as [number, number, number, number, number, number, number];
  const mem = k.memory.buffer;
  new Float32Array(mem, qkvAt, qkv.length).set(qkv);
  new Float32Array(mem, doutAt, dout.length).set(dout);
  new Int32Array(mem, padsAt, B).set(pads);
  const [cos, sin] = placeRotary(k, rope, cosAt, sinAt);
  k.attentionBackward(qkvAt, doutAt, dqkvAt, padsAt, B, L, H, dh, scale, scratch, cos, sin);
  return new Float32Array(k.memory.buffer, dqkvAt, qkv.length).slice();
}
