import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from '../checkpoint/safetensors';

/**
 * Serialise an optimizer's state (`getWeights()`: iteration count, then slot variables in order)
 * to safetensors bytes. Names may repeat (Adam's m and v share variable names), so keys carry the
 * position: `0000:iter`, `0001:<var>`, ...
 */
export async function encodeOptimizerState(optimizer: tf.Optimizer): Promise<Uint8Array> {
  const weights = await optimizer.getWeights();
  const tensors: Record<string, SafetensorsTensor> = {};
  weights.forEach((w, i) => {
    const key = `${String(i).padStart(4, '0')}:${w.name}`;
    const data = w.tensor.dtype === 'int32' ? new Int32Array(w.tensor.dataSync()) : new Float32Array(w.tensor.dataSync());
    tensors[key] = { dtype: w.tensor.dtype === 'int32' ? 'I32' : 'F32', shape: w.tensor.shape, data };
  });
  // getWeights() returns a fresh iteration-count scalar first; the rest are the optimizer's own variables.
  weights[0]?.tensor.dispose();
  return encodeSafetensors(tensors, { format: 'trellis-optimizer', className: optimizer.getClassName() });
}

/** Restore state written by `encodeOptimizerState` into an optimizer of the same kind. */
export async function loadOptimizerStateFile(path: string, optimizer: tf.Optimizer): Promise<void> {
  const file = decodeSafetensors(new Uint8Array(await readFile(path)), path);
  if (file.metadata.className && file.metadata.className !== optimizer.getClassName()) {
    throw new Error(`${path}: optimizer state is for ${file.metadata.className}, not ${optimizer.getClassName()}`);
  }
  const position = (key: string) => Number.parseInt(key.slice(0, key.indexOf(':')), 10);
  const entries = Object.entries(file.tensors).sort(([a], [b]) => position(a) - position(b));
  const named = entries.map(([key, t]) => ({
    name: key.slice(key.indexOf(':') + 1),
    tensor:
      t.dtype === 'I32'
        ? tf.tensor(t.data as Int32Array, [...t.shape], 'int32')
        : tf.tensor(t.data as Float32Array, [...t.shape]),
  }));
  await optimizer.setWeights(named);
  tf.dispose(named.map((n) => n.tensor));
}
