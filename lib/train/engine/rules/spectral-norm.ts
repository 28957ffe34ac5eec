/**
 * The native engine's rule for `SpectralNormalization` (`lib/models/layers/spectral-norm.ts`):
 * the same power iteration (the same TensorFlow kernels, not differentiated), σ = v·W·uᵀ and W/σ on the tape
 * (so the gradient flows through σ into W, as in Miyato et al. 2018 and PyTorch), then the
 * wrapped layer's own forward. Each call advances u, as the layer does in training mode.
 */
import type { Tensor } from '../../../backend';
import { SN_EPS, type SpectralNormalization } from '../../../models/layers/spectral-norm';
import { checkConv, convConfig, convForward, denseForward, registerLayerRule, type AnyLayer } from '../layers';

registerLayerRule('SpectralNormalization', {
  perCall: true, fusesActivation: true,
  check: (l) => { const inner = (l as unknown as SpectralNormalization).inner; if (inner.getClassName() !== 'Dense') checkConv(inner); },
  apply: (l, [x], ctx) => {
    const sn = l as unknown as SpectralNormalization, t = ctx.tape;
    const inner = sn.inner as AnyLayer, c = inner.getConfig() as Record<string, unknown>;
    // The layer's power iteration (`powerIteration`) with raw kernels: the same ops, no tfjs overhead.
    const o = t.o, w = ctx.weight(sn.kernel), units = w.shape[w.shape.length - 1];
    const eps = t.scalar(SN_EPS).t;
    const l2n = (x: Tensor) => o.div(x, o.maximum(o.sqrt(o.sumAll(o.square(x))), eps));
    const m = o.reshape(w.t, [-1, units]);
    const v = l2n(o.matMul(sn.uVariable.read(), m, false, true));
    const u = l2n(o.matMul(v, m));
    sn.uVariable.write(u);
    const sigma = t.sum(t.mul(t.matMul(t.leaf(v), t.reshape(w, [-1, units])), t.leaf(u)), [0, 1]);
    const wsn = t.div(w, sigma);
    const b = c.useBias === false ? null : ctx.weight((inner as unknown as { bias: unknown }).bias);
    if (inner.getClassName() === 'Dense') return denseForward(t, x, wsn, b, c.activation, l.name, ctx.activation);
    return convForward(t, x, wsn, b, convConfig(inner), l.name, ctx.activation);
  },
});
