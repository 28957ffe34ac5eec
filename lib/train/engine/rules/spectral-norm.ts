/**
 * The native engine's rule for `SpectralNormalization` (`lib/models/layers/spectral-norm.ts`):
 * the same power iteration (shared code, not differentiated), σ = v·W·uᵀ and W/σ on the tape
 * (so the gradient flows through σ into W, as in Miyato et al. 2018 and PyTorch), then the
 * wrapped layer's own forward. Each call advances u, as the layer does in training mode.
 */
import { powerIteration, type SpectralNormalization } from '../../../models/layers/spectral-norm';
import { checkConv, convForward, denseForward, registerLayerRule, type AnyLayer } from '../layers';

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [Number(v), Number(v)]);

registerLayerRule('SpectralNormalization', {
  perCall: true,
  check: (l) => { const inner = (l as unknown as SpectralNormalization).inner; if (inner.getClassName() !== 'Dense') checkConv(inner); },
  apply: (l, [x], ctx) => {
    const sn = l as unknown as SpectralNormalization, t = ctx.tape;
    const inner = sn.inner as AnyLayer, c = inner.getConfig() as Record<string, unknown>;
    const it = powerIteration(sn.kernel.read(), sn.uVariable.read());
    sn.uVariable.write(it.u);
    const w = ctx.weight(sn.kernel);
    const units = w.shape[w.shape.length - 1];
    const sigma = t.sum(t.mul(t.matMul(t.leaf(it.v), t.reshape(w, [-1, units])), t.leaf(it.u)), [0, 1]);
    const wsn = t.div(w, sigma);
    const b = c.useBias === false ? null : ctx.weight((inner as unknown as { bias: unknown }).bias);
    if (inner.getClassName() === 'Dense') return denseForward(t, x, wsn, b, c.activation, l.name);
    return convForward(t, x, wsn, b, {
      strides: pair(c.strides ?? 1), padding: String(c.padding ?? 'valid'),
      transpose: inner.getClassName() === 'Conv2DTranspose', activation: c.activation,
    }, l.name);
  },
});
