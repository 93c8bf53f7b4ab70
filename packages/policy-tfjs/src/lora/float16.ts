import type { SafetensorsTensor } from '@trellis/core';

/** IEEE half-precision bits to a float (subnormals, infinities and NaN included). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * A safetensors tensor's elements as float32: F32 copied, F64 narrowed, BF16 widened exactly
 * (`bits << 16`), F16 converted exactly. Returns `undefined` for any other dtype.
 */
export function floatTensorToFloat32(t: SafetensorsTensor): Float32Array | undefined {
  switch (t.dtype) {
    case 'F32':
      return (t.data as Float32Array).slice();
    case 'F64':
      return Float32Array.from(t.data as Float64Array);
    case 'BF16': {
      const src = t.data as Uint16Array;
      const bits = new Uint32Array(src.length);
      for (let i = 0; i < src.length; i++) bits[i] = (src[i] as number) << 16;
      return new Float32Array(bits.buffer);
    }
    case 'F16': {
      const src = t.data as Uint16Array;
      const out = new Float32Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = halfToFloat(src[i] as number);
      return out;
    }
    default:
      return undefined;
  }
}
