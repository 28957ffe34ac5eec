import { describe, expect, it } from 'vitest';
import { tf, type Tensor, type Tensor4D } from '../../lib/backend';
import { buildGan } from '../../lib/models/build';
import { fcGan, wganGp } from '../../lib/models/config';
import { GanTrainer } from '../../lib/train/trainer';
import { CompiledStep, compiledStepsAvailable, MAX_RETRACES, MAX_TRACE_OPS } from '../../lib/train/engine/compiled';
import { functionDef, readOpList } from '../../lib/train/engine/function-def';

interface Binding {
  ganbookOpList(): Uint8Array; ganbookAddFunctionDef(b: Uint8Array): void;
  TF_ATTR_STRING: number; TF_ATTR_INT: number; TF_ATTR_FLOAT: number; TF_ATTR_BOOL: number; TF_ATTR_TYPE: number; TF_ATTR_SHAPE: number; TF_FLOAT: number; TF_INT32: number;
}
const backend = () => tf.backend() as unknown as { binding: Binding; executeMultipleOutputs(n: string, a: unknown[], i: Tensor[], k: number): Tensor[] };
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };

describe('compiled steps: the binding patch and FunctionDef', () => {
  it('the binding registers functions and lists op definitions (npm run setup\'s patch)', () => {
    expect(compiledStepsAvailable()).toBe(true);
    const ops = readOpList(backend().binding.ganbookOpList());
    expect(ops.size).toBeGreaterThan(1000);
    expect(ops.get('Conv2D')).toEqual({
      inputs: [{ name: 'input', typeAttr: 'T', numberAttr: '', typeListAttr: '' }, { name: 'filter', typeAttr: 'T', numberAttr: '', typeListAttr: '' }],
      outputs: [{ name: 'output', typeAttr: 'T', numberAttr: '', typeListAttr: '' }], stateful: false });
    expect(ops.get('FusedBatchNormV3')!.outputs.map((o) => o.name)).toEqual(['y', 'batch_mean', 'batch_variance', 'reserve_space_1', 'reserve_space_2', 'reserve_space_3']);
    expect(ops.get('SplitV')!.outputs).toEqual([{ name: 'output', typeAttr: 'T', numberAttr: 'num_split', typeListAttr: '' }]);
    expect(ops.get('Reshape')!.inputs.map((a) => a.typeAttr)).toEqual(['T', 'Tshape']);
    expect(ops.get('ConcatV2')!.inputs).toEqual([{ name: 'values', typeAttr: 'T', numberAttr: 'N', typeListAttr: '' }, { name: 'axis', typeAttr: 'Tidx', numberAttr: '', typeListAttr: '' }]);
    expect(ops.get('ResourceApplyAdam')!.stateful).toBe(true);
    expect(ops.get('MatMul')!.stateful).toBe(false);
  });

  it('a FunctionDef of traced ops (every attribute kind, a list output) computes what the ops compute eagerly', () => {
    const B = backend().binding;
    const T = { name: 'T', type: B.TF_ATTR_TYPE, value: B.TF_FLOAT };
    const nodes = [
      { op: 'MatMul', attrs: [T, { name: 'transpose_a', type: B.TF_ATTR_BOOL, value: false }, { name: 'transpose_b', type: B.TF_ATTR_BOOL, value: true }], inputs: [{ arg: 0 }, { arg: 1 }] },
      { op: 'LeakyRelu', attrs: [T, { name: 'alpha', type: B.TF_ATTR_FLOAT, value: 0.25 }], inputs: [{ op: 0, out: 0 }] },
      { op: 'SplitV', attrs: [T, { name: 'Tlen', type: B.TF_ATTR_TYPE, value: B.TF_INT32 }, { name: 'num_split', type: B.TF_ATTR_INT, value: 2 }], inputs: [{ op: 1, out: 0 }, { arg: 2 }, { arg: 3 }] },
      { op: 'ConcatV2', attrs: [T, { name: 'N', type: B.TF_ATTR_INT, value: 2 }, { name: 'Tidx', type: B.TF_ATTR_TYPE, value: B.TF_INT32 }], inputs: [{ op: 2, out: 1 }, { op: 2, out: 0 }, { arg: 3 }] },
      { op: 'Reshape', attrs: [T, { name: 'Tshape', type: B.TF_ATTR_TYPE, value: B.TF_INT32 }], inputs: [{ op: 3, out: 0 }, { arg: 4 }] },
      { op: 'AvgPool', attrs: [T, { name: 'ksize', type: B.TF_ATTR_INT, value: [1, 2, 2, 1] }, { name: 'strides', type: B.TF_ATTR_INT, value: [1, 1, 1, 1] },
        { name: 'padding', type: B.TF_ATTR_STRING, value: 'VALID' }, { name: 'data_format', type: B.TF_ATTR_STRING, value: 'NHWC' }], inputs: [{ op: 4, out: 0 }] },
    ];
    const bytes = functionDef('ganbook_test_fn', {
      args: [B.TF_FLOAT, B.TF_FLOAT, B.TF_INT32, B.TF_INT32, B.TF_INT32], nodes,
      outputs: [{ source: { op: 5, out: 0 }, dtype: B.TF_FLOAT }, { source: { op: 2, out: 1 }, dtype: B.TF_FLOAT }],
    }, readOpList(B.ganbookOpList()), B);
    B.ganbookAddFunctionDef(bytes);
    tf.tidy(() => {
      const a = tf.randomNormal([4, 3], 0, 1, 'float32', 1), b = tf.randomNormal([6, 3], 0, 1, 'float32', 2);
      const sizes = tf.tensor1d([2, 4], 'int32'), axis = tf.scalar(1, 'int32'), shape = tf.tensor1d([1, 4, 6, 1], 'int32');
      const [pooled, second] = backend().executeMultipleOutputs('ganbook_test_fn', [], [a, b, sizes, axis, shape], 2);
      const h = tf.leakyRelu(tf.matMul(a, b, false, true), 0.25);
      const [p0, p1] = tf.split(h, [2, 4], 1);
      const expected = tf.avgPool(tf.reshape(tf.concat([p1, p0], 1), [1, 4, 6, 1]) as Tensor4D, 2, 1, 'valid');
      expect(pooled.shape).toEqual([1, 3, 5, 1]);
      expect(maxDiff(pooled.dataSync(), expected.dataSync())).toBeLessThan(1e-6);
      expect(maxDiff(second.dataSync(), p1.dataSync())).toBeLessThan(1e-6);
    });
  });
});

describe('compiled steps: CompiledStep', () => {
  it('replays a step as one function with the eager results, and falls back when the step changes', () => {
    const c = new CompiledStep();
    const w = tf.keep(tf.randomNormal([5, 5], 0, 1, 'float32', 3));
    const step = (k: number, n: number) => tf.tidy(() => tf.tanh(tf.matMul(tf.fill([n, 5], k), w)).sum(1));
    const eager = (k: number, n: number) => { const y = step(k, n); const v = y.dataSync().slice(); y.dispose(); return v; };
    const got: Float32Array[] = [], want: Float32Array[] = [];
    const sizes = [3, 3, 3, 3, 4, 4, 4, 3];
    sizes.forEach((n, i) => {
      const y = c.run(() => step(i * 0.1, n));
      got.push(y.dataSync().slice() as Float32Array); y.dispose();
      want.push(eager(i * 0.1, n) as Float32Array);
    });
    got.forEach((g, i) => expect(maxDiff(g, want[i]), `step ${i}`).toBeLessThan(1e-6));
    // traced at step 1 (n = 3), replayed 2-4; n = 4 leaves the trace (Fill's dims differ: a fallback), traced again,
    // replayed; n = 3 falls back
    expect(c.stats).toMatchObject({ traced: 2, replayed: 4, fallbacks: 2, disabled: null });
    expect(c.stats.lastFallback).toMatch(/holds \[3,5\], traced \[4,5\]/);
    w.dispose();
  });

  it('integer data (gather indices) may change between replays; integers that set shapes may not', () => {
    const c = new CompiledStep();
    const table = tf.keep(tf.range(0, 20, 1, 'float32').reshape([10, 2]));
    for (let i = 0; i < 5; i++) {
      const idx = tf.tensor1d([i, (i + 3) % 10], 'int32');
      const y = c.run(() => tf.tidy(() => tf.gather(table, idx).mul(2)));
      expect(Array.from(y.dataSync())).toEqual([4 * i, 4 * i + 2, 4 * ((i + 3) % 10), 4 * ((i + 3) % 10) + 2]);
      y.dispose(); idx.dispose();
    }
    expect(c.stats).toMatchObject({ traced: 1, replayed: 4, fallbacks: 0 });
    table.dispose();
  });

  it('a value read mid-step runs the step eagerly from there, with the same values', () => {
    const c = new CompiledStep();
    const x = tf.keep(tf.tensor1d([1, 2, 3]));
    const step = () => tf.tidy(() => { const y = x.mul(2); const s = y.sum().dataSync()[0]; return y.add(s); });
    for (let i = 0; i < 4; i++) {
      const y = c.run(step);
      expect(Array.from(y.dataSync())).toEqual([14, 16, 18]);
      y.dispose();
    }
    expect(c.stats.fallbacks).toBe(MAX_RETRACES);
    expect(c.stats.lastFallback).toBe('a value read during the step');
    expect(c.stats.disabled).toMatch(/did not replay after 3 traces/);
    x.dispose();
  });

  it(`stays eager after ${MAX_RETRACES} traces that did not replay, and says so once`, () => {
    const c = new CompiledStep();
    const reasons: string[] = [];
    c.onDisabled = (r) => reasons.push(r);
    const x = tf.keep(tf.tensor1d([1, 2]));
    for (let i = 0; i < 12; i++) {
      const y = c.run(() => tf.tidy(() => (i % 2 ? x.mul(i) : x.add(i)))); // an op the trace never has
      expect(Array.from(y.dataSync())).toEqual(i % 2 ? [i, 2 * i] : [1 + i, 2 + i]);
      y.dispose();
    }
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/did not replay after 3 traces/);
    expect(c.stats.disabled).toBe(reasons[0]);
    x.dispose();
  });

  it(`a step of more than ${MAX_TRACE_OPS} kernels stays eager (too large for one function), with the eager values`, () => {
    const c = new CompiledStep();
    const reasons: string[] = [];
    c.onDisabled = (r) => reasons.push(r);
    const x = tf.keep(tf.scalar(0));
    const y = c.run(() => tf.tidy(() => { let s = x; for (let i = 0; i < MAX_TRACE_OPS + 5; i++) s = s.add(1); return s; }));
    expect(y.dataSync()[0]).toBe(MAX_TRACE_OPS + 5);
    y.dispose(); x.dispose();
    expect(reasons).toEqual([`the step runs more than ${MAX_TRACE_OPS} kernels, too many for one function`]);
  });

  it('an error inside a replayed step is the eager error, and the next steps still run', () => {
    const c = new CompiledStep();
    const a = tf.keep(tf.ones([2, 3]));
    let bad = false;
    const step = () => tf.tidy(() => tf.matMul(a, bad ? tf.ones([2, 3]) : tf.ones([3, 2])));
    for (let i = 0; i < 3; i++) c.run(step).dispose();
    bad = true;
    expect(() => c.run(step)).toThrow(/Matrix size-incompatible|In\[0\] mismatch In\[1\]|inner dimensions|must match/i);
    bad = false;
    const y = c.run(step);
    expect(Array.from(y.dataSync())).toEqual([3, 3, 3, 3]);
    y.dispose(); a.dispose();
  });
});

describe('compiled steps: GanTrainer (compile, the default)', () => {
  const train = async (compile: boolean, cfg: ReturnType<typeof fcGan>, steps: number) => {
    const gan = buildGan(cfg);
    const images = tf.randomUniform([256, ...gan.imageShape], -1, 1, 'float32', 1) as Tensor4D;
    const t = new GanTrainer(gan, images, { batchSize: 32, runsDir: null, sampleEvery: 0, checkpointEvery: 0, live: false, range: '[-1,1]', compile });
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) { const l = await t.step(); losses.push(l.dLoss, l.gLoss); }
    const after = tf.memory().numTensors;
    const weights = gan.generator.getWeights().concat(gan.discriminator.getWeights()).map((x) => x.dataSync().slice());
    const stats = t.compileStats;
    t.dispose(); gan.generator.dispose(); gan.discriminator.dispose(); images.dispose();
    return { losses, weights, stats, before, after };
  };

  it('fcGan (dropout): compiled steps give the eager steps\' losses and weights, tensor count flat', async () => {
    const e = await train(false, fcGan(), 6), c = await train(true, fcGan(), 6);
    expect(e.stats).toBeNull();
    expect(c.stats).toMatchObject({ eager: 0, traced: 1, replayed: 5, fallbacks: 0, disabled: null });
    expect(maxDiff(c.losses, e.losses)).toBeLessThan(1e-5);
    c.weights.forEach((w, i) => expect(maxDiff(w, e.weights[i]), `weight ${i}`).toBeLessThan(1e-5));
    expect(c.after - c.before).toBe(e.after - e.before);
  }, 60e3);

  it('wganGp (layer norm, n_critic 5, the penalty\'s double backward): the same updates within float reordering', async () => {
    const cfg = wganGp({ generator: { widths: [32, 16] }, discriminator: { widths: [16, 32] } });
    const e = await train(false, cfg, 5), c = await train(true, cfg, 5);
    expect(c.stats).toMatchObject({ traced: 1, replayed: 4, fallbacks: 0 });
    expect(maxDiff(c.losses, e.losses) / Math.max(...e.losses.map(Math.abs))).toBeLessThan(1e-3);
    c.weights.forEach((w, i) => expect(maxDiff(w, e.weights[i]), `weight ${i}`).toBeLessThan(1e-3));
    expect(c.after - c.before).toBe(e.after - e.before);
  }, 120e3);

  it('replacing the objective mid-run traces the new step; the counts go on', async () => {
    const { hinge } = await import('../../lib/train/objectives/index');
    const gan = buildGan(fcGan({ latentDim: 8, generator: { widths: [16] }, discriminator: { widths: [16] } }));
    const images = tf.randomUniform([64, 28, 28, 1], -1, 1, 'float32', 1) as Tensor4D;
    const t = new GanTrainer(gan, images, { batchSize: 16, runsDir: null, sampleEvery: 0, checkpointEvery: 0, live: false, range: '[-1,1]' });
    for (let i = 0; i < 3; i++) await t.step();
    t.objective = hinge();
    for (let i = 0; i < 3; i++) await t.step();
    expect(t.compileStats).toMatchObject({ traced: 2, replayed: 4, fallbacks: 0, disabled: null });
    t.dispose(); gan.generator.dispose(); gan.discriminator.dispose(); images.dispose();
  });

  it('the compile option is validated and resumable like fastStep', () => {
    const gan = buildGan(fcGan());
    expect(() => new GanTrainer(gan, tf.zeros([8, 28, 28, 1]) as Tensor4D, { runsDir: null, compile: 'yes' as unknown as boolean })).toThrow(/compile/);
    gan.generator.dispose(); gan.discriminator.dispose();
  });
});
