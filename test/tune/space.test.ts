import { describe, expect, it } from 'vitest';
import { choice, float, int, searchSpace } from '../../lib/tune/space';
import { rngFor } from '../../lib/tune/random';

const space = searchSpace({
  lr: float(1e-4, 1e-1, { log: true }),
  beta: float(0, 1),
  width: int(8, 128, { log: true }),
  layers: int(1, 4),
  loss: choice(['bce', 'hinge', 'wasserstein']),
});

describe('searchSpace', () => {
  it('encodes into the unit cube with a one-hot block per categorical', () => {
    expect(space.dim).toBe(4 + 3);
    const u = space.encode({ lr: 1e-4, beta: 0.25, width: 128, layers: 4, loss: 'hinge' });
    expect(u).toEqual([0, 0.25, 1, 1, 0, 1, 0]);
    // log scale: the geometric midpoint sits at 0.5
    expect(space.encode({ lr: Math.sqrt(1e-4 * 1e-1), beta: 0, width: 32, layers: 1, loss: 'bce' })[0]).toBeCloseTo(0.5, 12);
    expect(space.encode({ lr: 1e-4, beta: 0, width: 32, layers: 1, loss: 'bce' })[2]).toBeCloseTo(0.5, 12);
  });

  it('round-trips configurations and unit points (through sampling)', () => {
    for (let i = 0; i < 200; i++) {
      const p = space.sample(rngFor(3, 'rt', i));
      space.validate(p);
      const q = space.decode(space.encode(p));
      expect(q.loss).toBe(p.loss);
      expect(q.width).toBe(p.width);
      expect(q.layers).toBe(p.layers);
      expect(q.lr as number).toBeCloseTo(p.lr as number, 14);
      expect(q.beta as number).toBeCloseTo(p.beta as number, 14);
      const u = space.encode(p);
      for (const v of u) { expect(v).toBeGreaterThanOrEqual(0); expect(v).toBeLessThanOrEqual(1); }
      expect(space.snap(u).map((v) => +v.toFixed(12))).toEqual(u.map((v) => +v.toFixed(12)));
    }
  });

  it('decodes arbitrary points by rounding integers, clamping and taking the argmax category', () => {
    const p = space.decode([-0.5, 1.7, 0.5, 0.49, 0.2, 0.1, 0.9]);
    expect(p).toEqual({ lr: 1e-4, beta: 1, width: 32, layers: 2, loss: 'wasserstein' });
  });

  it('grid enumerates the product of per-dimension values', () => {
    expect(space.grid(3)).toHaveLength(3 * 3 * 3 * 3 * 3);
    expect(space.gridValues('layers', 3)).toEqual([1, 3, 4]); // 1, 2.5→3, 4
    expect(space.gridValues('lr', 4)).toEqual([1e-4, 1e-3, 1e-2, 1e-1]); // exact decimals on a log grid
    expect(searchSpace({ lr: float(1e-4, 1e-2, { log: true }) }).gridValues('lr', 3)).toEqual([1e-4, 1e-3, 1e-2]);
    const small = searchSpace({ a: float(0, 1), b: int(1, 2), c: choice(['x', 'y', 'z']) });
    expect(small.grid(3)).toHaveLength(3 * 2 * 3); // int(1,2) has only two values
    expect(small.grid(3)[0]).toEqual({ a: 0, b: 1, c: 'x' });
    expect(small.grid(1)).toHaveLength(3);
    const fixed = searchSpace({ a: float(0, 1, { grid: [0.1, 0.2] }), b: choice([true, false]) });
    expect(fixed.grid(10)).toEqual([{ a: 0.1, b: true }, { a: 0.1, b: false }, { a: 0.2, b: true }, { a: 0.2, b: false }]);
  });

  it('samples log-scale dimensions log-uniformly', () => {
    let below = 0;
    for (let i = 0; i < 2000; i++) if ((space.sample(rngFor(1, i)).lr as number) < 10 ** -2.5) below++;
    expect(below / 2000).toBeGreaterThan(0.45);
    expect(below / 2000).toBeLessThan(0.55);
  });

  it('rejects bad specs and configurations with a helpful message', () => {
    expect(() => searchSpace({ lr: float(0, 1, { log: true }) })).toThrow(/log-scale range needs low > 0, got 0/);
    expect(() => searchSpace({ n: int(1.5, 3) })).toThrow(/integer bounds expected/);
    expect(() => searchSpace({ c: choice([]) })).toThrow(/non-empty list/);
    expect(() => searchSpace({ a: float(2, 1) })).toThrow(/low < high, got \[2, 1\]/);
    expect(() => space.encode({ lr: 1, beta: 0, width: 8, layers: 1, loss: 'bce' })).toThrow(/"lr" must be a number in \[0.0001, 0.1\], got 1/);
    expect(() => space.encode({ lr: 1e-3, beta: 0, width: 8, layers: 1 })).toThrow(/missing "loss"/);
  });
});
