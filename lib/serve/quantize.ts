/**
 * Weight compression on plain arrays, in the format tf.loadLayersModel reads back
 * (tfjs-converter's `quantization` entry of a weights manifest): float16 halves, uint8 affine
 * quantization, and magnitude pruning.
 */

/** The `quantization` field of a weights-manifest entry, as TensorFlow.js reads it. */
export type Quantization =
  | { dtype: 'float16' }
  | { dtype: 'uint8'; scale: number; min: number };

export type QuantizeDtype = 'float16' | 'uint8';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE-754 half-precision bits of `value` (round to nearest even; overflow → ±Inf). */
export function float16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
  return sign | half;
}

/** Decodes half-precision bits (for tests and size/quality previews). */
export function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Float32 values to float16 bytes (little-endian, as tfjs reads them). */
export function toFloat16(values: Float32Array): Uint8Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float16Bits(values[i]);
  return new Uint8Array(out.buffer);
}

/**
 * Affine uint8 quantization: `value ≈ q * scale + min`, with the range widened to contain 0
 * and `min` nudged so that 0 (a pruned weight) is represented exactly.
 */
export function toUint8(values: Float32Array): { bytes: Uint8Array; scale: number; min: number } {
  let lo = 0;
  let hi = 0;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  const zeroPoint = Math.round(-lo / scale);
  const min = -zeroPoint * scale;
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    bytes[i] = Math.max(0, Math.min(255, Math.round((values[i] - min) / scale)));
  }
  return { bytes, scale, min };
}

/**
 * Magnitude pruning: zeroes the `sparsity` fraction of entries with the smallest |value|
 * (in place). Returns the fraction actually zeroed.
 */
export function pruneByMagnitude(values: Float32Array, sparsity: number): number {
  if (!(sparsity >= 0 && sparsity < 1)) {
    throw new Error(`Expected prune sparsity in [0, 1); got ${sparsity}. Use e.g. 0.5 to zero half of each kernel.`);
  }
  const k = Math.floor(sparsity * values.length);
  if (k === 0) return 0;
  const mags = Float32Array.from(values, Math.abs).sort();
  const threshold = mags[k - 1];
  let zeroed = 0;
  for (let i = 0; i < values.length; i++) {
    if (Math.abs(values[i]) <= threshold && zeroed < k) {
      values[i] = 0;
      zeroed++;
    }
  }
  return zeroed / values.length;
}
