import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { shareIdentityBuffers } from './kernels/shared-identity';

/** Backend names accepted by `--backend` / the policy's `backend` option. */
export const BACKEND_NAMES = ['auto', 'wasm', 'cpu', 'tensorflow', 'tensorflow-gpu', 'webgpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
/** A concrete backend (what `auto` resolves to). */
export type ConcreteBackend = Exclude<BackendName, 'auto'>;

const require = createRequire(import.meta.url);

/** Import a module by a name the bundler and TypeScript do not resolve (optional dependencies). */
async function importOptional(name: string): Promise<unknown> {
  const load = new Function('n', 'return import(n)') as (n: string) => Promise<unknown>;
  return load(name);
}

const MISSING: Record<'tensorflow' | 'tensorflow-gpu' | 'webgpu', string> = {
  tensorflow:
    "backend 'tensorflow' needs @tensorflow/tfjs-node 4.22.0 (`pnpm add @tensorflow/tfjs-node@4.22.0`). Its install script " +
    'downloads the libtensorflow 2.9.1 C library from Google at install time; that file is not on the npm registry or in ' +
    "Debian, so it cannot be installed from this machine's registries alone. Install it where that download works (or " +
    'provide libtensorflow yourself), or use --backend wasm.',
  'tensorflow-gpu':
    "backend 'tensorflow-gpu' needs @tensorflow/tfjs-node-gpu 4.22.0 (`pnpm add @tensorflow/tfjs-node-gpu@4.22.0`) plus an " +
    'NVIDIA driver, CUDA 11.2 and cuDNN 8.1. Its install script downloads the GPU build of libtensorflow 2.9.1 from Google ' +
    "at install time, which is on neither the npm registry nor Debian, so it cannot come from this machine's registries " +
    'alone. See the package README (GPU set-up), or use --backend wasm.',
  webgpu:
    "backend 'webgpu' needs @tensorflow/tfjs-backend-webgpu 4.22.0 and, in Node, the `webgpu` package (Dawn) for " +
    'navigator.gpu (`pnpm add @tensorflow/tfjs-backend-webgpu@4.22.0 webgpu@0.6.2`), and a GPU adapter.',
};

let wasmRegistered = false;

/** Register the wasm backend, pointing it at the `.wasm` files inside the installed package. */
async function registerWasm(): Promise<void> {
  if (wasmRegistered) return;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  wasm.setWasmPaths(`${dist}/`);
  shareIdentityBuffers();
  wasmRegistered = true;
}

async function trySet(name: string): Promise<boolean> {
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

async function initConcrete(name: ConcreteBackend): Promise<void> {
  switch (name) {
    case 'wasm':
      await registerWasm();
      if (!(await trySet('wasm'))) throw new Error('the wasm backend failed to initialise');
      return;
    case 'cpu':
      if (!(await trySet('cpu'))) throw new Error('the cpu backend failed to initialise');
      return;
    case 'tensorflow':
    case 'tensorflow-gpu': {
      const pkg = name === 'tensorflow' ? '@tensorflow/tfjs-node' : '@tensorflow/tfjs-node-gpu';
      try {
        await importOptional(pkg);
      } catch (e) {
        throw new Error(`${MISSING[name]} (loading ${pkg} failed: ${(e as Error).message.split('\n')[0]})`);
      }
      if (!(await trySet('tensorflow'))) throw new Error(`${pkg} loaded but the 'tensorflow' backend failed to initialise`);
      return;
    }
    case 'webgpu': {
      try {
        const gpu = (await importOptional('webgpu')) as { create: (o: string[]) => unknown; globals: object };
        Object.assign(globalThis, gpu.globals);
        const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
        if (nav && !nav.gpu) Object.defineProperty(nav, 'gpu', { value: gpu.create([]), configurable: true });
        else if (!nav) Object.defineProperty(globalThis, 'navigator', { value: { gpu: gpu.create([]) }, configurable: true });
        await importOptional('@tensorflow/tfjs-backend-webgpu');
      } catch (e) {
        throw new Error(`${MISSING.webgpu} (${(e as Error).message.split('\n')[0]})`);
      }
      if (!(await trySet('webgpu'))) throw new Error("backend 'webgpu' found no GPU adapter (setBackend returned false)");
      return;
    }
  }
}

/**
 * Select the TensorFlow.js backend and return the one actually in use. `auto` tries, in order,
 * `tensorflow-gpu`, `tensorflow`, `webgpu` (each only when installed and working), then `wasm`,
 * then `cpu`. An explicit name that cannot be used throws an Error saying what to install.
 */
export async function initBackend(name: BackendName = 'auto'): Promise<ConcreteBackend> {
  if (name !== 'auto') {
    await initConcrete(name);
    return name;
  }
  for (const candidate of ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const) {
    try {
      await initConcrete(candidate);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error('no TensorFlow.js backend could be initialised (not even cpu)');
}
