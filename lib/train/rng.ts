/**
 * Counter-based randomness for training: every random draw of step `s` is seeded from
 * `(seed, s, k)`, so the RNG state is just `{ seed, step }` — checkpoints store it and a resumed
 * run draws exactly what an uninterrupted one would.
 */
import { mulberry32 } from '../data/random';

/**
 * Mixes integers into one 31-bit seed (a small integer hash; deterministic everywhere).
 *
 * @example
 * ```ts
 * mixSeed(42, 100, 0) === mixSeed(42, 100, 0); // true; differs for (42, 101, 0)
 * ```
 */
export function mixSeed(...xs: number[]): number {
  let h = 0x811c9dc5;
  for (const x of xs) {
    let v = Math.floor(x) | 0;
    for (let i = 0; i < 4; i++) {
      h ^= v & 0xff;
      h = Math.imul(h, 0x01000193);
      v >>>= 8;
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) % 2147483647;
}


/**
 * A seeded permutation of `0..n-1` (Fisher–Yates), e.g. the sample order of one epoch.
 *
 * @example
 * ```ts
 * shuffledIndices(5, mixSeed(0, epoch)); // Int32Array of 0..4 in a fixed order
 * ```
 */
export function shuffledIndices(n: number, seed: number): Int32Array {
  const rand = mulberry32(seed);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i]; p[i] = p[j]; p[j] = t;
  }
  return p;
}
