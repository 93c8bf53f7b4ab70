import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from '@trellis/core';
import type { ResolvedModelConfig } from './model-config';
import { paramSpecs, type WeightMap } from './transformer-weights';

/** Encode the weights as F32 safetensors, in checkpoint order. */
export async function encodeWeights(weights: WeightMap): Promise<Uint8Array> {
  const tensors: Record<string, SafetensorsTensor> = {};
  for (const [name, v] of weights) tensors[name] = { dtype: 'F32', shape: v.shape, data: (await v.data()) as Float32Array };
  return encodeSafetensors(tensors, { format: 'trellis-transformer' });
}

/**
 * Decode `model.safetensors` bytes and check them against the model shape: every expected weight
 * present as F32 with the expected shape, and nothing else. Errors name `source`.
 */
export function decodeWeights(bytes: Uint8Array, source: string, config: ResolvedModelConfig): Map<string, Float32Array> {
  const file = decodeSafetensors(bytes, source);
  const out = new Map<string, Float32Array>();
  const expected = paramSpecs(config);
  for (const s of expected) {
    const t = file.tensors[s.name];
    if (!t) throw new Error(`${source}: missing weight '${s.name}'`);
    if (t.dtype !== 'F32') throw new Error(`${source}: weight '${s.name}' is ${t.dtype}, expected F32`);
    if (t.shape.join(',') !== s.shape.join(',')) {
      throw new Error(`${source}: weight '${s.name}' has shape [${t.shape.join(', ')}], config needs [${s.shape.join(', ')}]`);
    }
    out.set(s.name, t.data as Float32Array);
  }
  const extra = Object.keys(file.tensors).filter((n) => !out.has(n));
  if (extra.length > 0) throw new Error(`${source}: unexpected weights ${extra.map((n) => `'${n}'`).join(', ')} for this config`);
  return out;
}
