import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from '../checkpoint/safetensors';
import { writeFileAtomic } from '../checkpoint/write-file-atomic';

/** File name of the optimizer state inside a checkpoint directory. */
export const OPTIMIZER_FILE = 'optimizer.safetensors';

interface AdamInternals {
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
  accumulatedFirstMoment?: { variable: tf.Variable }[];
  accumulatedSecondMoment?: { variable: tf.Variable }[];
}

/**
 * Serialise a tfjs optimizer's state (`getWeights()`: iteration count and per-variable slots, e.g.
 * Adam's first/second moments, in the optimizer's variable order) as safetensors bytes. For Adam,
 * the running `beta^t` products are stored too, so a resumed run continues bit-for-bit.
 */
export async function encodeOptimizerState(optimizer: tf.Optimizer): Promise<Uint8Array> {
  const named = await optimizer.getWeights();
  const tensors: Record<string, SafetensorsTensor> = {};
  const names: string[] = [];
  for (const [i, w] of named.entries()) {
    const isIter = i === 0 && w.name === 'iter';
    const data = await w.tensor.data();
    tensors[isIter ? 'iterations' : `slot.${String(i).padStart(5, '0')}`] = {
      dtype: isIter ? 'I32' : 'F32',
      shape: w.tensor.shape,
      data: isIter ? Int32Array.from(data) : (data as Float32Array),
    };
    if (!isIter) names.push(w.name);
    if (isIter) w.tensor.dispose();
  }
  const adam = optimizer as unknown as AdamInternals;
  if (adam.accBeta1 && adam.accBeta2) {
    tensors.acc_beta1 = { dtype: 'F32', shape: [], data: (await adam.accBeta1.data()) as Float32Array };
    tensors.acc_beta2 = { dtype: 'F32', shape: [], data: (await adam.accBeta2.data()) as Float32Array };
  }
  return encodeSafetensors(tensors, {
    optimizer: optimizer.getClassName(),
    config: JSON.stringify(optimizer.getConfig()),
    slot_names: JSON.stringify(names),
  });
}

/** Write `optimizer.safetensors` into checkpoint directory `dir` (atomic file write). */
export async function saveOptimizerState(dir: string, optimizer: tf.Optimizer): Promise<void> {
  await writeFileAtomic(join(dir, OPTIMIZER_FILE), await encodeOptimizerState(optimizer));
}

function disposeSlots(optimizer: tf.Optimizer): void {
  const adam = optimizer as unknown as AdamInternals;
  for (const list of [adam.accumulatedFirstMoment, adam.accumulatedSecondMoment]) {
    for (const slot of list ?? []) slot?.variable.dispose();
  }
}

/**
 * Restore state written by {@link encodeOptimizerState} into `optimizer` (same class; its
 * existing slots are disposed). `source` names the file in errors.
 */
export async function restoreOptimizerState(optimizer: tf.Optimizer, bytes: Uint8Array, source: string): Promise<void> {
  const file = decodeSafetensors(bytes, source);
  const cls = file.metadata.optimizer;
  if (cls !== optimizer.getClassName())
    throw new Error(`${source}: state is for optimizer '${cls}', not '${optimizer.getClassName()}'`);
  const names = JSON.parse(file.metadata.slot_names ?? '[]') as string[];
  const iter = file.tensors.iterations;
  const slots = Object.keys(file.tensors)
    .filter((k) => k.startsWith('slot.'))
    .sort();
  if (slots.length !== names.length) throw new Error(`${source}: ${slots.length} slots but ${names.length} slot names`);
  const weights: Parameters<tf.Optimizer['setWeights']>[0] = [];
  if (iter) weights.push({ name: 'iter', tensor: tf.scalar((iter.data as Int32Array)[0] as number, 'int32') });
  slots.forEach((k, i) => {
    const t = file.tensors[k] as SafetensorsTensor;
    weights.push({ name: names[i] as string, tensor: tf.tensor(t.data as Float32Array, t.shape as number[], 'float32') });
  });
  disposeSlots(optimizer);
  await optimizer.setWeights(weights);
  for (const w of weights) w.tensor.dispose();
  const adam = optimizer as unknown as AdamInternals;
  for (const [key, v] of [
    ['acc_beta1', adam.accBeta1],
    ['acc_beta2', adam.accBeta2],
  ] as const) {
    const saved = file.tensors[key];
    if (saved && v) tf.tidy(() => v.assign(tf.scalar((saved.data as Float32Array)[0] as number)));
  }
}

/** Load `optimizer.safetensors` from checkpoint directory `dir` into `optimizer`. */
export async function loadOptimizerState(dir: string, optimizer: tf.Optimizer): Promise<void> {
  await loadOptimizerStateFile(join(dir, OPTIMIZER_FILE), optimizer);
}

/** Restore `optimizer` from a state file written by {@link encodeOptimizerState}. */
export async function loadOptimizerStateFile(path: string, optimizer: tf.Optimizer): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`${path}: cannot read optimizer state (${(e as Error).message})`);
  }
  await restoreOptimizerState(optimizer, bytes, path);
}
