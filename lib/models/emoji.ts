/**
 * The emoji preset: a DCGAN for `loadDataset('emoji', { size: 32 })` — 32x32x3 images in
 * [-1, 1] (composited over white), nine categories — with the trainer settings it was run with
 * in notebook 08. A measured starting point, not a tuned optimum: on 2 CPU cores a trial of a few
 * thousand steps takes 15-30 minutes, so only a handful were run (see notebook 08's summary).
 */
import type { TrainerOptions } from '../train/trainer-options';
import { dcgan, type GanConfig, type GanOverrides } from './config';

/**
 * DCGAN at 32x32x3 (G: dense → 4x4x384, three stride-2 transposed convolutions 384 → 192 → 96 with
 * batch norm, 1.5x dcgan's widths, {@link EMOJI_WIDTHS}; D: three stride-2 convolutions 64 → 128
 * → 256, LeakyReLU 0.2), latent 100. Pass `conditional: { numClasses: 9 }` for the
 * category-conditional model; `imageShape: [64, 64, 3]` for the 64-px images (four stride-2 stages
 * at half of dcgan's 64-px widths: G 256 → 128 → 64 → 32, D 32 → 64 → 128 → 256,
 * {@link EMOJI_WIDTHS}; chosen for cost). Notebook 10 trains the conditional model at 64 px for
 * 6,000 steps (52 minutes on two CPU cores): 50.7% of samples in the requested category and a
 * Fréchet classifier distance of 13.9 = 3.30x the real baseline at the data's mix — behind the 32-px
 * model at 10,000 steps at that budget (its samples' 32-px reductions look almost the same as the
 * samples); shipped as `loadPretrained('emoji64-conditional')`.
 *
 * What notebook 08 trains, on the skin-tone variants too (5,998 images), 10,000 steps each:
 * SNGAN's discriminator (`emojiGan({ loss: 'hinge', discriminator: { weightNorm: 'spectral' } })`)
 * with {@link emojiTrainer} (DiffAugment's shifts and cut-outs) — Fréchet classifier distance
 * **16.9** (real images: 4.2, so 4.0x; 19.8 with DiffAugment's colour transform too, 22.3 with
 * dcgan's narrower generator as well; 159.9 for the plain DCGAN recipe after 3,000 steps) — and its
 * conditional model (projection discriminator, the category's embedding concatenated to z):
 * Fréchet classifier distance **8.8** (2.10x the real images'; 12.0 = 2.87x with DiffAugment's colour
 * transform too) when asked for categories in the data's proportions (`evaluateGenerator(g, {
 * labelWeights })`; 52.2 asked uniformly, a mix the held-out statistics do not have), **58.7%** of
 * samples in the requested category (53.8% with the colour transform; the classifier's ceiling on
 * held-out emoji: 59.5%; 65.2%, at recall 0.53 against 0.64, with `truncation: 1.5`); shipped as
 * `loadPretrained('emoji-conditional')`.
 * Probes at 6,000 steps with the narrower generator: conditional batch norm in G (`conditional:
 * { generator: 'batchnorm' }`) 48.5% and FCD 14.0 at the data's mix, against 52.1% and 15.8 with the
 * concatenation; `classBalance: 1` (every category drawn equally often): 53.6% and FCD 22.5 at the
 * data's mix — a little more share for much more distance. The wider generator: FCD 26.3 against
 * 33.8 at 6,000 steps for the unconditional model.
 *
 * @example
 * ```ts
 * const emoji = await loadDataset('emoji', { size: 32 });
 * const gan = buildGan(emojiGan({ conditional: { numClasses: emoji.classNames.length } }));
 * await new GanTrainer(gan, emoji, { ...emojiTrainer }).fit({ steps: 4000 });
 * ```
 */
export function emojiGan(o: GanOverrides = {}): GanConfig {
  const imageShape = o.imageShape ?? [32, 32, 3];
  const preset = imageShape[0] === imageShape[1] ? EMOJI_WIDTHS[imageShape[0]] ?? {} : {};
  const generator = preset.generator ? { widths: preset.generator, ...o.generator } : o.generator;
  const discriminator = preset.discriminator ? { widths: preset.discriminator, ...o.discriminator } : o.discriminator;
  return dcgan({ latentDim: 100, ...o, imageShape, ...(generator ? { generator } : {}), ...(discriminator ? { discriminator } : {}) });
}

/**
 * Network widths of {@link emojiGan} by image size, where they differ from dcgan's (explicit widths
 * win). 32 px: a 1.5x wider generator than dcgan's [256, 128, 64] (2.1M parameters). 64 px: half of
 * dcgan's 64-px widths in both networks ([512, 256, 128, 64] / [64, 128, 256, 512]): a step costs
 * 584 against 1,450 CPU-ms with dcgan's (conditional, batch 64, SNGAN's discriminator with
 * DiffAugment, two shared cores, 2026-12-01), about an hour of training on two CPU cores instead
 * of an afternoon.
 */
export const EMOJI_WIDTHS: Record<number, { generator?: number[]; discriminator?: number[] }> = {
  32: { generator: [384, 192, 96] },
  64: { generator: [256, 128, 64, 32], discriminator: [32, 64, 128, 256] },
};

/**
 * Trainer settings for {@link emojiGan}: batch 64, Adam 2e-4 / β₁ 0.5 for both networks (Radford
 * et al. 2016, the DCGAN paper's), an EMA of the generator's weights (0.999), and DiffAugment's
 * shifts and cut-outs (Zhao et al. 2020). On ~6,000 images the discriminator overfits within a few
 * dozen epochs and the raw generator's samples swing from step to step; DiffAugment keeps the
 * critic from memorizing the real images, and the average is steadier and is what notebook 08
 * evaluates. DiffAugment's third transform, `color`, is left out: an emoji's colours are part of
 * its category, and with it the conditional model put 53.4% against 57.7% of its samples in the
 * requested category at 8,000 steps (Fréchet classifier distance at the data's mix 3.02x against
 * 2.24x the real images'; one probe each, same seed).
 */
export const emojiTrainer: TrainerOptions = { batchSize: 64, lrG: 2e-4, lrD: 2e-4, beta1: 0.5, ema: 0.999, seed: 1, diffAugment: 'translation,cutout' };
