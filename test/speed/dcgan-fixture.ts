/** The reference DCGAN of `../shared/reference/tfjs_dcgan.js`, built twice with identical weights. */
import { tf, type LayersModel } from '../../lib/backend';

export function referenceDcgan(seed = 1): { g: LayersModel; d: LayersModel } {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed * 100 + s });
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

/** Copies all weights (trainable and moving statistics) of `from` into `to`. */
export function copyWeights(from: LayersModel, to: LayersModel): void {
  to.setWeights(from.getWeights());
}
