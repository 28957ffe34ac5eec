import { describe, expect, it } from 'vitest';
import { tf, type LayersModel, type Tensor } from '../../lib/backend';
import { buildGan, disposeGan } from '../../lib/models/build';
import { dcgan } from '../../lib/models/config';
import { EMOJI_WIDTHS, emojiGan, emojiTrainer } from '../../lib/models/emoji';

/** Output channels of each convolution kernel of a network, in order (`[kh, kw, in, out]`; transposed: `[kh, kw, out, in]`). */
const convFilters = (m: LayersModel, transposed = false) =>
  m.weights.filter((w) => w.shape.length === 4).map((w) => w.shape[transposed ? 2 : 3] as number);

describe('emojiGan', () => {
  it('32 px: the 1.5x wider generator and dcgan\'s discriminator, latent 100, colour images in [-1, 1]', () => {
    const c = emojiGan();
    expect(c.imageShape).toEqual([32, 32, 3]);
    expect(c.latentDim).toBe(100);
    expect(c.generator.widths).toEqual(EMOJI_WIDTHS[32].generator);
    expect(c.discriminator.widths).toEqual(dcgan({ imageShape: [32, 32, 3] }).discriminator.widths);
    const gan = buildGan(c);
    // dense → 4x4x384, then 384 → 192 → 96 transposed convs with batch norm, and the tanh output layer to 3 channels
    expect(convFilters(gan.generator, true)).toEqual([192, 96, 3]);
    const y = tf.tidy(() => gan.generator.predict(tf.randomNormal([2, 100], 0, 1, 'float32', 3)) as Tensor);
    expect(y.shape).toEqual([2, 32, 32, 3]);
    const v = y.dataSync();
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    y.dispose();
    disposeGan(gan);
  });

  it('64 px: four stride-2 stages at half of dcgan\'s 64-px widths in both networks, conditional on nine categories', () => {
    const c = emojiGan({ imageShape: [64, 64, 3], loss: 'hinge', discriminator: { weightNorm: 'spectral' }, conditional: { numClasses: 9, embedDim: 50, discriminator: 'projection' } });
    const full = dcgan({ imageShape: [64, 64, 3] });
    expect(c.generator.widths).toEqual(EMOJI_WIDTHS[64].generator);
    expect(c.discriminator.widths).toEqual(EMOJI_WIDTHS[64].discriminator);
    expect(c.generator.widths).toEqual(full.generator.widths.map((w) => w / 2));
    expect(c.discriminator.widths).toEqual(full.discriminator.widths.map((w) => w / 2));
    expect(c.discriminator.weightNorm).toBe('spectral'); // a partial override keeps the preset's widths
    const gan = buildGan(c);
    expect(convFilters(gan.discriminator)).toEqual(EMOJI_WIDTHS[64].discriminator);
    const shape = tf.tidy(() => (gan.generator.predict([tf.randomNormal([3, 100]), tf.tensor2d([[0], [4], [8]])]) as Tensor).shape);
    expect(shape).toEqual([3, 64, 64, 3]);
    disposeGan(gan);
  });

  it('explicit widths win over the preset\'s; other sizes keep dcgan\'s defaults', () => {
    const c = emojiGan({ imageShape: [64, 64, 3], generator: { widths: [64, 32, 16, 8] }, discriminator: { widths: [8, 16, 32, 64] } });
    expect(c.generator.widths).toEqual([64, 32, 16, 8]);
    expect(c.discriminator.widths).toEqual([8, 16, 32, 64]);
    expect(emojiGan({ imageShape: [28, 28, 3] }).generator.widths).toEqual(dcgan({ imageShape: [28, 28, 3] }).generator.widths);
    expect(emojiTrainer).toMatchObject({ batchSize: 64, lrG: 2e-4, lrD: 2e-4, beta1: 0.5, ema: 0.999, diffAugment: 'translation,cutout' });
  });
});
