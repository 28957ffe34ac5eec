/**
 * Seeded pseudo-random numbers for the tuners (no `Math.random` anywhere in `lib/tune`).
 *
 * Every proposal draws from its own stream, `rngFor(seed, 'propose', trialNumber)`, so a
 * resumed study makes exactly the proposal it would have made without the interruption.
 *
 * @example
 * ```ts
 * const rng = rngFor(42, 'propose', 3);
 * rng.next();        // uniform in [0, 1)
 * rng.normal();      // standard normal
 * rng.int(10);       // 0..9
 * ```
 */

/** A seeded random stream. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** A Fisher–Yates shuffled copy. */
  shuffle<T>(xs: readonly T[]): T[];
}

/** 32-bit string hash (cyrb53 folded to 32 bits), used to derive stream seeds. */
export function hash32(s: string): number {
  let h1 = 0xdeadbeef, h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 ^ h2) >>> 0;
}

/**
 * sfc32 seeded from four 32-bit words (a small, fast generator with good statistics).
 *
 * @example
 * ```ts
 * const rng = sfc32(1, 2, 3, 4);
 * rng.next();
 * ```
 */
export function sfc32(a: number, b: number, c: number, d: number): Rng {
  a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next(); // warm up
  let spare: number | null = null;
  const rng: Rng = {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (n) => Math.floor(next() * n),
    normal() {
      if (spare !== null) { const s = spare; spare = null; return s; }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    shuffle<T>(xs: readonly T[]): T[] {
      const out = xs.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
  };
  return rng;
}

/**
 * A random stream determined by a seed and any labels (e.g. `'propose', 7`).
 *
 * @example
 * ```ts
 * rngFor(0, 'init').next() === rngFor(0, 'init').next(); // true
 * ```
 */
export function rngFor(seed: number, ...labels: (string | number)[]): Rng {
  const key = [seed, ...labels].join('/');
  return sfc32(hash32(`a:${key}`), hash32(`b:${key}`), hash32(`c:${key}`), hash32(`d:${key}`));
}
