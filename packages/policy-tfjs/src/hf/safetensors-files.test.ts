import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSafetensors, type SafetensorsTensor } from '@trellis/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bf16ToFloat32,
  encodeCheckpointFiles,
  f16ToFloat32,
  float32ToBf16,
  float32ToF16,
  listCheckpointTensors,
  readCheckpointTensors,
} from './safetensors-files';

const root = mkdtempSync(join(tmpdir(), 'trellis-hf-st-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function freshDir(files: Record<string, Uint8Array | string> = {}): Promise<string> {
  const dir = await mkdtemp(join(root, 'ckpt-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

async function readAll(dir: string, wanted?: (n: string) => boolean) {
  const out: { name: string; shape: number[]; data: Float32Array }[] = [];
  for await (const t of readCheckpointTensors(dir, wanted)) out.push(t);
  return out;
}

function bitsOf(x: number): number {
  return new Uint32Array(new Float32Array([x]).buffer)[0]!;
}

/** Reference narrowing through exact rational arithmetic on doubles: nearest representable, ties to even. */
function roundRef(x: number, mantBits: number, minExp: number, maxFinite: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  const e = Math.max(Math.floor(Math.log2(a)), minExp);
  const ulp = 2 ** (e - mantBits);
  const q = a / ulp;
  let r = Math.floor(q);
  const frac = q - r;
  if (frac > 0.5 || (frac === 0.5 && r % 2 === 1)) r++;
  const v = r * ulp;
  return Math.sign(x) * (v > maxFinite ? Number.POSITIVE_INFINITY : v);
}
const bf16Ref = (x: number) => roundRef(x, 7, -126, 3.3895313892515355e38);
const f16Ref = (x: number) => roundRef(x, 10, -14, 65504);

function sample(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    out[i] = ((s / 2 ** 31) * 2 - 1) * 10 ** ((i % 7) - 3);
  }
  return out;
}

const tensors = [
  { name: 'model.embed_tokens.weight', shape: [4, 3], data: sample(12, 1) },
  { name: 'model.layers.0.self_attn.q_proj.weight', shape: [3, 3], data: sample(9, 2) },
  { name: 'model.norm.weight', shape: [3], data: sample(3, 3) },
  { name: 'lm_head.weight', shape: [4, 3], data: sample(12, 4) },
];

describe('encodeCheckpointFiles / readCheckpointTensors', () => {
  it('round-trips F32 exactly in a single model.safetensors, in the given order', async () => {
    const files = encodeCheckpointFiles(tensors);
    expect(Object.keys(files)).toEqual(['model.safetensors']);
    const dir = await freshDir(files);
    const listed = await listCheckpointTensors(dir);
    expect(listed.map((t) => [t.name, t.dtype, t.shape])).toEqual(tensors.map((t) => [t.name, 'F32', t.shape]));
    expect(listed[0]!.file).toBe(join(dir, 'model.safetensors'));
    expect(listed[0]!.end - listed[0]!.begin).toBe(48);
    const read = await readAll(dir);
    expect(read.map((t) => t.name)).toEqual(tensors.map((t) => t.name));
    read.forEach((t, i) => {
      expect(t.shape).toEqual(tensors[i]!.shape);
      expect(Array.from(t.data)).toEqual(Array.from(tensors[i]!.data));
    });
  });

  it.each([
    ['BF16', bf16Ref],
    ['F16', f16Ref],
  ] as const)('round-trips %s equal to the rounding reference', async (dtype, ref) => {
    const dir = await freshDir(encodeCheckpointFiles(tensors, { dtype, metadata: { source: 'test' } }));
    expect((await listCheckpointTensors(dir)).every((t) => t.dtype === dtype)).toBe(true);
    const read = await readAll(dir);
    read.forEach((t, i) => {
      expect(Array.from(t.data)).toEqual(Array.from(tensors[i]!.data, ref));
    });
  });

  it('writes the metadata merged over format pt', async () => {
    const files = encodeCheckpointFiles(tensors.slice(0, 1), { metadata: { source: 'trellis' } });
    const bytes = files['model.safetensors'] as Uint8Array;
    const len = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len)));
    expect(header.__metadata__).toEqual({ format: 'pt', source: 'trellis' });
  });

  it('shards with a small maxShardBytes and reads the shards back', async () => {
    // sizes 48, 36, 12, 48 bytes; limit 60 -> [48], [36, 12], [48]
    const files = encodeCheckpointFiles(tensors, { maxShardBytes: 60 });
    expect(Object.keys(files).sort()).toEqual([
      'model-00001-of-00003.safetensors',
      'model-00002-of-00003.safetensors',
      'model-00003-of-00003.safetensors',
      'model.safetensors.index.json',
    ]);
    const index = JSON.parse(files['model.safetensors.index.json'] as string);
    expect(index.metadata).toEqual({ total_size: 144 });
    expect(index.weight_map).toEqual({
      'lm_head.weight': 'model-00003-of-00003.safetensors',
      'model.embed_tokens.weight': 'model-00001-of-00003.safetensors',
      'model.layers.0.self_attn.q_proj.weight': 'model-00002-of-00003.safetensors',
      'model.norm.weight': 'model-00002-of-00003.safetensors',
    });
    expect(Object.keys(index.weight_map)).toEqual(Object.keys(index.weight_map).sort());
    const dir = await freshDir(files);
    const read = await readAll(dir);
    expect(read.map((t) => t.name)).toEqual(tensors.map((t) => t.name));
    read.forEach((t, i) => expect(Array.from(t.data)).toEqual(Array.from(tensors[i]!.data)));
  });

  it('gives a tensor larger than maxShardBytes a shard of its own', () => {
    const files = encodeCheckpointFiles(tensors, { maxShardBytes: 10 });
    expect(Object.keys(files)).toHaveLength(5);
  });

  it('reads only the wanted tensors', async () => {
    const dir = await freshDir(encodeCheckpointFiles(tensors, { maxShardBytes: 60 }));
    const read = await readAll(dir, (n) => n.endsWith('norm.weight') || n === 'lm_head.weight');
    expect(read.map((t) => t.name)).toEqual(['model.norm.weight', 'lm_head.weight']);
  });

  it('rejects duplicate names and element-count mismatches', () => {
    expect(() => encodeCheckpointFiles([tensors[0]!, tensors[0]!])).toThrow(/duplicate tensor 'model.embed_tokens.weight'/);
    expect(() => encodeCheckpointFiles([{ name: 'x', shape: [2, 2], data: new Float32Array(3) }])).toThrow(
      /'x' has 3 elements but shape \[2, 2\] needs 4/,
    );
  });
});

describe('float conversions', () => {
  const bf = (x: number) => float32ToBf16(new Float32Array([x]))[0]!;
  const h = (x: number) => float32ToF16(new Float32Array([x]))[0]!;

  it('bf16: signed zeros, inf, nan, subnormals and ties to even', () => {
    expect(bf(0)).toBe(0x0000);
    expect(bf(-0)).toBe(0x8000);
    expect(bf(Number.POSITIVE_INFINITY)).toBe(0x7f80);
    expect(bf(Number.NEGATIVE_INFINITY)).toBe(0xff80);
    const nan = bf(Number.NaN);
    expect(nan & 0x7f80).toBe(0x7f80);
    expect(nan & 0x007f).not.toBe(0);
    // a NaN whose payload lies only in the low 16 bits must not turn into inf
    const lowPayloadNaN = new Float32Array(new Uint32Array([0x7f800001]).buffer);
    expect(Number.isNaN(bf16ToFloat32(float32ToBf16(lowPayloadNaN))[0])).toBe(true);
    expect(bf(1)).toBe(0x3f80);
    expect(bf(1 + 2 ** -8)).toBe(0x3f80); // tie, 0x3f80 is even: stays 1
    expect(bf(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie between 0x3f81 and 0x3f82: to even, up
    expect(bf(1 + 2 ** -8 + 2 ** -20)).toBe(0x3f81); // above the tie: up
    expect(bf(-(1 + 3 * 2 ** -8))).toBe(0xbf82);
    expect(bf(2 ** -130)).toBe(0x0008); // float32 subnormal 0x00080000 is exact in bf16
    expect(bf(3.4028234663852886e38)).toBe(0x7f80); // float32 max rounds up to inf
    expect(bf16ToFloat32(new Uint16Array([0x3f80, 0xc000, 0x0001, 0x8000, 0x7f80]))).toEqual(
      new Float32Array([1, -2, 2 ** -133, -0, Number.POSITIVE_INFINITY]),
    );
    expect(Object.is(bf16ToFloat32(new Uint16Array([0x8000]))[0], -0)).toBe(true);
  });

  it('f16: signed zeros, inf, nan, subnormals, overflow and ties to even', () => {
    expect(h(0)).toBe(0x0000);
    expect(h(-0)).toBe(0x8000);
    expect(h(Number.POSITIVE_INFINITY)).toBe(0x7c00);
    expect(h(Number.NEGATIVE_INFINITY)).toBe(0xfc00);
    expect(h(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(h(Number.NaN) & 0x03ff).not.toBe(0);
    expect(h(1)).toBe(0x3c00);
    expect(h(1 + 2 ** -11)).toBe(0x3c00); // tie, even: stays 1
    expect(h(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, to even: up
    expect(h(65504)).toBe(0x7bff);
    expect(h(65519)).toBe(0x7bff); // below the midpoint 65520
    expect(h(65520)).toBe(0x7c00); // midpoint, ties to even -> inf
    expect(h(1e6)).toBe(0x7c00);
    expect(h(-1e6)).toBe(0xfc00);
    expect(h(2 ** -14)).toBe(0x0400); // smallest normal
    expect(h(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(h(2 ** -25)).toBe(0x0000); // tie with 0, even: 0
    expect(h(2 ** -25 + 2 ** -35)).toBe(0x0001); // just above the tie
    expect(h(3 * 2 ** -25)).toBe(0x0002); // 1.5 ulp: tie, to even 2
    expect(h(5 * 2 ** -25)).toBe(0x0002); // 2.5 ulp: tie, to even 2
    expect(h(-(2 ** -24))).toBe(0x8001);
    expect(h(2 ** -14 - 2 ** -25)).toBe(0x0400); // largest subnormal + half ulp: tie, carries into the smallest normal
    expect(h(1e-10)).toBe(0x0000);
    expect(h(-1e-10)).toBe(0x8000);
  });

  it('f16 decode covers normals, subnormals, inf and nan', () => {
    const out = f16ToFloat32(new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x8001, 0x7c00, 0xfc00, 0x7e00, 0x8000]));
    expect(Array.from(out.subarray(0, 8))).toEqual([
      1,
      -2,
      65504,
      2 ** -24,
      1023 * 2 ** -24,
      -(2 ** -24),
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ]);
    expect(Number.isNaN(out[8])).toBe(true);
    expect(Object.is(out[9], -0)).toBe(true);
  });

  it('f16 round-trips every finite half exactly', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = float32ToF16(f16ToFloat32(all));
    for (let i = 0; i < 65536; i++) {
      const nanBits = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
      if (!nanBits && back[i] !== i) throw new Error(`half 0x${i.toString(16)} came back as 0x${back[i]!.toString(16)}`);
    }
    expect(bitsOf(f16ToFloat32(new Uint16Array([0x3c00]))[0]!)).toBe(0x3f800000);
  });
});

describe('checkpoint errors', () => {
  const one: Record<string, SafetensorsTensor> = { 'a.weight': { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } };

  it('names the directory when neither file exists', async () => {
    const dir = await freshDir();
    await expect(listCheckpointTensors(dir)).rejects.toThrow(
      `${dir}: found neither model.safetensors nor model.safetensors.index.json`,
    );
  });

  it('names a shard that is listed but missing', async () => {
    const dir = await freshDir({
      'model.safetensors.index.json': JSON.stringify({ weight_map: { 'a.weight': 'model-00001-of-00002.safetensors' } }),
    });
    await expect(listCheckpointTensors(dir)).rejects.toThrow(
      /model\.safetensors\.index\.json: shard 'model-00001-of-00002\.safetensors' is listed but .* does not exist/,
    );
  });

  it('names a tensor that the index maps to a shard lacking it', async () => {
    const dir = await freshDir({
      'model.safetensors.index.json': JSON.stringify({
        weight_map: { 'a.weight': 's1.safetensors', 'b.weight': 's1.safetensors' },
      }),
      's1.safetensors': encodeSafetensors(one),
    });
    await expect(listCheckpointTensors(dir)).rejects.toThrow(
      /tensor 'b\.weight' is mapped to 's1\.safetensors' but .*s1\.safetensors has no such tensor/,
    );
  });

  it('rejects a weight_map entry that is not a plain file name', async () => {
    const dir = await freshDir({
      'model.safetensors.index.json': JSON.stringify({ weight_map: { 'a.weight': '../x.safetensors' } }),
    });
    await expect(listCheckpointTensors(dir)).rejects.toThrow(/weight_map\['a\.weight'\] must be a shard file name/);
  });

  it('names tensor, dtype and supported dtypes for a non-float weight; wanted can skip it', async () => {
    const dir = await freshDir({
      'model.safetensors': encodeSafetensors({
        ...one,
        position_ids: { dtype: 'I64', shape: [2], data: new BigInt64Array([0n, 1n]) },
      }),
    });
    await expect(listCheckpointTensors(dir)).rejects.toThrow(
      /model\.safetensors: tensor 'position_ids' has dtype I64, which is not supported for weights; supported: F32, F16, BF16/,
    );
    await expect(readAll(dir)).rejects.toThrow(/'position_ids' has dtype I64/);
    const read = await readAll(dir, (n) => n !== 'position_ids');
    expect(read.map((t) => t.name)).toEqual(['a.weight']);
  });

  it('names a tensor whose offsets run past the end of the file', async () => {
    const bytes = encodeSafetensors(one);
    const dir = await freshDir({ 'model.safetensors': bytes.subarray(0, bytes.byteLength - 4) });
    await expect(listCheckpointTensors(dir)).rejects.toThrow(
      /model\.safetensors: invalid safetensors file: tensor 'a\.weight' data_offsets \[0, 8\] run past the end of the file \(data area is 4 bytes/,
    );
  });

  it('rejects a header length past the end of the file', async () => {
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(0, 100n, true);
    const dir = await freshDir({ 'model.safetensors': bytes });
    await expect(listCheckpointTensors(dir)).rejects.toThrow(/header length 100 runs past the end of the file \(16 bytes/);
  });

  it('rejects a span that does not match the dtype and shape', async () => {
    const header = new TextEncoder().encode(JSON.stringify({ w: { dtype: 'F16', shape: [3], data_offsets: [0, 8] } }));
    const bytes = new Uint8Array(8 + header.byteLength + 8);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(header.byteLength), true);
    bytes.set(header, 8);
    const dir = await freshDir({ 'model.safetensors': bytes });
    await expect(listCheckpointTensors(dir)).rejects.toThrow(/tensor 'w' spans 8 bytes but F16 \[3\] needs 6/);
  });
});
