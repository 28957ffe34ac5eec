/**
 * The native engine's rule for `MinibatchStdDev` (`lib/models/layers/minibatch-stddev.ts`): the
 * same statistic on the tape (twice differentiable, so it also works under a gradient penalty).
 * Batch-dependent: the step runs D on real and fake batches separately, as the reference does.
 */
import { MBSTD_EPS } from '../../../models/layers/minibatch-stddev';
import { registerLayerRule } from '../layers';

registerLayerRule('MinibatchStdDev', {
  batchDependent: true,
  apply: (_l, [x], { tape: t }) => {
    const n = x.shape[0];
    const d = t.sub(x, t.scale(t.sum(x, [0], true), 1 / n));
    const std = t.sqrt(t.add(t.scale(t.sum(t.square(d), [0], true), 1 / n), t.scalar(MBSTD_EPS)));
    const s = t.reshape(t.mean(std), x.shape.map(() => 1));
    return t.concat([x, t.broadcastTo(s, [...x.shape.slice(0, -1), 1])], x.shape.length - 1);
  },
});
