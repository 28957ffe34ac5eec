/**
 * The native training step: the same update as the autodiff reference (`autodiffUpdate` in
 * `../train-step`), for any network the layer rules cover (`./layers`) and any objective
 * (`../objectives`), computed on the tape (`./tape`) with raw TensorFlow kernels and a fused Adam.
 *
 * Same mathematics as the reference, fewer kernels:
 * - **G's forward pass once per step** when there is one critic update and G has no per-call
 *   layer (dropout): the reference runs G(z) in the critic update and again in the generator
 *   update with the same z and the same (not yet updated) weights, so the output is identical.
 *   Batch-norm moving statistics are still updated as if G ran twice
 *   (`m ← m − (m − x)(1 − momentum²)` equals two successive updates with the same batch).
 * - **D on real and fake in one batch** when D has no batch-dependent layer (batch norm) and no
 *   per-call layer that cannot take concatenated calls (spectral norm; dropout can: each half gets
 *   the mask its own call would draw): the objective sees the two halves, exactly as two calls.
 * - **Only needed gradients**: no weight gradients of the network that is not being updated,
 *   and a gradient penalty's inner backward computes ∇x only.
 * - **Fused Adam**: TensorFlow's `ResourceApplyAdam` kernel per variable (`./adam`; a flat
 *   buffer of elementwise ops with the portable ops).
 *
 * @example
 * ```ts
 * const step = nativeStep({ generator, discriminator, objective: hinge(), nCritic: 1, adam });
 * const { dLoss, gLoss } = step.run(ctx);   // ctx: a StepContext (the trainer makes one)
 * ```
 */
import { tf, type Scalar, type Tensor, type Variable } from '../../backend';
import { nativeOps, nativeOpsAvailable, portableOps } from '../fast-ops';
import type { LossOps } from '../objectives/index';
import { criticInput, type StepInit, type TrainStep } from '../train-step';
import { createAdam } from './adam';
import { NetProgram, type BnStats } from './layers';
import { Tape, Unsupported, type Val } from './tape';
import './rules/spectral-norm';
import './rules/minibatch-stddev';
import './rules/resampling';

/** {@link LossOps} on the tape, so objectives written once run here too. */
export function tapeOps(t: Tape): LossOps<Val> {
  return {
    add: (a, b) => t.add(a, b), sub: (a, b) => t.sub(a, b), mul: (a, b) => t.mul(a, b),
    scale: (a, k) => t.scale(a, k), shift: (a, k) => t.add(a, t.scalar(k)), neg: (a) => t.neg(a),
    square: (a) => t.square(a), sqrt: (a) => t.sqrt(a), softplus: (a) => t.softplus(a), relu: (a) => t.relu(a),
    mean: (a) => t.mean(a),
    sumPerSample: (a) => (a.shape.length === 1 ? a : t.sum(a, a.shape.slice(1).map((_, i) => i + 1))),
    reshape: (a, shape) => t.reshape(a, shape),
    matMul: (a, b) => t.matMul(a, b),
    constant: (x) => t.leaf(x),
    gradInput: (f, x) => {
      const xl = t.leaf(x.t, true);
      const y = f(xl);
      return t.grad(t.sum(y, y.shape.map((_, i) => i)), [xl], { createGraph: true })[0];
    },
    shape: (a) => a.shape,
  };
}

/** Options of {@link nativeStep}. */
export interface NativeStepOptions {
  /**
   * Run the tape with ordinary tfjs ops (`portableOps`) instead of raw TensorFlow kernels, so it
   * works on any backend (WebGPU, pure JS). Default false: other backends are unsupported.
   */
  portable?: boolean;
}

/**
 * The native step for `init`'s networks and objective.
 *
 * @throws Unsupported (with the layer or objective that caused it) when the engine cannot run
 *   this setup; the trainer then falls back to the autodiff step and says why.
 */
export function nativeStep(init: StepInit, opts: NativeStepOptions = {}): TrainStep {
  if (!opts.portable && !nativeOpsAvailable()) throw new Unsupported(`backend "${tf.getBackend()}" is not native TensorFlow`);
  const G = new NetProgram(init.generator, 'generator'), D = new NetProgram(init.discriminator, 'discriminator');
  const obj = init.objective;
  const { none, native } = D.traits.secondOrder;
  if (obj.penalty && (none || (opts.portable && native))) {
    throw new Unsupported(`${obj.penalty.name} needs second-order gradients through the critic; ${none
      ? `${none} has none (use layer norm or no norm in the critic)`
      : `${native} has them on native TensorFlow only, not on portable ops (use average pooling or strided convolutions, or the tfjs-node backend)`}`);
  }
  const o = opts.portable ? portableOps() : nativeOps();
  const tape = new Tape(o);
  const ops = tapeOps(tape);
  const adamG = createAdam(o, G.vars, init.adam.generator), adamD = createAdam(o, D.vars, init.adam.discriminator);
  const reuseG = init.nCritic === 1 && !G.traits.perCall;
  const concatD = !D.traits.batchDependent && (!D.traits.perCall || D.traits.concatCalls);
  const decays = new Map<string, Tensor>();
  const decay = (momentum: number, times: number) => {
    const key = `${momentum}^${times}`;
    let t = decays.get(key);
    if (!t) { t = tf.keep(tf.scalar(1 - Math.pow(momentum, times))); decays.set(key, t); }
    return t;
  };
  /** `moving ← moving − (moving − batch)(1 − momentum^times)`: `times` successive tfjs updates. */
  const updateMoving = (st: BnStats, times: number) => {
    const biasedVar = st.n > 1 ? o.mul(st.varUnbiased, tape.scalar((st.n - 1) / st.n).t) : st.varUnbiased;
    for (const [mv, x] of [[st.movingMean, st.mean], [st.movingVar, biasedVar]] as const) {
      mv.assign(o.sub(mv, o.mul(o.sub(mv, x), decay(st.momentum, times))) as Variable);
    }
  };
  const paramVals = (net: NetProgram, params: Map<Variable, Val>) => net.vars.map((v) => {
    const p = params.get(v);
    if (!p) throw new Unsupported(`${net.what}: weight ${v.name} is not used by the layer rules`);
    return p;
  });

  return {
    name: opts.portable ? 'native (portable ops)' : 'native',
    run(ctx) {
      let dLoss!: Scalar, gLoss!: Scalar, penalty: Scalar | undefined;
      const A = criticInput(ctx, ops);
      // Everything the step draws (batches, noise) is made inside this tidy and freed with it.
      tf.tidy(() => {
        let kept: { fake: Val; params: Map<Variable, Val>; stats: BnStats[] } | null = null;
        let labels: Val | undefined, z!: Tensor;
        for (let k = 0; k < ctx.nCritic; k++) {
          ctx.seedDropout(k);
          const b = ctx.batch(k);
          z = ctx.noise(k);
          labels = b.labels ? tape.leaf(b.labels) : undefined;
          const real = tape.leaf(b.real);
          // G forward (recorded for the generator update when it is reused).
          const gParams = new Map<Variable, Val>(), statsG: BnStats[] = [];
          const fake = G.run(tape, labels ? [tape.leaf(z), labels] : [tape.leaf(z)], { params: gParams, trainable: reuseG, bnStats: statsG });
          if (reuseG) kept = { fake, params: gParams, stats: statsG };
          else statsG.forEach((st) => updateMoving(st, 1));
          const fakeD = tape.detach(fake);
          // Critic update: one set of weight values for every critic call (their gradients add up).
          const dParams = new Map<Variable, Val>(), statsD: BnStats[] = [];
          const pass = { params: dParams, trainable: true, bnStats: statsD };
          const critic = (x: Val) => D.run(tape, labels ? [x, labels] : [x], pass);
          const realIn = A(real, k, 0), fakeIn = A(fakeD, k, 1);
          let realLogits: Val, fakeLogits: Val;
          if (concatD) {
            const n = real.shape[0];
            const both = D.run(tape, labels ? [tape.concat([realIn, fakeIn], 0), tape.concat([labels, labels], 0)] : [tape.concat([realIn, fakeIn], 0)],
              { ...pass, segments: [n, fakeD.shape[0]] });
            [realLogits, fakeLogits] = tape.split(both, [n, both.shape[0] - n], 0);
          } else {
            realLogits = critic(realIn);
            fakeLogits = critic(fakeIn);
          }
          let loss = obj.discriminatorLoss(ops, realLogits, fakeLogits);
          if (obj.penalty) {
            const pv = obj.penalty.value(ops, (x) => critic(A(x, k, 2)), real, fakeD, ctx.penaltySeed(k));
            loss = tape.add(loss, tape.scale(pv, obj.penalty.weight));
            if (k === ctx.nCritic - 1) penalty = tf.keep(pv.t as Scalar);
          }
          adamD.apply(tape.grad(loss, paramVals(D, dParams)).map((g) => g.t));
          statsD.forEach((st) => updateMoving(st, 1));
          // As the reference's minimize: the critic's total loss (penalty included) of the last update.
          if (k === ctx.nCritic - 1) dLoss = tf.keep(loss.t as Scalar);
        }
        // Generator update: D (updated, no weight gradients) on G's output, back into G.
        ctx.seedDropout(ctx.nCritic);
        if (!kept) {
          const zg = ctx.nCritic > 1 ? ctx.noise(ctx.nCritic) : z;
          const params = new Map<Variable, Val>(), stats: BnStats[] = [];
          kept = { fake: G.run(tape, labels ? [tape.leaf(zg), labels] : [tape.leaf(zg)], { params, trainable: true, bnStats: stats }), params, stats };
        }
        const statsD2: BnStats[] = [];
        const fakeIn = A(kept.fake, ctx.nCritic, 1);
        const logits = D.run(tape, labels ? [fakeIn, labels] : [fakeIn], { params: new Map(), trainable: false, bnStats: statsD2 });
        const lg = obj.generatorLoss(ops, logits);
        adamG.apply(tape.grad(lg, paramVals(G, kept.params)).map((g) => g.t));
        statsD2.forEach((st) => updateMoving(st, 1));
        kept.stats.forEach((st) => updateMoving(st, reuseG ? 2 : 1));
        gLoss = tf.keep(lg.t as Scalar);
      });
      return penalty ? { dLoss, gLoss, penalty } : { dLoss, gLoss };
    },
    prepare() { adamG.sync?.(); adamD.sync?.(); },
    setLearningRates(lr) { adamG.learningRate = lr.generator; adamD.learningRate = lr.discriminator; },
    async optimizerState() { return { generator: adamG.state(), discriminator: adamD.state() }; },
    async loadOptimizerState(s) { adamG.load(s.generator); adamD.load(s.discriminator); },
    dispose() {
      adamG.dispose(); adamD.dispose(); tape.dispose();
      for (const t of decays.values()) t.dispose();
      decays.clear();
      o.dispose();
    },
  };
}
