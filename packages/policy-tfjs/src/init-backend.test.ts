import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from './init-backend';

describe('initBackend', () => {
  it('selects wasm explicitly and via auto on a machine without tfjs-node or a GPU', async () => {
    expect(await initBackend('wasm')).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(await initBackend('auto')).toBe('wasm');
  });

  it('explains what to install for the optional native and GPU backends', async () => {
    await expect(initBackend('tensorflow')).rejects.toThrow(/@tensorflow\/tfjs-node 4\.22\.0.*libtensorflow 2\.9\.1/s);
    await expect(initBackend('tensorflow-gpu')).rejects.toThrow(
      /tfjs-node-gpu.*CUDA 11\.2 and cuDNN 8\.1.*libtensorflow 2\.9\.1/s,
    );
    await expect(initBackend('webgpu')).rejects.toThrow(/webgpu/);
    expect(await initBackend('cpu')).toBe('cpu');
    expect(await initBackend('wasm')).toBe('wasm');
  });
});
