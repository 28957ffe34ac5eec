/**
 * Seeded pseudo-random numbers for data preparation (shuffles, splits, augmentation), so a
 * seed reproduces the same order and the same augmented pixels on every machine.
 */

/** A seeded generator: `next()` is uniform in [0, 1). */
export interface Rng {
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Standard normal sample (Box–Muller). */
  normal(): number;
}

/**
 * Mulberry32: a small, fast, well-mixed 32-bit generator, uniform on [0, 1). The one generator
 * behind every seeded draw in ganbook (data order, augmentation, training noise, metric
 * subsamples, served latents), so equal seeds mean equal streams everywhere.
 *
 * @example
 * ```ts
 * const u = mulberry32(7);
 * u(); // the same number on every machine
 * ```
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seeded generator with integer and normal draws (mulberry32 underneath).
 *
 * @example
 * ```ts
 * const rng = seededRandom(42);
 * rng.next(); // 0.6011037519201636, the same on every run
 * ```
 */
export function seededRandom(seed: number): Rng {
  const next = mulberry32((Math.floor(seed) >>> 0) ^ 0x9e3779b9);
  let spare: number | null = null;
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal() {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      const u = 1 - next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

/**
 * A seeded permutation of `0..n-1` (Fisher–Yates).
 *
 * @example
 * ```ts
 * permutation(5, 1); // Int32Array [ 3, 0, 4, 1, 2 ] (fixed for seed 1)
 * ```
 */
export function permutation(n: number, seed: number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const rng = seededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = idx[i]; idx[i] = idx[j]; idx[j] = t;
  }
  return idx;
}
