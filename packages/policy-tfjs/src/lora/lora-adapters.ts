import * as tf from '@tensorflow/tfjs';
import { Rng } from '@trellis/core';
import { linear } from '../layers';
import type { WeightMap } from '../transformer-weights';
import { LoraConfig, type LoraConfigInput, loraScale } from './lora-config';

/** One module's trainable pair, input-major like the base weight: `a [in, rank]`, `b [rank, out]`. */
export interface LoraPair {
  readonly a: tf.Variable;
  readonly b: tf.Variable;
}

/** Key of a module's `A` values (`[in, rank]`, row-major) in a values map. */
export function loraKeyA(module: string): string {
  return `${module}.lora_A`;
}

/** Key of a module's `B` values (`[rank, out]`, row-major) in a values map. */
export function loraKeyB(module: string): string {
  return `${module}.lora_B`;
}

let instanceCounter = 0;

/**
 * The LoRA adapters of one model: for every base weight named `<module>.weight` whose module ends
 * with `.<target>` (a target of `config.targetModules`), a trainable pair `A [in, r]`, `B [r, out]`
 * stored input-major like the base (`W [in, out]`). A projection then computes
 * `x W + scale * drop(x) A B`.
 *
 * Initialisation follows PEFT's default: `A` uniform in `±1/sqrt(in)` (what PyTorch's
 * `kaiming_uniform_(a = sqrt(5))` gives for a `[r, in]` weight), drawn from core's `Rng`
 * (`seed`, stream `lora-init/<module>.lora_A`); `B` zeros, so a fresh adapter leaves the model's
 * outputs unchanged. With `values` (keys from {@link loraKeyA}/{@link loraKeyB}, input-major), every
 * adapter is loaded from there instead.
 *
 * Base weights are only read for their shapes and names; they are never copied, owned or disposed.
 */
export class LoraAdapters {
  /** The resolved config. */
  readonly config: LoraConfig;
  /** The factor applied to `x A B`. */
  readonly scale: number;
  private readonly pairs = new Map<string, LoraPair>();
  private readonly base: WeightMap;
  private readonly seed: number;
  private readonly dropoutRng: Rng;
  private disposed = false;

  constructor(base: WeightMap, config: LoraConfigInput, seed: number, values?: ReadonlyMap<string, Float32Array>) {
    this.config = LoraConfig.parse(config);
    this.scale = loraScale(this.config);
    this.base = base;
    this.seed = seed;
    this.dropoutRng = Rng.fromSeed(seed).split('lora-dropout');
    const r = this.config.rank;
    const suffixes = this.config.targetModules.map((t) => `.${t}.weight`);
    const used = new Set<string>();
    const initRng = Rng.fromSeed(seed).split('lora-init');
    const prefix = `lora${++instanceCounter}`;
    for (const [name, w] of base) {
      if (!suffixes.some((s) => name.endsWith(s))) continue;
      const module = name.slice(0, -'.weight'.length);
      if (w.rank !== 2) throw new Error(`LoRA target '${name}' has shape [${w.shape.join(', ')}], expected a matrix [in, out]`);
      const [inDim, outDim] = w.shape as [number, number];
      const a = this.initial(values, loraKeyA(module), inDim * r, used, () => {
        const rng = initRng.split(loraKeyA(module));
        const bound = 1 / Math.sqrt(inDim);
        const data = new Float32Array(inDim * r);
        for (let i = 0; i < data.length; i++) data[i] = (2 * rng.next() - 1) * bound;
        return data;
      });
      const b = this.initial(values, loraKeyB(module), r * outDim, used, () => new Float32Array(r * outDim));
      this.pairs.set(module, {
        a: tf.tidy(() => tf.variable(tf.tensor2d(a, [inDim, r]), true, `${prefix}/${loraKeyA(module)}`)),
        b: tf.tidy(() => tf.variable(tf.tensor2d(b, [r, outDim]), true, `${prefix}/${loraKeyB(module)}`)),
      });
    }
    if (values) {
      const extra = [...values.keys()].filter((k) => !used.has(k));
      if (extra.length > 0) {
        this.dispose();
        throw new Error(`LoRA values for unknown adapters: ${extra.join(', ')} (no matching target weight in the base model)`);
      }
    }
  }

  private initial(
    values: ReadonlyMap<string, Float32Array> | undefined,
    key: string,
    size: number,
    used: Set<string>,
    fresh: () => Float32Array,
  ): Float32Array {
    if (!values) return fresh();
    const data = values.get(key);
    if (!data) {
      this.dispose();
      throw new Error(`LoRA values lack '${key}'`);
    }
    if (data.length !== size) {
      this.dispose();
      throw new Error(`LoRA values '${key}' have ${data.length} elements, expected ${size}`);
    }
    used.add(key);
    return data;
  }

  /** True if `module` (a base weight name without `.weight`) has an adapter. */
  has(module: string): boolean {
    return this.pairs.has(module);
  }

  /** Adapted module names, in base-weight order. */
  modules(): string[] {
    return [...this.pairs.keys()];
  }

  /** The pair of `module`; throws if it has none. */
  pair(module: string): LoraPair {
    const p = this.pairs.get(module);
    if (!p) throw new Error(`no LoRA adapter for module '${module}'`);
    return p;
  }

  /**
   * `x W + scale * linear(linear(drop(x), A), B)` for `x [N, in]`, `W [in, out]`; plain
   * `linear(x, W)` for a module without an adapter. Dropout (inverted: kept entries scaled by
   * `1/(1-p)`) applies only when `training` and `config.dropout > 0`; its mask is drawn from `rng`
   * or, without one, from this instance's own seeded stream.
   */
  project(x: tf.Tensor2D, module: string, W: tf.Tensor2D, training: boolean, rng?: Rng): tf.Tensor2D {
    const p = this.pairs.get(module);
    if (!p) return linear(x, W);
    const [inDim, r] = p.a.shape as [number, number];
    const outDim = p.b.shape[1] as number;
    if (W.shape[0] !== inDim || W.shape[1] !== outDim || x.shape[1] !== inDim) {
      throw new Error(
        `LoRA '${module}': x [${x.shape.join(', ')}] and W [${W.shape.join(', ')}] do not fit the adapter (in ${inDim}, rank ${r}, out ${outDim})`,
      );
    }
    return tf.tidy(() => {
      const p0 = this.config.dropout;
      let xd: tf.Tensor2D = x;
      if (training && p0 > 0) {
        const source = rng ?? this.dropoutRng;
        const keep = 1 / (1 - p0);
        const mask = new Float32Array(x.size);
        for (let i = 0; i < mask.length; i++) mask[i] = source.next() < p0 ? 0 : keep;
        xd = tf.mul(x, tf.tensor2d(mask, x.shape));
      }
      const low = tf.mul(linear(xd, p.a as tf.Tensor2D), this.scale) as tf.Tensor2D;
      return tf.add(linear(x, W), linear(low, p.b as tf.Tensor2D)) as tf.Tensor2D;
    });
  }

  /** The adapter variables (A then B per module): what the optimiser trains. Never base weights. */
  variables(): tf.Variable[] {
    return [...this.pairs.values()].flatMap((p) => [p.a, p.b]);
  }

  /** Current adapter values, input-major, keyed by {@link loraKeyA}/{@link loraKeyB}. */
  values(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [m, p] of this.pairs) {
      out.set(loraKeyA(m), (p.a.dataSync() as Float32Array).slice());
      out.set(loraKeyB(m), (p.b.dataSync() as Float32Array).slice());
    }
    return out;
  }

  /**
   * A frozen (non-trainable) deep copy of the adapters, e.g. a reference policy. It refers to the
   * same base weights (shared, not copied); dispose it on its own.
   */
  snapshot(): LoraAdapters {
    const copy = new LoraAdapters(this.base, this.config, this.seed, this.values());
    for (const v of copy.variables()) v.trainable = false;
    return copy;
  }

  /** Overwrite this instance's adapter values with `other`'s (same modules and shapes required). */
  copyFrom(other: LoraAdapters): void {
    if (other.pairs.size !== this.pairs.size) {
      throw new Error(`copyFrom: the other adapters have ${other.pairs.size} modules, this has ${this.pairs.size}`);
    }
    for (const [m, p] of this.pairs) {
      const o = other.pairs.get(m);
      if (!o || !sameShape(o.a, p.a) || !sameShape(o.b, p.b)) {
        throw new Error(`copyFrom: the other adapters lack '${m}' or differ in its shapes`);
      }
    }
    for (const [m, p] of this.pairs) {
      const o = other.pair(m);
      p.a.assign(o.a);
      p.b.assign(o.b);
    }
  }

  /**
   * Full weights with the updates folded in: for every base weight, its values (input-major,
   * `[in, out]`), with `W + scale * A B` for adapted modules. Plain arrays, nothing left on the backend.
   */
  merged(base: WeightMap): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [name, w] of base) {
      const p = name.endsWith('.weight') ? this.pairs.get(name.slice(0, -'.weight'.length)) : undefined;
      if (!p) {
        out.set(name, (w.dataSync() as Float32Array).slice());
        continue;
      }
      const t = tf.tidy(() => tf.add(w, tf.mul(tf.matMul(p.a as tf.Tensor2D, p.b as tf.Tensor2D), this.scale)));
      out.set(name, (t.dataSync() as Float32Array).slice());
      t.dispose();
    }
    return out;
  }

  /** Number of adapter parameters (`sum of r (in + out)`). */
  parameterCount(): number {
    let n = 0;
    for (const p of this.pairs.values()) n += p.a.size + p.b.size;
    return n;
  }

  /** Free the adapter variables (base weights are untouched). Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of this.pairs.values()) {
      p.a.dispose();
      p.b.dispose();
    }
    this.pairs.clear();
  }
}

function sameShape(a: tf.Tensor, b: tf.Tensor): boolean {
  return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}
