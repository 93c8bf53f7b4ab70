import { ensureMemory, kernelInstance, pinMemory, placeRotary, type RotaryRows, unpinMemory } from './wasm-kernels';

const align = (n: number) => Math.ceil(n / 16) * 16;

/**
 * A key/value cache in the wasm kernel's memory for B left-padded rows, with the fused decode
 * attention of kernels/matmul.as.ts: appending a step's keys/values and attending over the cache
 * is one call per layer, with no tensor copies of the cache. One live cache per thread.
 */
export class KernelKVCache {
  private readonly k: number[] = [];
  private readonly v: number[] = [];
  private pads: number;
  private scores: number;
  private qkv: number;
  private out: number;
  private cos: number;
  private sin: number;
  private released = false;

  constructor(
    private readonly B: number,
    private readonly H: number,
    private readonly dh: number,
    readonly tMax: number,
    nLayers: number,
    pads: readonly number[],
  ) {
    const cacheBytes = B * H * tMax * dh * 4;
    let at = 0;
    const take = (bytes: number) => {
      const here = at;
      at += align(bytes);
      return here;
    };
    for (let l = 0; l < nLayers; l++) {
      this.k.push(take(cacheBytes));
      this.v.push(take(cacheBytes));
    }
    this.pads = take(B * 4);
    this.scores = take(tMax * 4);
    this.qkv = take(B * 3 * H * dh * 4);
    this.out = take(B * H * dh * 4);
    this.cos = take(B * dh * 4);
    this.sin = take(B * dh * 4);
    const base = pinMemory(at);
    for (const list of [this.k, this.v]) list.forEach((off, i) => (list[i] = off + base));
    this.pads += base;
    this.scores += base;
    this.qkv += base;
    this.out += base;
    this.cos += base;
    this.sin += base;
    new Int32Array(kernelInstance().memory.buffer, this.pads, B).set(pads);
  }

  /** Fill cache indices `0 .. P-1` of `layer` from `[B, H, P, dh]` keys and values. */
  fill(layer: number, keys: Float32Array, values: Float32Array, P: number): void {
    const mem = kernelInstance().memory.buffer;
    const rowsPerHead = P * this.dh;
    for (const [src, base] of [
      [keys, this.k[layer] as number],
      [values, this.v[layer] as number],
    ] as const) {
      const heap = new Float32Array(mem, base, this.B * this.H * this.tMax * this.dh);
      for (let bh = 0; bh < this.B * this.H; bh++) {
        heap.set(src.subarray(bh * rowsPerHead, (bh + 1) * rowsPerHead), bh * this.tMax * this.dh);
      }
    }
  }

  /**
   * Append this step's keys/values (from `qkv [B, 3, H, dh]`) at cache index `t` of `layer` and
   * return the attention output `[B, H * dh]`. With `rope` (`[B, dh]` tables for this step's
   * positions), the kernel rotates q and k first.
   */
  attend(layer: number, qkv: Float32Array, t: number, scale: number, rope?: RotaryRows): Float32Array {
    if (t >= this.tMax) throw new Error(`KV cache full (${this.tMax})`);
    const k = kernelInstance();
    ensureMemory(k, this.sin + this.B * this.dh * 4);
    new Float32Array(k.memory.buffer, this.qkv, qkv.length).set(qkv);
    const [cos, sin] = placeRotary(k, rope, this.cos, this.sin);
    k.decodeAttention(
      this.qkv,
      this.k[layer] as number,
      this.v[layer] as number,
      this.out,
      this.pads,
      this.B,
      this.H,
      this.dh,
      t,
      this.tMax,
      scale,
      this.scores,
      cos,
      sin,
    );
    return new Float32Array(k.memory.buffer, this.out, this.B * this.H * this.dh).slice();
  }

  /** Free the kernel memory reservation. */
  release(): void {
    if (this.released) return;
    this.released = true;
    unpinMemory();
  }
}
