import { describe, expect, it } from 'vitest';
import { tf, type Tensor, type Variable } from '../../lib/backend';
import { FlatAdam, FusedAdam, createAdam, type AdamUpdater } from '../../lib/train/engine/adam';
import { nativeOps, portableOps } from '../../lib/train/fast-ops';

const params = { learningRate: 0.01, beta1: 0.5, beta2: 0.999, epsilon: 1e-7 };
const shapes = [[3, 4], [4], [2, 2, 3]];

function makeVars(seed: number): Variable[] {
  return shapes.map((s, i) => tf.variable(tf.randomNormal(s, 0, 1, 'float32', seed + i)));
}
const grads = (k: number, scale = 1): Tensor[] => shapes.map((s, i) => tf.randomNormal(s, 0, scale * (1 + k), 'float32', 100 * k + i));
const maxDiff = (a: Variable[], b: Variable[]) =>
  Math.max(...a.map((x, i) => tf.tidy(() => tf.max(tf.abs(tf.sub(x, b[i]))).dataSync()[0])));

/** Runs `steps` updates of ours and of tfjs' Adam from the same start, same gradients. */
function against(make: (vars: Variable[]) => AdamUpdater, steps: number,
  between?: (k: number, ours: Variable[], ref: Variable[]) => void, scale = 1) {
  const ours = makeVars(1), ref = makeVars(1);
  const adam = make(ours);
  const opt = tf.train.adam(params.learningRate, params.beta1, params.beta2, params.epsilon);
  for (let k = 0; k < steps; k++) {
    tf.tidy(() => {
      const g = grads(k, scale);
      adam.apply(g);
      opt.applyGradients(ref.map((v, i) => ({ name: v.name, tensor: g[i] })));
    });
    between?.(k, ours, ref);
  }
  return { ours, ref, adam, opt };
}

describe('the native engine\'s Adam', () => {
  const o = nativeOps();

  it('uses TensorFlow\'s fused kernel on the native backend and elementwise ops elsewhere', () => {
    const vars = makeVars(0);
    const fused = createAdam(o, vars, { ...params }), flat = createAdam(portableOps(), vars, { ...params });
    expect(fused).toBeInstanceOf(FusedAdam);
    expect(flat).toBeInstanceOf(FlatAdam);
    fused.dispose(); flat.dispose(); vars.forEach((v) => v.dispose());
  });

  it('FusedAdam follows tfjs Adam\'s formula (epsilon after the bias-corrected square root) step for step', () => {
    // Gradients ~1e-6 make epsilon (1e-7) matter: with the kernel's own epsilon placement the
    // first update would differ by ~70% of lr here.
    const tiny = against((v) => new FusedAdam(o.resources!, v, { ...params }), 4, undefined, 1e-6);
    // Round-off allows about one float32 ulp of the weights (4.8e-7 for a weight of 4-8), seen
    // on some runs; the wrong epsilon placement would be ~0.7 lr, far above 1e-3 lr.
    expect(maxDiff(tiny.ours, tiny.ref)).toBeLessThan(1e-3 * params.learningRate);
    tiny.adam.dispose(); tiny.opt.dispose(); [...tiny.ours, ...tiny.ref].forEach((v) => v.dispose());
    const r = against((v) => new FusedAdam(o.resources!, v, { ...params }), 6);
    expect(maxDiff(r.ours, r.ref)).toBeLessThan(2e-6);
    // Moments in tfjs' getWeights() layout.
    const mine = r.adam.state();
    expect(mine[0].dataSync()[0]).toBe(6);
    return r.opt.getWeights().then((theirs) => {
      expect(theirs.length).toBe(mine.length);
      theirs.slice(1).forEach((w, i) => {
        expect(w.tensor.shape).toEqual(mine[i + 1].shape);
        const [diff, size] = tf.tidy(() => [tf.max(tf.abs(tf.sub(w.tensor, mine[i + 1]))), tf.max(tf.abs(w.tensor))].map((t) => t.dataSync()[0]));
        // TensorFlow's kernel forms 1 − β₂ from float32 β₂ (0.99900001 → 0.00099998713), tfjs in
        // double (0.001): v differs by ~1.3e-5 relative, the float32 precision of β₂ itself.
        expect(diff).toBeLessThan(3e-5 * size);
      });
      mine.forEach((t) => t.dispose());
      r.adam.dispose(); r.opt.dispose(); [...r.ours, ...r.ref].forEach((v) => v.dispose());
    });
  });

  it('picks up weights changed from outside between updates (setWeights, a checkpoint restore)', () => {
    const r = against((v) => new FusedAdam(o.resources!, v, { ...params }), 5, (k, ours, ref) => {
      if (k !== 2) return;
      const fresh = tf.randomNormal(shapes[0], 0, 1, 'float32', 77);
      ours[0].assign(fresh); ref[0].assign(fresh); fresh.dispose();
    });
    expect(maxDiff(r.ours, r.ref)).toBeLessThan(2e-6);
    r.adam.dispose(); r.opt.dispose(); [...r.ours, ...r.ref].forEach((v) => v.dispose());
  });

  it('a value read before an update keeps its value (TensorFlow copies on write)', () => {
    const vars = makeVars(5);
    const adam = new FusedAdam(o.resources!, vars, { ...params });
    tf.tidy(() => adam.apply(grads(0)));
    const held = tf.clone(vars[1]);
    const before = Array.from(held.dataSync());
    tf.tidy(() => adam.apply(grads(1)));
    expect(Array.from(held.dataSync())).toEqual(before);
    expect(Array.from(vars[1].dataSync())).not.toEqual(before);
    held.dispose(); adam.dispose(); vars.forEach((v) => v.dispose());
  });

  it('loads a tfjs Adam state and continues as that optimizer would; rejects a wrong state by message', async () => {
    const ours = makeVars(2), ref = makeVars(2);
    const opt = tf.train.adam(params.learningRate, params.beta1, params.beta2, params.epsilon);
    const step = (k: number, vs: Variable[], f: (g: Tensor[]) => void) => tf.tidy(() => f(grads(k)));
    for (let k = 0; k < 3; k++) {
      step(k, ref, (g) => opt.applyGradients(ref.map((v, i) => ({ name: v.name, tensor: g[i] }))));
    }
    ours.forEach((v, i) => v.assign(ref[i]));
    const adam = new FusedAdam(o.resources!, ours, { ...params });
    const state = (await opt.getWeights()).map((w) => w.tensor);
    adam.load(state);
    expect(adam.iterations).toBe(3);
    for (let k = 3; k < 6; k++) {
      step(k, ours, (g) => adam.apply(g));
      step(k, ref, (g) => opt.applyGradients(ref.map((v, i) => ({ name: v.name, tensor: g[i] }))));
    }
    expect(maxDiff(ours, ref)).toBeLessThan(2e-6);
    expect(() => adam.load(state.slice(0, 4))).toThrow('Expected an Adam state of 7 tensors');
    adam.dispose(); opt.dispose(); [...ours, ...ref].forEach((v) => v.dispose());
  });

  it('frees its TensorFlow variables and tensors on dispose', () => {
    const vars = makeVars(3);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const adam = new FusedAdam(o.resources!, vars, { ...params });
      tf.tidy(() => adam.apply(grads(i)));
      adam.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    const h = o.resources!.variable(tf.ones([2]));
    o.resources!.destroy(h);
    expect(() => o.resources!.read(h).dataSync()).toThrow();
    h.dispose(); vars.forEach((v) => v.dispose());
  });
});
