import { describe, expect, it } from 'vitest';
import { tf, type Tensor, type Tensor4D } from '../../lib/backend';
import { applyDiffAugment, diffAugment, diffAugmentDraws, parseDiffAugmentPolicy, type AugmentDraw } from '../../lib/train/diff-augment';
import { tfjsOps } from '../../lib/train/objectives/tfjs-ops';
import { tapeOps } from '../../lib/train/engine/native-step';
import { Tape } from '../../lib/train/engine/tape';
import { nativeOps } from '../../lib/train/fast-ops';
import { buildGan, disposeGan } from '../../lib/models/build';
import { dcgan } from '../../lib/models/config';
import { GanTrainer } from '../../lib/train/trainer';

const [N, H, W, C] = [5, 12, 10, 3];
const x = tf.randomUniform([N, H, W, C], -1, 1, 'float32', 3) as Tensor4D;
const xs = x.dataSync();
const at = (v: ArrayLike<number>, n: number, i: number, j: number, c: number) => v[((n * H + i) * W + j) * C + c];
const draws = diffAugmentDraws(7, N, H, W);

/** The paper's formulas written out per pixel (an independent reference). */
function reference(kind: 'color' | 'translation' | 'cutout', d: AugmentDraw[]): Float32Array {
  const out = new Float32Array(xs.length);
  for (let n = 0; n < N; n++) {
    const b = d[n].brightness - 0.5;
    let imgMean = 0;
    for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) for (let c = 0; c < C; c++) imgMean += at(xs, n, i, j, c) + b;
    imgMean /= H * W * C;
    // contrast's mean is taken after brightness and saturation; saturation keeps each pixel's channel mean, so it is this one
    for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
      let chan = 0;
      for (let c = 0; c < C; c++) chan += (at(xs, n, i, j, c) + b) / C;
      for (let c = 0; c < C; c++) {
        const k = ((n * H + i) * W + j) * C + c;
        if (kind === 'color') {
          const sat = (at(xs, n, i, j, c) + b - chan) * 2 * d[n].saturation + chan;
          out[k] = (sat - imgMean) * (d[n].contrast + 0.5) + imgMean;
        } else if (kind === 'translation') {
          const si = i - d[n].dy, sj = j - d[n].dx;
          out[k] = si >= 0 && si < H && sj >= 0 && sj < W ? at(xs, n, si, sj, c) : 0;
        } else {
          const inside = i >= d[n].cutY && i < d[n].cutY + d[n].cutSize && j >= d[n].cutX && j < d[n].cutX + d[n].cutSize;
          out[k] = inside ? 0 : at(xs, n, i, j, c);
        }
      }
    }
  }
  return out;
}

describe('DiffAugment (Zhao et al. 2020)', () => {
  it('draws shifts within 1/8 of the side and a cutout of half the side, seeded', () => {
    const d = diffAugmentDraws(1, 400, 32, 32);
    expect(d.every((v) => Math.abs(v.dx) <= 4 && Math.abs(v.dy) <= 4 && v.cutSize === 16)).toBe(true);
    expect(new Set(d.map((v) => v.dx)).size).toBe(9); // -4..4 all drawn
    expect(diffAugmentDraws(1, 3, 32, 32)).toEqual(d.slice(0, 3));
    expect(diffAugmentDraws(2, 3, 32, 32)).not.toEqual(d.slice(0, 3));
  });

  for (const kind of ['color', 'translation', 'cutout'] as const) {
    it(`${kind}: the paper's per-pixel formula, in tfjs and on the engine's tape`, () => {
      const want = reference(kind, draws);
      const viaTfjs = tf.tidy(() => (applyDiffAugment(tfjsOps, x as Tensor, [kind], draws)).dataSync());
      const tape = new Tape(nativeOps());
      const viaTape = tf.tidy(() => applyDiffAugment(tapeOps(tape), tape.leaf(x), [kind], draws).t.dataSync());
      tape.dispose();
      const maxDiff = (a: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - want[i])));
      expect(maxDiff(viaTfjs)).toBeLessThan(1e-5);
      expect(maxDiff(viaTape)).toBeLessThan(1e-5);
      if (kind === 'translation') expect(draws.some((d) => d.dx !== 0 || d.dy !== 0)).toBe(true);
      if (kind === 'cutout') expect(Array.from(viaTape).filter((v) => v === 0).length).toBeGreaterThan(N * 10);
    });
  }

  it('the gradient w.r.t. the images: tape = tfjs autodiff (the generator learns through T)', () => {
    const w = tf.randomNormal([N, H, W, C], 0, 1, 'float32', 4);
    const all = ['color', 'translation', 'cutout'] as const;
    const ref = tf.grad((v: Tensor) => tf.sum(tf.mul(applyDiffAugment(tfjsOps, v, all, draws), w)))(x);
    const tape = new Tape(nativeOps());
    const got = tf.tidy(() => {
      const xl = tape.leaf(x, true);
      const y = tape.mul(applyDiffAugment(tapeOps(tape), xl, all, draws), tape.leaf(w));
      return tf.keep(tape.grad(tape.sum(y, [0, 1, 2, 3]), [xl])[0].t);
    });
    tape.dispose();
    const scale = tf.max(tf.abs(ref)).dataSync()[0];
    expect(scale).toBeGreaterThan(0.1);
    expect(tf.max(tf.abs(tf.sub(ref, got))).dataSync()[0]).toBeLessThan(1e-4 * scale);
    tf.dispose([w, ref, got]);
  });

  it('rejects unknown transforms and empty policies by name, in the trainer too', () => {
    expect(parseDiffAugmentPolicy('cutout, color')).toEqual(['color', 'cutout']);
    expect(() => parseDiffAugmentPolicy('colour,cutout')).toThrow("Expected DiffAugment transforms from color, translation, cutout; got 'colour' in 'colour,cutout'.");
    expect(() => diffAugment(' , ')).toThrow(/Expected a DiffAugment policy such as 'color,translation,cutout'/);
    const gan = buildGan(dcgan({ latentDim: 8, generator: { widths: [8, 4] }, discriminator: { widths: [4, 8] } }));
    const data = tf.randomUniform([16, 28, 28, 1]) as Tensor4D;
    expect(() => new GanTrainer(gan, data, { runsDir: null, live: false, diffAugment: 'flip' })).toThrow(/got 'flip' in 'flip'/);
    expect(() => new GanTrainer(gan, data, { runsDir: null, live: false, diffAugment: 3 as unknown as string })).toThrow(/diffAugment/);
    data.dispose(); disposeGan(gan);
  });

  it('changes what the critic sees: the same seeds give other losses than without it', async () => {
    const data = tf.randomUniform([32, 28, 28, 1], 0, 1, 'float32', 9) as Tensor4D;
    const run = async (diffAugment?: string) => {
      const gan = buildGan(dcgan({ latentDim: 8, generator: { widths: [8, 4] }, discriminator: { widths: [4, 8] } }));
      const t = new GanTrainer(gan, data, { batchSize: 8, runsDir: null, sampleEvery: 0, live: false, seed: 2, diffAugment });
      await t.step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) await t.step();
      const out = { losses: t.history.map((h) => h.dLoss), grew: tf.memory().numTensors - before };
      t.dispose(); disposeGan(gan);
      return out;
    };
    const plain = await run(), aug = await run('translation,cutout');
    expect(aug.grew).toBe(0);
    expect(aug.losses[0]).not.toBeCloseTo(plain.losses[0], 4);
    data.dispose();
  });
});

describe('diffAugmentImages (what the critic sees, for a notebook cell)', () => {
  it('applies the policy with the seed\'s draws and leaves the input alone', async () => {
    const { diffAugmentImages } = await import('../../lib');
    const before = tf.memory().numTensors;
    const seen = diffAugmentImages(x, 'translation', 7);
    expect(tf.memory().numTensors).toBe(before + 1);
    const want = reference('translation', diffAugmentDraws(7, N, H, W));
    expect(Math.max(...Array.from(seen.dataSync(), (v, i) => Math.abs(v - want[i])))).toBeLessThan(1e-6);
    expect(Array.from(x.dataSync())).toEqual(Array.from(xs));
    seen.dispose();
  });
});
