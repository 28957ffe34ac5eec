/**
 * Seeded latent sampling that gives the same numbers on the server and in the browser.
 *
 * A 32-bit seed drives mulberry32; Box-Muller turns pairs of uniforms into standard normals,
 * consumed in order, so image `i` of a request depends only on the seed (asking for more images
 * appends, never changes the first ones). Truncation redraws a value while `|z| > t` (at most
 * {@link MAX_REDRAWS} times, then clips to ±t). `web/latent.js` is the same algorithm for the
 * browser; a test checks the two agree bit for bit.
 *
 * @example
 * ```ts
 * const z = sampleLatent(42, 4, 100);          // Float32Array of 4*100 standard normals
 * const zt = sampleLatent(42, 4, 100, 0.7);    // truncated to |z| <= 0.7
 * ```
 */
import { mulberry32 } from '../data/random';

/** Redraws per value before a truncated sample is clipped instead. */
export const MAX_REDRAWS = 64;

/** Largest seed (seeds are unsigned 32-bit integers). */
export const MAX_SEED = 0xffffffff;

/** A uniform generator on [0, 1) from a 32-bit seed (mulberry32; web/latent.js mirrors it). */
export { mulberry32 };

/** A standard-normal generator from a 32-bit seed (Box-Muller, both outputs used). */
export function normalStream(seed: number): () => number {
  const uniform = mulberry32(seed);
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u1 = 1 - uniform(); // (0, 1]: log is finite
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
}

/**
 * `count * dim` latent values for `seed`, row-major `[count, dim]`.
 * `truncation` (> 0) redraws values with `|z| > truncation`.
 */
export function sampleLatent(seed: number, count: number, dim: number, truncation?: number): Float32Array {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new Error(`Expected seed to be an integer in [0, ${MAX_SEED}]; got ${seed}.`);
  }
  if (truncation !== undefined && !(truncation > 0)) {
    throw new Error(`Expected truncation > 0; got ${truncation}. Omit it for no truncation.`);
  }
  const next = normalStream(seed);
  const out = new Float32Array(count * dim);
  for (let i = 0; i < out.length; i++) {
    let v = next();
    if (truncation !== undefined) {
      for (let k = 0; k < MAX_REDRAWS && Math.abs(v) > truncation; k++) v = next();
      if (Math.abs(v) > truncation) v = Math.sign(v) * truncation;
    }
    out[i] = v;
  }
  return out;
}
