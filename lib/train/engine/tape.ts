/**
 * A small reverse-mode autodiff over raw TensorFlow kernels (`../fast-ops`): the core of the
 * native training engine. Every value is a {@link Val} (a tensor plus how it was made); every
 * op's vector-Jacobian product is written with the same ops, so a gradient can itself be
 * differentiated (`grad(..., { createGraph: true })`): that is what a gradient penalty needs
 * (WGAN-GP's `‖∇x D(x̂)‖`, R1), with no per-element JavaScript loop anywhere.
 *
 * Why not tfjs' own tape: each tfjs op goes through the kernel registry, its gradient
 * functions are written for generality (tfjs-core's `Tile` gradient is one slice and one add
 * per repetition: 200,000 kernel calls per WGAN-GP step with tfjs-layers' layer norm), and
 * batch norm costs ~30 ops. Here each op is one TensorFlow kernel, TensorFlow's own gradient
 * kernels are used where they exist (`Conv2DBackpropFilter`, `LeakyReluGrad`, `BiasAddGrad`,
 * `FusedBatchNormGradV3`, ...), and only values that need a gradient are recorded.
 *
 * Everything runs inside the caller's `tf.tidy`; a `Val` only holds tensor references.
 *
 * @example
 * ```ts
 * const t = new Tape(nativeOps());
 * const w = t.leaf(tf.variable(tf.ones([3, 1])), true), x = t.leaf(tf.ones([2, 3]));
 * const y = t.mean(t.square(t.matMul(x, w)));              // 9
 * const [dw] = t.grad(y, [w]);                             // [[6], [6], [6]]
 * ```
 */
import { tf, type Tensor } from '../../backend';
import type { FusedActivation, NativeOps } from '../fast-ops';

/** Raised when a network or objective needs something the engine does not implement. */
export class Unsupported extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Unsupported';
  }
}

/** Vector-Jacobian product: the gradient of each input given the output's (`null`: none needed). */
type Vjp = (g: Val, needs: boolean[]) => (Val | null)[];

/** A tensor in a computation: its value, and (when it needs a gradient) how it was computed. */
export class Val {
  constructor(
    readonly t: Tensor,
    readonly inputs: Val[] | null,
    readonly vjp: Vjp | null,
    readonly requiresGrad: boolean,
    readonly op = 'leaf',
  ) {}
  get shape(): number[] { return this.t.shape as number[]; }
  get size(): number { return this.t.size; }
}

const axesOf = (rank: number, axes: number[]) => axes.map((a) => (a < 0 ? a + rank : a));
const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** The tape: ops on {@link Val}s, each one TensorFlow kernel, and {@link Tape.grad}. */
export class Tape {
  /** Whether ops record how they were made (off while computing first-order gradients). */
  private recording = true;
  private readonly scalars = new Map<number, Tensor>();

  constructor(readonly o: NativeOps) {}

  /** A value that is an input (`requiresGrad`: a weight or an input to differentiate by). */
  leaf(t: Tensor, requiresGrad = false): Val {
    return new Val(t, null, null, requiresGrad);
  }

  /** A kept scalar constant (created once per tape). */
  scalar(x: number): Val {
    let t = this.scalars.get(x);
    if (!t) { t = tf.keep(tf.scalar(x)); this.scalars.set(x, t); }
    return this.leaf(t);
  }

  /** Frees the kept constants. */
  dispose(): void {
    for (const t of this.scalars.values()) t.dispose();
    this.scalars.clear();
  }

  /** Records `t` as the output of `op` on `inputs` when any input needs a gradient. */
  private rec(t: Tensor, inputs: Val[], vjp: Vjp, op: string): Val {
    const rg = this.recording && inputs.some((i) => i.requiresGrad);
    return new Val(t, rg ? inputs : null, rg ? vjp : null, rg, op);
  }

  /** `x` as a constant: same value, no gradient flows through it. */
  detach(x: Val): Val { return x.requiresGrad ? this.leaf(x.t) : x; }

  // ------------------------------------------------------------------------- elementwise

  /** Sum of gradient `g` over the axes broadcasting added, back to `shape`. */
  unbroadcast(g: Val, shape: readonly number[]): Val {
    if (same(g.shape, shape)) return g;
    const r = g.shape.length, lead = r - shape.length, axes: number[] = [];
    for (let i = 0; i < r; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
    const s = axes.length ? this.sum(g, axes, false) : g;
    return same(s.shape, shape) ? s : this.reshape(s, [...shape]);
  }

  add(a: Val, b: Val): Val {
    return this.rec(this.o.add(a.t, b.t), [a, b], (g, n) => [n[0] ? this.unbroadcast(g, a.shape) : null, n[1] ? this.unbroadcast(g, b.shape) : null], 'add');
  }

  sub(a: Val, b: Val): Val {
    return this.rec(this.o.sub(a.t, b.t), [a, b], (g, n) => [n[0] ? this.unbroadcast(g, a.shape) : null, n[1] ? this.unbroadcast(this.neg(g), b.shape) : null], 'sub');
  }

  mul(a: Val, b: Val): Val {
    return this.rec(this.o.mul(a.t, b.t), [a, b], (g, n) => [
      n[0] ? this.unbroadcast(this.mul(g, b), a.shape) : null, n[1] ? this.unbroadcast(this.mul(g, a), b.shape) : null], 'mul');
  }

  div(a: Val, b: Val): Val {
    const y: Val = this.rec(this.o.div(a.t, b.t), [a, b], (g, n) => [
      n[0] ? this.unbroadcast(this.div(g, b), a.shape) : null,
      n[1] ? this.unbroadcast(this.neg(this.div(this.mul(g, y), b)), b.shape) : null], 'div');
    return y;
  }

  /** `a * k` for a number `k`. */
  scale(a: Val, k: number): Val { return k === 1 ? a : this.mul(a, this.scalar(k)); }

  neg(a: Val): Val { return this.rec(this.o.neg(a.t), [a], (g) => [this.neg(g)], 'neg'); }

  square(a: Val): Val { return this.rec(this.o.square(a.t), [a], (g) => [this.mul(g, this.scale(a, 2))], 'square'); }

  sqrt(a: Val): Val {
    const y: Val = this.rec(this.o.sqrt(a.t), [a], (g) => [this.mul(g, this.scale(this.reciprocal(y), 0.5))], 'sqrt');
    return y;
  }

  /** `1 / a`, as `rsqrt(a)²` would lose precision: `Reciprocal` kernel via div. */
  reciprocal(a: Val): Val {
    const y: Val = this.rec(this.o.div(this.scalar(1).t, a.t), [a], (g) => [this.neg(this.mul(g, this.square(y)))], 'reciprocal');
    return y;
  }

  rsqrt(a: Val): Val {
    // d/dx x^(-1/2) = -1/2 y³
    const y: Val = this.rec(this.o.rsqrt(a.t), [a], (g) => [this.mul(g, this.scale(this.mul(y, this.square(y)), -0.5))], 'rsqrt');
    return y;
  }

  softplus(a: Val): Val { return this.rec(this.o.softplus(a.t), [a], (g) => [this.mul(g, this.sigmoid(a))], 'softplus'); }

  sigmoid(a: Val): Val {
    const y: Val = this.rec(this.o.sigmoid(a.t), [a], (g) => [this.sigmoidGrad(y, g)], 'sigmoid');
    return y;
  }

  /** `dy · y(1 − y)`. */
  sigmoidGrad(y: Val, dy: Val): Val {
    return this.rec(this.o.sigmoidGrad(y.t, dy.t), [y, dy], (g, n) => [
      n[0] ? this.mul(this.mul(g, dy), this.sub(this.scalar(1), this.scale(y, 2))) : null,
      n[1] ? this.sigmoidGrad(y, g) : null], 'sigmoidGrad');
  }

  tanh(a: Val): Val {
    const y: Val = this.rec(this.o.tanh(a.t), [a], (g) => [this.tanhGrad(y, g)], 'tanh');
    return y;
  }

  /** `dy · (1 − y²)`. */
  tanhGrad(y: Val, dy: Val): Val {
    return this.rec(this.o.tanhGrad(y.t, dy.t), [y, dy], (g, n) => [
      n[0] ? this.scale(this.mul(this.mul(g, dy), y), -2) : null, n[1] ? this.tanhGrad(y, g) : null], 'tanhGrad');
  }

  relu(a: Val): Val {
    const y: Val = this.rec(this.o.relu(a.t), [a], (g) => [this.reluGrad(g, y)], 'relu');
    return y;
  }

  /** `dy` where `features > 0`, else 0 (piecewise constant in `features`). */
  reluGrad(dy: Val, features: Val): Val {
    return this.rec(this.o.reluGrad(dy.t, features.t), [dy, features], (g) => [this.reluGrad(g, features), null], 'reluGrad');
  }

  leakyRelu(a: Val, alpha: number): Val {
    return this.rec(this.o.leakyRelu(a.t, alpha), [a], (g) => [this.leakyReluGrad(g, a, alpha)], 'leakyRelu');
  }

  /** `dy · (features > 0 ? 1 : alpha)` (piecewise constant in `features`). */
  leakyReluGrad(dy: Val, features: Val, alpha: number): Val {
    return this.rec(this.o.leakyReluGrad(dy.t, features.t, alpha), [dy, features], (g) => [this.leakyReluGrad(g, features, alpha), null], 'leakyReluGrad');
  }

  elu(a: Val): Val {
    const y: Val = this.rec(this.o.elu(a.t), [a], (g) => [this.eluGrad(g, y)], 'elu');
    return y;
  }

  /**
   * `dy · (y > 0 ? 1 : y + 1)` given ELU's output `y` (eˣ = y + 1 where x ≤ 0). Linear in `dy`;
   * its derivative in `y` is `dy` where `y < 0`, else 0: so a gradient penalty can go through ELU.
   */
  eluGrad(dy: Val, y: Val): Val {
    return this.rec(this.o.eluGrad(dy.t, y.t), [dy, y], (h, n) => [
      n[0] ? this.eluGrad(h, y) : null,
      n[1] ? this.reluGrad(this.mul(h, dy), this.neg(y)) : null,
    ], 'eluGrad');
  }

  // ------------------------------------------------------------------------- shapes, reductions

  reshape(a: Val, shape: number[]): Val {
    if (same(a.shape, shape)) return a;
    return this.rec(this.o.reshape(a.t, shape), [a], (g) => [this.reshape(g, a.shape)], 'reshape');
  }

  sum(a: Val, axes: number[], keepDims = false): Val {
    const ax = axesOf(a.shape.length, axes);
    return this.rec(this.o.sum(a.t, ax, keepDims), [a], (g) => {
      const kept = a.shape.map((d, i) => (ax.includes(i) ? 1 : d));
      return [this.broadcastTo(this.reshape(g, kept), a.shape)];
    }, 'sum');
  }

  /** Mean over all elements (a scalar). */
  mean(a: Val): Val { return this.scale(this.sum(a, a.shape.map((_, i) => i)), 1 / a.size); }

  broadcastTo(a: Val, shape: number[]): Val {
    if (same(a.shape, shape)) return a;
    return this.rec(this.o.broadcastTo(a.t, shape), [a], (g) => [this.unbroadcast(g, a.shape)], 'broadcastTo');
  }

  concat(xs: Val[], axis: number): Val {
    const ax = axesOf(xs[0].shape.length, [axis])[0];
    return this.rec(this.o.concat(xs.map((x) => x.t), ax), xs, (g, n) => {
      const parts = this.split(g, xs.map((x) => x.shape[ax]), ax);
      return parts.map((p, i) => (n[i] ? p : null));
    }, 'concat');
  }

  split(a: Val, sizes: number[], axis: number): Val[] {
    const ax = axesOf(a.shape.length, [axis])[0];
    const outs = this.o.split(a.t, sizes, ax);
    if (!(this.recording && a.requiresGrad)) return outs.map((t) => this.leaf(t));
    // Each piece's gradient is the piece's gradient padded with zeros: concat with zero blocks.
    return outs.map((t, i) => this.rec(t, [a], (g) => [this.concat(sizes.map((s, j) => {
      if (j === i) return g;
      const shape = [...a.shape]; shape[ax] = s;
      return this.leaf(tf.zeros(shape));
    }), ax)], 'split'));
  }

  // ------------------------------------------------------------------------- layer norm

  /**
   * x̂ = (x − μ)·(σ² + ε)^(−½) over the last axis (Ba et al. 2016, "Layer Normalization"; the
   * statistics of tfjs' `LayerNormalization`). One op with hand-written first- and second-order
   * gradients ({@link layerNormGrad}): a gradient penalty differentiates layer norm twice, and
   * the generic composition costs about twice the kernels. Elementwise kernels over rows
   * (`Mean`, `Sub`, `Square`, `Rsqrt`, `Mul`), as Keras' layer norm: one `FusedBatchNormV3` over
   * an NCHW `[1, rows, c, 1]` view measured 2-3x slower here, and single-threaded (docs/speed.md).
   */
  layerNorm(x: Val, eps: number): Val {
    const o = this.o, last = x.shape.length - 1;
    const d = o.sub(x.t, o.mean(x.t, [last], true));
    const r = o.rsqrt(o.add(o.mean(o.square(d), [last], true), this.scalar(eps).t));
    const xhat = o.mul(d, r);
    return this.rec(xhat, [x], (g) => [this.layerNormGrad(g, x, xhat, r)], 'layerNorm');
  }

  /**
   * The input gradient of {@link layerNorm}: r·(g − mean(g) − x̂·mean(g·x̂)) per row, as an op
   * of (g, x) so that it can be differentiated again: linear and self-adjoint in g; its
   * derivative in x (through x̂ and r) derived by hand (in the source below).
   */
  private layerNormGrad(g: Val, x: Val, xhat: Tensor, r: Tensor): Val {
    const o = this.o, last = x.shape.length - 1, c = x.shape[last];
    const dx = o.mul(o.sub(o.sub(g.t, o.mean(g.t, [last], true)), o.mul(xhat, o.mean(o.mul(g.t, xhat), [last], true))), r);
    return this.rec(dx, [g, x], (h, n) => {
      if (this.recording) throw new Unsupported('third-order gradient through layer norm');
      const out: (Val | null)[] = [null, null];
      if (n[0]) out[0] = this.layerNormGrad(h, x, xhat, r);
      if (n[1]) {
        // L = ⟨h, dx⟩ with dx = r·g − r·m1 − r·x̂·m2 (m1 = mean(g), m2 = mean(g·x̂)). Explicit
        // partials: ∂L/∂r = ⟨h, dx⟩/r = A, ∂L/∂x̂ = q = −r·(g·⟨h, x̂⟩/c + m2·h). Through x̂ = d·r,
        // r = (mean(d²) + ε)^(−½), d = x − μ: with ⟨q, x̂⟩ = −2·r·⟨h, x̂⟩·m2 and
        // T = A + ⟨q, x̂⟩/r, P = q·r − (r²/c)·x̂·T, ∂L/∂x = P − mean(P).
        const m2 = o.mean(o.mul(g.t, xhat), [last], true);
        const hx = o.sum(o.mul(h.t, xhat), [last], true);
        const A = o.div(o.sum(o.mul(h.t, dx), [last], true), r);
        const q = o.neg(o.mul(o.add(o.mul(g.t, o.mul(hx, this.scalar(1 / c).t)), o.mul(h.t, m2)), r));
        const T = o.sub(A, o.mul(o.mul(hx, m2), this.scalar(2).t));
        const P = o.sub(o.mul(q, r), o.mul(xhat, o.mul(o.mul(o.square(r), T), this.scalar(1 / c).t)));
        out[1] = this.leaf(o.sub(P, o.mean(P, [last], true)));
      }
      return out;
    }, 'layerNormGrad');
  }

  // ------------------------------------------------------------------------- linear algebra

  matMul(a: Val, b: Val, ta = false, tb = false): Val {
    return this.rec(this.o.matMul(a.t, b.t, ta, tb), [a, b], (g, n) => [
      n[0] ? (ta ? this.matMul(b, g, tb, true) : this.matMul(g, b, false, !tb)) : null,
      n[1] ? (tb ? this.matMul(g, a, true, ta) : this.matMul(a, g, !ta, false)) : null,
    ], 'matMul');
  }

  biasAdd(x: Val, b: Val): Val {
    return this.rec(this.o.biasAdd(x.t, b.t), [x, b], (g, n) => [n[0] ? g : null, n[1] ? this.biasAddGrad(g) : null], 'biasAdd');
  }

  /** Sum over every axis but the last. */
  biasAddGrad(dy: Val): Val {
    return this.rec(this.o.biasAddGrad(dy.t), [dy], (g) => [this.broadcastTo(g, dy.shape)], 'biasAddGrad');
  }

  /** The gradient of `act` given its output `y` (for (leaky) ReLU with α ≥ 0, `y > 0` exactly where the input is). */
  private activationGrad(g: Val, y: Val, act: FusedActivation): Val {
    return act.kind === 'leakyRelu' ? this.leakyReluGrad(g, y, act.alpha) : this.reluGrad(g, y);
  }

  /** `act(x)` as its own kernel: leaky ReLU or ReLU. */
  activation(x: Val, act: FusedActivation): Val {
    return act.kind === 'leakyRelu' ? this.leakyRelu(x, act.alpha) : this.relu(x);
  }

  /**
   * `act(conv2d(x, w) + b)` (NHWC; `act` null: none): one fused kernel where the ops have it
   * (`NativeOps.fusedConv2d`), else two or three. Its weight and bias gradients come from one
   * kernel too (`NativeOps.conv2dBackpropFilterWithBias`) when they need no gradient of their own.
   */
  convBiasAct(x: Val, w: Val, b: Val, strides: [number, number], padding: string, act: FusedActivation | null): Val {
    const f = this.o.fusedConv2d;
    if (!f) {
      const z = this.biasAdd(this.conv2d(x, w, strides, padding), b);
      return act ? this.activation(z, act) : z;
    }
    const y: Val = this.rec(f(x.t, w.t, b.t, strides, padding, act), [x, w, b], (g, n) => {
      const dz = act ? this.activationGrad(g, y, act) : g;
      const withBias = this.o.conv2dBackpropFilterWithBias;
      let dw: Val | null = null, db: Val | null = null;
      if (n[1] && n[2] && withBias && !(this.recording && (x.requiresGrad || dz.requiresGrad))) {
        const [tw, tb] = withBias(x.t, w.shape, dz.t, strides, padding);
        dw = this.leaf(tw); db = this.leaf(tb);
      } else {
        dw = n[1] ? this.conv2dBackpropFilter(x, w.shape, dz, strides, padding) : null;
        db = n[2] ? this.biasAddGrad(dz) : null;
      }
      return [n[0] ? this.conv2dBackpropInput(x.shape, w, dz, strides, padding) : null, dw, db];
    }, 'convBiasAct');
    return y;
  }

  /** NHWC convolution. */
  conv2d(x: Val, w: Val, strides: [number, number], padding: string): Val {
    return this.rec(this.o.conv2d(x.t, w.t, strides, padding), [x, w], (g, n) => [
      n[0] ? this.conv2dBackpropInput(x.shape, w, g, strides, padding) : null,
      n[1] ? this.conv2dBackpropFilter(x, w.shape, g, strides, padding) : null], 'conv2d');
  }

  /** Gradient of a conv w.r.t. its input (a transposed conv): linear in `w` and `dy`. */
  conv2dBackpropInput(inputShape: number[], w: Val, dy: Val, strides: [number, number], padding: string): Val {
    return this.rec(this.o.conv2dBackpropInput(inputShape, w.t, dy.t, strides, padding), [w, dy], (g, n) => [
      n[0] ? this.conv2dBackpropFilter(g, w.shape, dy, strides, padding) : null,
      n[1] ? this.conv2d(g, w, strides, padding) : null], 'conv2dBackpropInput');
  }

  /** NHWC average pooling (`k` window, `s` strides): linear; its adjoint is {@link avgPoolGrad}. */
  avgPool(x: Val, k: [number, number], s: [number, number], padding: string): Val {
    return this.rec(this.o.avgPool(x.t, k, s, padding), [x], (g) => [this.avgPoolGrad(x.shape, g, k, s, padding)], 'avgPool');
  }

  /** The input gradient of {@link avgPool} (each window's gradient spread over it): linear; its adjoint is `avgPool`. */
  avgPoolGrad(inputShape: number[], dy: Val, k: [number, number], s: [number, number], padding: string): Val {
    return this.rec(this.o.avgPoolGrad(inputShape, dy.t, k, s, padding), [dy], (g) => [this.avgPool(g, k, s, padding)], 'avgPoolGrad');
  }

  /**
   * NHWC max pooling. Its gradient routes `g` to each window's maximum ({@link maxPoolGrad}):
   * piecewise constant in `x`, linear in `g`, so a gradient penalty can go through it.
   */
  maxPool(x: Val, k: [number, number], s: [number, number], padding: string): Val {
    const y: Val = this.rec(this.o.maxPool(x.t, k, s, padding), [x], (g) => [this.maxPoolGrad(x, y, g, k, s, padding)], 'maxPool');
    return y;
  }

  /** The input gradient of {@link maxPool} at `dy`; its adjoint in `dy` reads `h` at the maxima. */
  private maxPoolGrad(x: Val, y: Val, dy: Val, k: [number, number], s: [number, number], padding: string): Val {
    return this.rec(this.o.maxPoolGrad(x.t, y.t, dy.t, k, s, padding), [dy], (h) => [
      this.rec(this.o.maxPoolGradGrad(x.t, y.t, h.t, k, s, padding), [h], (g) => [this.maxPoolGrad(x, y, g, k, s, padding)], 'maxPoolGradGrad'),
    ], 'maxPoolGrad');
  }

  /**
   * Nearest-neighbour upsampling by integer factors (each pixel repeated a x b times): broadcast
   * and reshape forward; its adjoint (the gradient) sums each a x b block — `a·b·avgPool` — and
   * that one's is this again.
   */
  upsampleNearest(x: Val, a: number, b: number): Val {
    const [n, h, w, c] = x.shape, o = this.o;
    const y = o.reshape(o.broadcastTo(o.reshape(x.t, [n, h, 1, w, 1, c]), [n, h, a, w, b, c]), [n, h * a, w * b, c]);
    return this.rec(y, [x], (g) => [this.scale(this.avgPool(g, [a, b], [a, b], 'valid'), a * b)], 'upsampleNearest');
  }

  /** Gradient of a conv w.r.t. its filter: linear in `x` and `dy`. */
  conv2dBackpropFilter(x: Val, filterShape: number[], dy: Val, strides: [number, number], padding: string): Val {
    return this.rec(this.o.conv2dBackpropFilter(x.t, filterShape, dy.t, strides, padding), [x, dy], (g, n) => [
      n[0] ? this.conv2dBackpropInput(x.shape, g, dy, strides, padding) : null,
      n[1] ? this.conv2d(x, g, strides, padding) : null], 'conv2dBackpropFilter');
  }

  /**
   * Training-mode batch norm over all axes but the last, in one kernel (`FusedBatchNormV3`).
   * Returns the output and the batch statistics (mean, unbiased variance, element count per
   * channel) for the moving averages. First-order only.
   */
  fusedBatchNorm(x: Val, gamma: Val, beta: Val, eps: number): { y: Val; mean: Tensor; varUnbiased: Tensor; n: number } {
    const c = x.shape[x.shape.length - 1];
    const x4 = x.shape.length === 4 ? x : this.reshape(x, [-1, 1, 1, c]);
    const [y4, mean, varU, r1, r2, r3] = this.o.fusedBatchNorm(x4.t, gamma.t, beta.t, eps);
    const out = this.rec(y4, [x4, gamma, beta], (g) => {
      if (this.recording) throw new Unsupported('second-order gradient through batch norm (a critic with a gradient penalty needs layer norm or no norm)');
      const [dx, dScale, dOffset] = this.o.fusedBatchNormGrad(g.t, x4.t, gamma.t, r1, r2, r3, eps);
      return [this.leaf(dx), this.leaf(dScale), this.leaf(dOffset)];
    }, 'fusedBatchNorm');
    return { y: x.shape.length === 4 ? out : this.reshape(out, x.shape), mean, varUnbiased: varU, n: x4.size / c };
  }

  // ------------------------------------------------------------------------- gradients

  /**
   * Gradients of scalar `y` w.r.t. `wrt` (zeros where `y` does not depend on one). With
   * `createGraph` the gradients are themselves recorded, so they can be differentiated again.
   *
   * @throws Unsupported when an op on the path has no second-order rule (batch norm, ELU).
   */
  grad(y: Val, wrt: Val[], opts: { createGraph?: boolean; dy?: Val } = {}): Val[] {
    if (!y.requiresGrad) return wrt.map((w) => this.leaf(tf.zerosLike(w.t)));
    // Topological order of the recorded nodes that lead to y.
    const order: Val[] = [];
    const seen = new Set<Val>();
    const stack: [Val, boolean][] = [[y, false]];
    while (stack.length) {
      const [v, done] = stack.pop()!;
      if (done) { order.push(v); continue; }
      if (seen.has(v)) continue;
      seen.add(v);
      stack.push([v, true]);
      if (v.inputs) for (const i of v.inputs) if (i.requiresGrad && !seen.has(i)) stack.push([i, false]);
    }
    // Only gradients on a path to a `wrt` value are computed (a gradient penalty's inner
    // backward needs ∇x, not the weight gradients beside it).
    const targets = new Set(wrt), useful = new Set<Val>();
    for (const v of order) if (targets.has(v) || v.inputs?.some((i) => useful.has(i))) useful.add(v);
    const grads = new Map<Val, Val>();
    grads.set(y, opts.dy ?? this.leaf(tf.onesLike(y.t)));
    const was = this.recording;
    this.recording = !!opts.createGraph;
    try {
      for (let k = order.length - 1; k >= 0; k--) {
        const v = order[k];
        const g = grads.get(v);
        if (!g || !v.vjp || !v.inputs || !useful.has(v)) continue;
        const ins = v.inputs;
        const needs = ins.map((i) => useful.has(i));
        const gs = v.vjp(g, needs);
        ins.forEach((inp, j) => {
          const gi = gs[j];
          if (!gi || !needs[j]) return;
          const prev = grads.get(inp);
          grads.set(inp, prev ? this.add(prev, gi) : gi);
        });
      }
    } finally {
      this.recording = was;
    }
    return wrt.map((w) => grads.get(w) ?? this.leaf(tf.zerosLike(w.t)));
  }
}
