import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { decodeSafetensors, encodeSafetensors, Rng, type SafetensorsTensor } from '@trellis/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend';
import type { WeightMap } from '../transformer-weights';
import { LoraAdapters, loraKeyA, loraKeyB } from './lora-adapters';
import type { LoraConfigInput } from './lora-config';
import { decodePeftFiles, encodePeftFiles } from './peft-files';

const D = 4;
const KV = 2;
const FF = 6;
const Q0 = 'model.layers.0.self_attn.q_proj';
const V0 = 'model.layers.0.self_attn.v_proj';
const DOWN0 = 'model.layers.0.mlp.down_proj';

let base: WeightMap;
let root: string;
const live: { dispose(): void }[] = [];

beforeAll(async () => {
  await initBackend('wasm');
  root = await mkdtemp(join(tmpdir(), 'trellis-peft-'));
  const rng = Rng.fromSeed(1);
  const m = new Map<string, tf.Variable>();
  for (const [name, shape] of [
    ['model.embed_tokens.weight', [7, D]],
    [`${Q0}.weight`, [D, D]],
    ['model.layers.0.self_attn.k_proj.weight', [D, KV]],
    [`${V0}.weight`, [D, KV]],
    ['model.layers.0.mlp.up_proj.weight', [D, FF]],
    [`${DOWN0}.weight`, [FF, D]],
    ['model.norm.weight', [D]],
  ] as [string, number[]][]) {
    const n = shape.reduce((a, b) => a * b, 1);
    m.set(
      name,
      tf.variable(
        tf.tensor(
          Float32Array.from({ length: n }, () => rng.normal()),
          shape,
        ),
        false,
        `peft-test/${name}`,
      ),
    );
  }
  base = m;
});

afterEach(() => {
  for (const t of live.splice(0)) t.dispose();
});

afterAll(async () => {
  for (const v of base.values()) v.dispose();
  await rm(root, { recursive: true, force: true });
});

let dirCount = 0;

/** Write `files` into a fresh directory under the temp root. */
async function writeDir(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = join(root, `d${++dirCount}`);
  await mkdir(dir);
  for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), data);
  return dir;
}

/** Adapters with random A and B for q_proj and down_proj, rank 2. */
function trainedAdapters(): LoraAdapters {
  const rng = Rng.fromSeed(5);
  const values = new Map<string, Float32Array>();
  for (const [m, i, o] of [
    [Q0, D, D],
    [DOWN0, FF, D],
  ] as const) {
    values.set(
      loraKeyA(m),
      Float32Array.from({ length: i * 2 }, () => rng.normal()),
    );
    values.set(
      loraKeyB(m),
      Float32Array.from({ length: 2 * o }, () => rng.normal()),
    );
  }
  const a = new LoraAdapters(base, { rank: 2, alpha: 4, dropout: 0.05, targetModules: ['q_proj', 'down_proj'] }, 3, values);
  live.push(a);
  return a;
}

const CONFIG: LoraConfigInput = { rank: 2, alpha: 4, dropout: 0.05, targetModules: ['q_proj', 'down_proj'] };

/** A valid PEFT directory's files, with the config and tensors open to edits. */
function peftParts(): { config: Record<string, unknown>; tensors: Record<string, SafetensorsTensor> } {
  const files = encodePeftFiles(trainedAdapters(), CONFIG, { baseModel: 'tiny-llama' });
  return {
    config: JSON.parse(files['adapter_config.json'] as string),
    tensors: { ...decodeSafetensors(files['adapter_model.safetensors'] as Uint8Array, 'x').tensors },
  };
}

async function dirOf(parts: { config: unknown; tensors: Record<string, SafetensorsTensor> }): Promise<string> {
  return writeDir({
    'adapter_config.json': JSON.stringify(parts.config),
    'adapter_model.safetensors': encodeSafetensors(parts.tensors),
  });
}

describe('PEFT adapter files', () => {
  it('writes PEFT names, shapes and config keys', () => {
    const adapters = trainedAdapters();
    const files = encodePeftFiles(adapters, CONFIG, { baseModel: 'org/tiny-llama', modelType: 'llama' });
    expect(Object.keys(files).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    expect(JSON.parse(files['adapter_config.json'] as string)).toEqual({
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      base_model_name_or_path: 'org/tiny-llama',
      r: 2,
      lora_alpha: 4,
      lora_dropout: 0.05,
      target_modules: ['q_proj', 'down_proj'],
      use_rslora: false,
      bias: 'none',
      fan_in_fan_out: false,
      inference_mode: true,
    });
    const st = decodeSafetensors(files['adapter_model.safetensors'] as Uint8Array, 'adapter');
    expect(st.metadata).toEqual({ format: 'pt', model_type: 'llama' });
    const shapes = Object.fromEntries(Object.entries(st.tensors).map(([k, t]) => [k, [t.dtype, ...t.shape]]));
    expect(shapes).toEqual({
      'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight': ['F32', 2, D],
      'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight': ['F32', D, 2],
      'base_model.model.model.layers.0.mlp.down_proj.lora_A.weight': ['F32', 2, FF],
      'base_model.model.model.layers.0.mlp.down_proj.lora_B.weight': ['F32', D, 2],
    });
    // PyTorch orientation: lora_A.weight[k][i] = A[i][k].
    const a = adapters.pair(DOWN0).a.dataSync();
    const peftA = st.tensors[`base_model.model.${DOWN0}.lora_A.weight`]?.data as Float32Array;
    expect(peftA[1 * FF + 4]).toBe(a[4 * 2 + 1]);
    expect(JSON.parse(encodePeftFiles(adapters, CONFIG)['adapter_config.json'] as string).base_model_name_or_path).toBeNull();
    expect(() => encodePeftFiles(adapters, { ...CONFIG, rank: 3 })).toThrow("encodePeftFiles: config rank 3 != adapters' rank 2");
  });

  it('round-trips through files on disk', async () => {
    const adapters = trainedAdapters();
    const dir = await writeDir(encodePeftFiles(adapters, { ...CONFIG, useRslora: true, alpha: 3 }));
    const { config, values } = await decodePeftFiles(dir, base);
    expect(config).toEqual({
      rank: 2,
      alpha: 3,
      dropout: 0.05,
      targetModules: ['q_proj', 'down_proj'],
      useRslora: true,
      merge: false,
    });
    const original = adapters.values();
    expect([...values.keys()].sort()).toEqual([...original.keys()].sort());
    for (const [k, v] of original) expect(Array.from(values.get(k) as Float32Array)).toEqual(Array.from(v));
    const loaded = new LoraAdapters(base, config, 0, values);
    live.push(loaded);
    expect(loaded.modules()).toEqual(adapters.modules());
  });

  it('reads BF16 and F16 tensors', async () => {
    const parts = peftParts();
    const exact = [0.5, -1.25, 3, 0, -0.0078125, 2.5, 1, -2];
    const bf16 = new Uint16Array(exact.length);
    const f16 = new Uint16Array(exact.length);
    const f32 = new Float32Array(exact);
    const bits = new Uint32Array(f32.buffer);
    for (let i = 0; i < exact.length; i++) bf16[i] = (bits[i] as number) >>> 16;
    f16.set([0x3800, 0xbd00, 0x4200, 0x0000, 0xa000, 0x4100, 0x3c00, 0xc000]);
    parts.tensors[`base_model.model.${Q0}.lora_A.weight`] = { dtype: 'BF16', shape: [2, D], data: bf16 };
    parts.tensors[`base_model.model.${Q0}.lora_B.weight`] = { dtype: 'F16', shape: [D, 2], data: f16 };
    const { values } = await decodePeftFiles(await dirOf(parts), base);
    // Input-major A [in, r] is the transpose of lora_A [r, in].
    const a = values.get(loraKeyA(Q0)) as Float32Array;
    const b = values.get(loraKeyB(Q0)) as Float32Array;
    for (let k = 0; k < 2; k++) {
      for (let i = 0; i < D; i++) {
        expect(a[i * 2 + k]).toBe(exact[k * D + i]);
        expect(b[k * D + i]).toBe(exact[i * 2 + k]);
      }
    }
  });

  describe('errors', () => {
    const wfile = (dir: string) => join(dir, 'adapter_model.safetensors');
    const cfile = (dir: string) => join(dir, 'adapter_config.json');

    it('names a module the base model lacks', async () => {
      const parts = peftParts();
      parts.tensors['base_model.model.model.layers.5.self_attn.q_proj.lora_A.weight'] = {
        dtype: 'F32',
        shape: [2, D],
        data: new Float32Array(2 * D),
      };
      const dir = await dirOf(parts);
      await expect(decodePeftFiles(dir, base)).rejects.toThrow(
        `${wfile(dir)}: adapter for module 'model.layers.5.self_attn.q_proj', which the base model lacks (no 'model.layers.5.self_attn.q_proj.weight')`,
      );
    });

    it('names both shapes on a mismatch', async () => {
      const parts = peftParts();
      parts.tensors[`base_model.model.${DOWN0}.lora_A.weight`] = { dtype: 'F32', shape: [2, D], data: new Float32Array(2 * D) };
      const dir = await dirOf(parts);
      await expect(decodePeftFiles(dir, base)).rejects.toThrow(
        `${wfile(dir)}: 'base_model.model.${DOWN0}.lora_A.weight' has shape [2, ${D}], expected [2, ${FF}] for base '${DOWN0}.weight' [${FF}, ${D}]`,
      );
    });

    it('reports a missing lora_B or lora_A', async () => {
      const parts = peftParts();
      delete parts.tensors[`base_model.model.${Q0}.lora_B.weight`];
      const dir = await dirOf(parts);
      await expect(decodePeftFiles(dir, base)).rejects.toThrow(`${wfile(dir)}: '${Q0}' has lora_A but no lora_B`);
      const noA = peftParts();
      delete noA.tensors[`base_model.model.${Q0}.lora_A.weight`];
      const dir2 = await dirOf(noA);
      await expect(decodePeftFiles(dir2, base)).rejects.toThrow(`${wfile(dir2)}: '${Q0}' has lora_B but no lora_A`);
    });

    it('reports a rank that disagrees with the config', async () => {
      const parts = peftParts();
      parts.config.r = 3;
      const dir = await dirOf(parts);
      await expect(decodePeftFiles(dir, base)).rejects.toThrow(
        `${wfile(dir)}: 'base_model.model.${Q0}.lora_A.weight' has rank 2 but adapter_config.json says r = 3`,
      );
    });

    it('reports a targeted module without an adapter and an adapter outside target_modules', async () => {
      const parts = peftParts();
      parts.config.target_modules = ['q_proj', 'v_proj', 'down_proj'];
      const dir = await dirOf(parts);
      await expect(decodePeftFiles(dir, base)).rejects.toThrow(
        `${wfile(dir)}: no adapter for '${V0}' (targeted by target_modules [q_proj, v_proj, down_proj])`,
      );
      const narrow = peftParts();
      narrow.config.target_modules = ['q_proj'];
      const dir2 = await dirOf(narrow);
      await expect(decodePeftFiles(dir2, base)).rejects.toThrow(
        `${wfile(dir2)}: adapter for module '${DOWN0}', which target_modules [q_proj] does not include`,
      );
    });

    it('reports unexpected tensors and unsupported dtypes', async () => {
      const parts = peftParts();
      parts.tensors['base_model.model.lm_head.weight'] = { dtype: 'F32', shape: [1], data: new Float32Array(1) };
      const dir = await dirOf(parts);
      await expect(decodePeftFiles(dir, base)).rejects.toThrow(
        `${wfile(dir)}: unexpected tensor 'base_model.model.lm_head.weight' (expected base_model.model.<module>.lora_A/lora_B.weight)`,
      );
      const ints = peftParts();
      ints.tensors[`base_model.model.${Q0}.lora_B.weight`] = { dtype: 'I32', shape: [D, 2], data: new Int32Array(2 * D) };
      const dir2 = await dirOf(ints);
      await expect(decodePeftFiles(dir2, base)).rejects.toThrow(
        `${wfile(dir2)}: 'base_model.model.${Q0}.lora_B.weight' has dtype I32; expected F32, F64, BF16 or F16`,
      );
    });

    it.each([
      [{ peft_type: 'IA3' }, 'peft_type is "IA3", only "LORA" is supported'],
      [{ fan_in_fan_out: true }, 'fan_in_fan_out: true is not supported'],
      [{ bias: 'all' }, 'bias "all" is not supported (only "none")'],
      [{ use_dora: true }, 'use_dora: true is not supported'],
      [{ target_modules: 'all-linear' }, 'target_modules must be a list of module names, got "all-linear"'],
      [{ target_modules: ['q_proj', 'c_attn'] }, "target_modules.1: unknown LoRA target module 'c_attn'; allowed: q_proj"],
      [{ lora_alpha: -1 }, 'lora_alpha: Too small'],
      [{ r: 0 }, 'r: Too small'],
    ])('rejects adapter_config.json with %j', async (patch, message) => {
      const parts = peftParts();
      Object.assign(parts.config, patch);
      const dir = await dirOf(parts);
      await expect(decodePeftFiles(dir, base)).rejects.toThrow(`${cfile(dir)}: ${message}`);
    });

    it('reports unreadable or missing files', async () => {
      const dir = await writeDir({ 'adapter_config.json': '{ nope' });
      await expect(decodePeftFiles(dir, base)).rejects.toThrow(`${cfile(dir)}: cannot read LoRA adapter config`);
      await expect(decodePeftFiles(join(root, 'absent'), base)).rejects.toThrow(
        `${join(root, 'absent', 'adapter_config.json')}: cannot read LoRA adapter config (ENOENT`,
      );
      const parts = peftParts();
      const noWeights = await writeDir({ 'adapter_config.json': JSON.stringify(parts.config) });
      await expect(decodePeftFiles(noWeights, base)).rejects.toThrow(
        `${wfile(noWeights)}: cannot read LoRA adapter weights (ENOENT`,
      );
      const garbage = await writeDir({
        'adapter_config.json': JSON.stringify(parts.config),
        'adapter_model.safetensors': new Uint8Array(3),
      });
      await expect(decodePeftFiles(garbage, base)).rejects.toThrow(`${wfile(garbage)}: invalid safetensors file`);
    });
  });
});
