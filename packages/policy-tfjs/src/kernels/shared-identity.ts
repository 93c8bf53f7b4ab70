import * as tf from '@tensorflow/tfjs';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

/**
 * Replace the wasm backend's `Identity` kernel (a full copy of the input) with one that shares the
 * input's buffer and counts a reference, as tfjs's cpu backend does. tfjs clones every tensor it
 * saves for a backward pass (`saveTensorsForBackwardMode`, customGrad's `save`), so under a
 * gradient tape the copying kernel duplicated every saved activation: measured on a 2-layer
 * SmolLM-shaped model (`BENCH_LAYERS=2 pnpm bench:llama`), a LoRA step's wasm heap fell from 643 to
 * 535 MiB. Safe because tfjs tensors are immutable (a variable's `assign` swaps in a new buffer
 * rather than writing the old one).
 */
export function shareIdentityBuffers(): void {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend }) => {
    const x = inputs.x as tf.TensorInfo;
    (backend as unknown as RefCountingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  if (tf.getKernel('Identity', 'wasm')) tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({ kernelName: 'Identity', backendName: 'wasm', kernelFunc });
}
