/**
 * SNGAN (Miyato et al. 2018, "Spectral Normalization for Generative Adversarial Networks"): the
 * DCGAN networks with spectral normalisation on every discriminator weight layer, trained with
 * the hinge objective (its defaults: Adam 2e-4, β₁ 0.5, β₂ 0.999, one critic update — the
 * paper's setting C for the standard CNN).
 */
import { dcgan, type GanConfig, type GanOverrides } from './config';

/**
 * @example
 * ```ts
 * const gan = buildGan(sngan());                    // hinge + spectral norm in D
 * await new GanTrainer(gan, mnist).fit({ epochs: 1 });
 * ```
 */
export function sngan(o: GanOverrides = {}): GanConfig {
  return dcgan({ loss: 'hinge', ...o, discriminator: { weightNorm: 'spectral', ...(o.discriminator ?? {}) } });
}
