/**
 * The networks of the shared reference DCGAN step (`../shared/reference/tfjs_dcgan.js`, and the
 * Keras / PyTorch scripts beside it): the fixture of the speed bench, `npm run gpu-check` and the
 * fast step's tests.
 */
import { tf, type LayersModel } from '../backend';

/**
 * Builds the reference DCGAN's G (`[n, 100] → [n, 28, 28, 1]`, tanh) and D (`→` logits `[n, 1]`).
 * With `seed`, every kernel initializer is seeded, so two calls give identical weights.
 *
 * @example
 * ```ts
 * const { g, d } = referenceDcgan({ seed: 1 });
 * g.countParams(); // 790977 (d: 138561)
 * ```
 */
export function referenceDcgan(opts: { seed?: number } = {}): { g: LayersModel; d: LayersModel } {
  const init = (s: number) => (opts.seed == null ? 'glorotUniform' : tf.initializers.glorotUniform({ seed: opts.seed * 100 + s }));
  const g = tf.sequential({ layers: [
    tf.layers.dense({ inputShape: [100], units: 7 * 7 * 128, kernelInitializer: init(1) }), tf.layers.batchNormalization(), tf.layers.leakyReLU({ alpha: 0.3 }),
    tf.layers.reshape({ targetShape: [7, 7, 128] }),
    tf.layers.conv2dTranspose({ filters: 64, kernelSize: 4, strides: 2, padding: 'same', kernelInitializer: init(2) }), tf.layers.batchNormalization(), tf.layers.leakyReLU({ alpha: 0.3 }),
    tf.layers.conv2dTranspose({ filters: 1, kernelSize: 4, strides: 2, padding: 'same', activation: 'tanh', kernelInitializer: init(3) })] });
  const d = tf.sequential({ layers: [
    tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 64, kernelSize: 4, strides: 2, padding: 'same', kernelInitializer: init(4) }), tf.layers.leakyReLU({ alpha: 0.2 }),
    tf.layers.conv2d({ filters: 128, kernelSize: 4, strides: 2, padding: 'same', kernelInitializer: init(5) }), tf.layers.leakyReLU({ alpha: 0.2 }),
    tf.layers.flatten(), tf.layers.dense({ units: 1, kernelInitializer: init(6) })] });
  return { g, d };
}
