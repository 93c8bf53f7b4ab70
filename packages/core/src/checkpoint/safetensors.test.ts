import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from './safetensors';

function sample(): Uint8Array {
  return encodeSafetensors(
    {
      w: { dtype: 'F32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
      step: { dtype: 'I32', shape: [], data: new Int32Array([7]) },
      b: { dtype: 'F64', shape: [2], data: new Float64Array([0.5, -1.25]) },
    },
    { format: 'pt' },
  );
}

function withHeader(header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}

describe('safetensors codec', () => {
  it('round-trips tensors, dtypes, shapes and metadata', () => {
    const bytes = sample();
    expect((bytes.byteLength - 8 - 24 - 4 - 16) % 8).toBe(0);
    const file = decodeSafetensors(bytes, 'x.safetensors');
    expect(file.metadata).toEqual({ format: 'pt' });
    expect(Object.keys(file.tensors)).toEqual(['w', 'step', 'b']);
    expect(file.tensors.w?.shape).toEqual([2, 3]);
    expect(Array.from(file.tensors.w?.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(file.tensors.step?.data as Int32Array)).toEqual([7]);
    expect(Array.from(file.tensors.b?.data as Float64Array)).toEqual([0.5, -1.25]);
  });

  it('writes the documented layout: u64 LE length, JSON header, raw LE data', () => {
    const bytes = encodeSafetensors({ a: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header).toEqual({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } });
    expect(Array.from(bytes.subarray(8 + n))).toEqual([0, 0, 0x80, 0x3f]);
  });

  it('rejects a truncated file', () => {
    const bytes = sample();
    expect(() => decodeSafetensors(bytes.subarray(0, bytes.byteLength - 3), 'ckpt/model.safetensors')).toThrow(
      /ckpt\/model\.safetensors: invalid safetensors file: .*truncated/,
    );
    expect(() => decodeSafetensors(bytes.subarray(0, 5), 'm')).toThrow(/shorter than the 8-byte header length/);
  });

  it('rejects a bad header length', () => {
    const bytes = sample().slice();
    new DataView(bytes.buffer).setBigUint64(0, BigInt(bytes.byteLength * 4), true);
    expect(() => decodeSafetensors(bytes, 'm.safetensors')).toThrow(/m\.safetensors: .*header length .* runs past the end/);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 60n, true);
    expect(() => decodeSafetensors(bytes, 'm.safetensors')).toThrow(SafetensorsError);
    const shorter = sample().slice();
    new DataView(shorter.buffer).setBigUint64(0, 10n, true);
    expect(() => decodeSafetensors(shorter, 'm')).toThrow(/not valid UTF-8 JSON/);
  });

  it('rejects bad offsets, overlaps, gaps, wrong sizes, unknown dtypes and bad shapes', () => {
    const data = new Uint8Array(16);
    const cases: [unknown, RegExp][] = [
      [{ a: { dtype: 'F32', shape: [4], data_offsets: [0, 20] } }, /spans 20 bytes/],
      [{ a: { dtype: 'F32', shape: [5], data_offsets: [0, 20] } }, /ends at byte 20 .*16 bytes/],
      [{ a: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, /invalid data_offsets/],
      [
        {
          a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] },
          b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
        },
        /overlaps/,
      ],
      [{ a: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, /gap of 8 bytes/],
      [{ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, /trailing bytes/],
      [{ a: { dtype: 'Q4', shape: [4], data_offsets: [0, 16] } }, /unknown dtype "Q4"/],
      [{ a: { dtype: 'F32', shape: [-4], data_offsets: [0, 16] } }, /invalid shape/],
      [[1, 2], /not a JSON object/],
    ];
    for (const [header, message] of cases) {
      expect(() => decodeSafetensors(withHeader(header, data), 'f.safetensors')).toThrow(message);
    }
  });

  it('decodes from a view into a larger buffer (e.g. a pooled Node Buffer)', () => {
    const bytes = sample();
    const pool = new Uint8Array(bytes.byteLength + 13);
    pool.set(bytes, 13);
    const file = decodeSafetensors(pool.subarray(13), 'view');
    const w = file.tensors.w?.data as Float32Array;
    expect(Array.from(w)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(w.buffer.byteLength).toBe(24);
  });

  it('refuses to encode inconsistent tensors', () => {
    expect(() => encodeSafetensors({ a: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(/needs 3/);
    expect(() => encodeSafetensors({ a: { dtype: 'I32', shape: [2], data: new Float64Array(2) } })).toThrow(/8-byte/);
  });
});
