/** {@link LossOps} on plain tfjs tensors (tfjs' autodiff: the reference step). */
import { tf, type Tensor } from '../../backend';
import type { LossOps } from './types';

/**
 * Comparison ops are piecewise constant, so their gradient is zero; tfjs registers none, which
 * breaks second-order gradients through LeakyReLU (its gradient uses `greater`). Registered once,
 * only where tfjs has no gradient of its own.
 */
function ensureZeroGradients(): void {
  for (const kernelName of ['Greater', 'GreaterEqual', 'Less', 'LessEqual']) {
    if (tf.getGradient(kernelName)) continue;
    tf.registerGradient({
      kernelName, inputsToSave: ['a', 'b'],
      gradFunc: (_dy: Tensor | Tensor[], saved: Tensor[]) => ({ a: () => tf.zerosLike(saved[0]), b: () => tf.zerosLike(saved[1]) }),
    });
  }
}

/**
 * @example
 * ```ts
 * nonSaturating().generatorLoss(tfjsOps, tf.zeros([4, 1])); // ln 2
 * ```
 */
export const tfjsOps: LossOps<Tensor> = {
  add: (a, b) => tf.add(a, b), sub: (a, b) => tf.sub(a, b), mul: (a, b) => tf.mul(a, b),
  scale: (a, k) => tf.mul(a, k), shift: (a, k) => tf.add(a, k), neg: (a) => tf.neg(a),
  square: (a) => tf.square(a), sqrt: (a) => tf.sqrt(a), softplus: (a) => tf.softplus(a), relu: (a) => tf.relu(a),
  mean: (a) => tf.mean(a),
  sumPerSample: (a) => (a.rank === 1 ? a : tf.sum(a, a.shape.slice(1).map((_, i) => i + 1))),
  reshape: (a, shape) => tf.reshape(a, shape),
  matMul: (a, b) => tf.matMul(a, b),
  constant: (t) => t,
  gradInput: (f, x) => {
    ensureZeroGradients();
    return tf.grad((v: Tensor) => tf.sum(f(v)))(x);
  },
  shape: (a) => a.shape as number[],
};
