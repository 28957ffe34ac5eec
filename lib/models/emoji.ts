/**
 * The emoji preset: a DCGAN for `loadDataset('emoji', { size: 32 })` — 32x32x3 images in
 * [-1, 1] (composited over white), nine categories — with the trainer settings it was run with
 * in notebook 08. A measured starting point, not a tuned optimum: on 2 CPU cores a trial of a few
 * thousand steps takes 15-30 minutes, so only a handful were run (see notebook 08's summary).
 */
import type { TrainerOptions } from '../train/trainer-options';
import { dcgan, type GanConfig, type GanOverrides } from './config';

/**
 * DCGAN at 32x32x3 (G: dense → 4x4x256, three stride-2 transposed convolutions 256 → 128 → 64 with
 * batch norm; D: three stride-2 convolutions 64 → 128 → 256, LeakyReLU 0.2), latent 100. Pass
 * `conditional: { numClasses: 9 }` for the category-conditional model; `imageShape: [64, 64, 3]`
 * for the 64-px images (deeper defaults). What notebook 08 trains: SNGAN's discriminator
 * (`emojiGan({ loss: 'hinge', discriminator: { weightNorm: 'spectral' } })`) with
 * `{ ...emojiTrainer, diffAugment: 'color,translation,cutout' }` — Fréchet classifier distance 81.3
 * after 4,000 steps (real images: 4.2), against 159.9 for this preset as is after 3,000. Its
 * conditional model (projection discriminator, hinge, spectral norm) with DiffAugment puts 55.7%
 * of samples in the requested category after 8,000 steps in the notebook (Fréchet classifier
 * distance 65.7; the classifier's ceiling on held-out emoji is 59.5%); without DiffAugment, 49.9%
 * at 4,000 steps. A probe of the same run gave 48.6% / 52.3% / 55.7% / 56.3% at 4,000 / 6,000 /
 * 8,000 / 10,000 steps (FCD 83.1 / 67.7 / 65.7 / 63.9): the gain flattens by 10,000 steps. With
 * the skin-tone variants as training data too (`loadDataset('emoji', { size: 32 })`, 5,998 images
 * instead of 3,048), the same probe gave 48.4% / 52.1% at 4,000 / 6,000 steps — the same share —
 * but Fréchet classifier distance 61.4 / 48.2 (recall 0.47 / 0.60). Notebook 08 now trains both
 * models on the variants: the DCGAN reaches FCD 34.0 at 6,000 steps (recall 0.60), the conditional
 * one FCD 52.3 but 52.6% in the requested category at 8,000 (People & Body, 3,568 of the 5,998
 * images, takes the generator's capacity; 54.1% and FCD 65.2 without the variants, same session).
 *
 * @example
 * ```ts
 * const emoji = await loadDataset('emoji', { size: 32 });
 * const gan = buildGan(emojiGan({ conditional: { numClasses: emoji.classNames.length } }));
 * await new GanTrainer(gan, emoji, { ...emojiTrainer }).fit({ steps: 4000 });
 * ```
 */
export function emojiGan(o: GanOverrides = {}): GanConfig {
  return dcgan({ latentDim: 100, imageShape: [32, 32, 3], ...o });
}

/**
 * Trainer settings for {@link emojiGan}: batch 64, Adam 2e-4 / β₁ 0.5 for both networks (Radford
 * et al. 2016, the DCGAN paper's), and an EMA of the generator's weights (0.999): on ~6,000
 * images the discriminator overfits within a few dozen epochs and the raw generator's samples
 * swing from step to step; the average is steadier and is what notebook 08 evaluates.
 */
export const emojiTrainer: TrainerOptions = { batchSize: 64, lrG: 2e-4, lrD: 2e-4, beta1: 0.5, ema: 0.999, seed: 1 };
