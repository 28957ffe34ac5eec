/**
 * Minibatch standard deviation (Karras et al. 2018, "Progressive Growing of GANs for Improved
 * Quality, Stability, and Variation", §3): the discriminator gets one extra feature, the standard
 * deviation of each feature over the minibatch averaged over all features and positions, so a
 * batch of samples that barely differ (a generator ignoring its latent code) is easy to tell from a
 * real batch. Used by `discriminator: { minibatchStd: true }` (before D's last dense layer).
 *
 * Input `[n, h, w, c]` (or `[n, d]`), output `[n, h, w, c + 1]` (`[n, d + 1]`): the input with the
 * batch statistic `s = mean_features( sqrt( var_batch(x) + 1e-8 ) )` replicated as the last channel.
 * The statistic depends on the whole batch, so real and fake batches go through D separately.
 */
import { tf, type Tensor } from '../../backend';

type Shape = (number | null)[];

/** Added to the variance before the square root, as in the reference implementation (ProGAN's `networks.py`). */
export const MBSTD_EPS = 1e-8;

/**
 * The minibatch-stddev layer.
 *
 * @example
 * ```ts
 * const y = new MinibatchStdDev().apply(tf.randomNormal([8, 7, 7, 64])) as Tensor; // [8, 7, 7, 65]
 * ```
 */
export class MinibatchStdDev extends tf.layers.Layer {
  static className = 'MinibatchStdDev';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const last = s[s.length - 1];
    return [...s.slice(0, -1), last == null ? null : last + 1];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => {
      const d = tf.sub(x, tf.mean(x, 0, true));
      const std = tf.sqrt(tf.add(tf.mean(tf.square(d), 0, true), MBSTD_EPS));
      const s = tf.reshape(tf.mean(std), x.shape.map(() => 1));
      return tf.concat([x, tf.broadcastTo(s, [...x.shape.slice(0, -1), 1])], -1);
    });
  }
}

tf.serialization.registerClass(MinibatchStdDev);
