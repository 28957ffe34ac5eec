/**
 * Bench section "bf16": is bfloat16 compute faster than float32 for the DCGAN training step
 * (batch 64) on this CPU through the native binding? Issue "Mixed precision".
 *
 * Measures raw TensorFlow kernels called through tfjs-node's binding (as `lib/train/fast-ops.ts`
 * does) with `T = DT_BFLOAT16` vs `T = DT_FLOAT`, at the reference DCGAN's real shapes:
 *   - per op: Conv2D / Conv2DBackpropInput (the transposed convs) / Conv2DBackpropFilter / MatMul
 *     of every layer, plus batch norm, LeakyReLU, BiasAdd, Tanh and their gradients;
 *   - per step: the sum over one whole forward + backward of the DCGAN (the fast step's op list:
 *     G forward once, D on [real; fake] = 2B and its backward, D on fake and its input gradient,
 *     G's backward; Adam excluded, it would stay float32).
 * Variants, each in its own fresh process, interleaved over rounds (order rotated per round):
 *   - `fp32`: float32 inputs;
 *   - `bf16`: inputs cast to bfloat16 once with the `Cast` op, outside the timed loop;
 *   - `bf16+cast`: what a mixed-precision step pays on top — per op: every float input cast in and
 *     the output cast back to float32 inside the loop (an isolated bf16 op, the worst case); per
 *     step: the casts a real mixed step needs (float32 weights and inputs to bf16 at each use,
 *     logits and weight gradients back to float32).
 * `--with-python` adds Keras 3's DCGAN step (`python/keras_dcgan_bf16.py`) under the `float32` and
 * `mixed_bfloat16` policies, in the same rounds (throwaway venv `<cache>/bench-venv`, as `speed`).
 * A first child checks which kernels are registered for bfloat16 (an unregistered kernel errors)
 * and, with `ONEDNN_VERBOSE=1`, which oneDNN implementation each op gets (AMX, AVX-512, none).
 *
 * Note: tfjs-node's `executeSingleOutput` cannot return a bfloat16 tensor ("Unknown dtype enum
 * 14" from `createOutputTensor`), so this bench calls `binding.executeOp` with raw tensor ids.
 *
 * Usage: `npm run bench -- --only bf16 [--with-python] [--json] [--rounds 5] [--iters 30] [--steps 10] [--max-isa AVX512_CORE_BF16]`
 * or standalone `ts-node --transpile-only scripts/bench/bf16.ts [same flags]`.
 * Internal: `--worker check|fp32|bf16|bf16+cast <batch> <iters> <steps>` prints one JSON line.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');
const DT_BFLOAT16 = 14; // TF_DataType enum value; the binding exports no TF_BFLOAT16

export interface Bf16Options {
  json?: boolean;
  batch?: number;
  /** Calls per op per measurement. */
  iters?: number;
  /** Whole forward+backward passes per measurement. */
  steps?: number;
  rounds?: number;
  withPython?: boolean;
  /**
   * Caps oneDNN's instruction set in the native children (`ONEDNN_MAX_CPU_ISA`), e.g.
   * `AVX512_CORE_BF16` (AVX512_BF16 without AMX) or `AVX512_CORE` (no bf16 instructions), to see
   * what bf16 gives on CPUs without AMX. Default: all the CPU has.
   */
  maxIsa?: string;
}

// --------------------------------------------------------------------------- op specs

interface Attr { name: string; type: number; value: unknown }
interface RawBinding {
  TF_ATTR_STRING: number; TF_ATTR_INT: number; TF_ATTR_FLOAT: number; TF_ATTR_BOOL: number; TF_ATTR_TYPE: number;
  TF_FLOAT: number; TF_INT32: number;
  createTensor(shape: number[], dtype: number, data: Float32Array | Int32Array): number;
  deleteTensor(id: number): void;
  tensorDataSync(id: number): Float32Array | Int32Array;
  executeOp(name: string, attrs: Attr[], inputIds: number[], nOut: number): { id: number; shape: number[]; dtype: number }[];
}

/** One input of an op: compute dtype (`T`), always float32 (`F`), always bf16 (`BF`), int32 constant, or a FusedBatchNormV3 reserve output. */
type In = { k: 'T' | 'F' | 'BF'; shape: number[] } | { k: 'i32'; value: number[] } | { k: 'fbn'; shape: number[]; out: 3 | 4 | 5 };
interface OpSpec {
  /** Row label (per-op table) or a short description (step list). */
  label: string;
  op: string;
  attrs: (B: RawBinding, T: number) => Attr[];
  inputs: In[];
  nOut: number;
  /** Multiply-add FLOPs × 2, for the GFLOP/s column (heavy ops only). */
  flops?: number;
  /** Only in the `bf16+cast` step list. */
  castOnly?: boolean;
}

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);
const Tattr = (B: RawBinding, T: number): Attr => ({ name: 'T', type: B.TF_ATTR_TYPE, value: T });
const convAttrs = (padding: 'SAME' | 'EXPLICIT', pads?: number[]) => (B: RawBinding, T: number): Attr[] => [
  Tattr(B, T), { name: 'strides', type: B.TF_ATTR_INT, value: [1, 2, 2, 1] }, { name: 'padding', type: B.TF_ATTR_STRING, value: padding },
  { name: 'data_format', type: B.TF_ATTR_STRING, value: 'NHWC' }, { name: 'dilations', type: B.TF_ATTR_INT, value: [1, 1, 1, 1] },
  { name: 'use_cudnn_on_gpu', type: B.TF_ATTR_BOOL, value: true },
  ...(pads ? [{ name: 'explicit_paddings', type: B.TF_ATTR_INT, value: pads }] : [])];
// 'same' padding of a 4x4 stride-2 conv between 2n and n: total 2, split 1/1 (as fast-ops computes it)
const SAME_PADS = [0, 0, 1, 1, 1, 1, 0, 0];

/** Conv with 4x4 kernel, stride 2, 'same': x [n,h,w,ci] -> y [n,h/2,w/2,co]. */
function conv(n: number, h: number, ci: number, co: number) {
  const x = [n, h, h, ci], w = [4, 4, ci, co], y = [n, h / 2, h / 2, co];
  const flops = 2 * prod(y) * 16 * ci;
  return {
    fwd: (label: string): OpSpec => ({ label, op: 'Conv2D', attrs: convAttrs('SAME'), inputs: [{ k: 'T', shape: x }, { k: 'T', shape: w }], nOut: 1, flops }),
    /**
     * dX of the conv = forward of a transposed conv y -> x. `explicit`: TF's own kernel (ganbook uses
     * it for ci < 8); `'fp32'`: that for float32 only, oneDNN's for bf16 (TF's is slow in bf16).
     */
    dx: (label: string, explicit: boolean | 'fp32' = false): OpSpec => ({
      label, op: 'Conv2DBackpropInput',
      attrs: explicit === 'fp32' ? (B, T) => (T === B.TF_FLOAT ? convAttrs('EXPLICIT', SAME_PADS) : convAttrs('SAME'))(B, T)
        : explicit ? convAttrs('EXPLICIT', SAME_PADS) : convAttrs('SAME'),
      inputs: [{ k: 'i32', value: x }, { k: 'T', shape: w }, { k: 'T', shape: y }], nOut: 1, flops,
    }),
    dw: (label: string): OpSpec => ({
      label, op: 'Conv2DBackpropFilter', attrs: convAttrs('SAME'),
      inputs: [{ k: 'T', shape: x }, { k: 'i32', value: w }, { k: 'T', shape: y }], nOut: 1, flops,
    }),
  };
}
function matMul(label: string, a: number[], b: number[], ta = false, tb = false): OpSpec {
  const m = ta ? a[1] : a[0], k = ta ? a[0] : a[1], n = tb ? b[0] : b[1];
  return {
    label, op: 'MatMul', nOut: 1, flops: 2 * m * k * n, inputs: [{ k: 'T', shape: a }, { k: 'T', shape: b }],
    attrs: (B, T) => [Tattr(B, T), { name: 'transpose_a', type: B.TF_ATTR_BOOL, value: ta }, { name: 'transpose_b', type: B.TF_ATTR_BOOL, value: tb }],
  };
}
const fbnAttrs = (B: RawBinding, T: number): Attr[] => [Tattr(B, T), { name: 'U', type: B.TF_ATTR_TYPE, value: B.TF_FLOAT },
  { name: 'epsilon', type: B.TF_ATTR_FLOAT, value: 1e-3 }, { name: 'data_format', type: B.TF_ATTR_STRING, value: 'NHWC' },
  { name: 'is_training', type: B.TF_ATTR_BOOL, value: true }];
function bn(label: string, x: number[]): OpSpec {
  const c = [x[3]];
  return { label, op: 'FusedBatchNormV3', nOut: 6, attrs: (B, T) => [...fbnAttrs(B, T), { name: 'exponential_avg_factor', type: B.TF_ATTR_FLOAT, value: 1 }],
    inputs: [{ k: 'T', shape: x }, { k: 'F', shape: c }, { k: 'F', shape: c }, { k: 'F', shape: [0] }, { k: 'F', shape: [0] }] };
}
function bnGrad(label: string, x: number[]): OpSpec {
  const c = [x[3]];
  return { label, op: 'FusedBatchNormGradV3', nOut: 5, attrs: fbnAttrs,
    inputs: [{ k: 'T', shape: x }, { k: 'T', shape: x }, { k: 'F', shape: c }, { k: 'fbn', shape: x, out: 3 }, { k: 'fbn', shape: x, out: 4 }, { k: 'fbn', shape: x, out: 5 }] };
}
const unary = (op: string, alpha?: number) => (label: string, x: number[]): OpSpec => ({
  label, op, nOut: 1, inputs: [{ k: 'T', shape: x }],
  attrs: (B, T) => [Tattr(B, T), ...(alpha != null ? [{ name: 'alpha', type: B.TF_ATTR_FLOAT, value: alpha }] : [])],
});
const binary = (op: string, alpha?: number) => (label: string, x: number[]): OpSpec => ({
  label, op, nOut: 1, inputs: [{ k: 'T', shape: x }, { k: 'T', shape: x }],
  attrs: (B, T) => [Tattr(B, T), ...(alpha != null ? [{ name: 'alpha', type: B.TF_ATTR_FLOAT, value: alpha }] : [])],
});
const biasAdd = (label: string, x: number[]): OpSpec => ({ label, op: 'BiasAdd', nOut: 1, inputs: [{ k: 'T', shape: x }, { k: 'T', shape: [x[x.length - 1]] }],
  attrs: (B, T) => [Tattr(B, T), { name: 'data_format', type: B.TF_ATTR_STRING, value: 'NHWC' }] });
const biasGrad = (label: string, x: number[]): OpSpec => ({ label, op: 'BiasAddGrad', nOut: 1, inputs: [{ k: 'T', shape: x }],
  attrs: (B, T) => [Tattr(B, T), { name: 'data_format', type: B.TF_ATTR_STRING, value: 'NHWC' }] });
const castSpec = (label: string, shape: number[], dir: 'in' | 'out'): OpSpec => ({
  label, op: 'Cast', nOut: 1, castOnly: true, inputs: [{ k: dir === 'in' ? 'F' : 'BF', shape }],
  attrs: (B) => [{ name: 'SrcT', type: B.TF_ATTR_TYPE, value: dir === 'in' ? B.TF_FLOAT : DT_BFLOAT16 },
    { name: 'DstT', type: B.TF_ATTR_TYPE, value: dir === 'in' ? DT_BFLOAT16 : B.TF_FLOAT }, { name: 'Truncate', type: B.TF_ATTR_BOOL, value: false }],
});
const lrelu = unary('LeakyRelu', 0.2), lreluGrad = binary('LeakyReluGrad', 0.2), tanh = unary('Tanh'), tanhGrad = binary('TanhGrad');

/** The per-op rows: each heavy op of the DCGAN once at batch `n` (several layers share a shape). */
export function opRows(n: number): OpSpec[] {
  const big = conv(n, 14, 64, 128), small = conv(n, 28, 1, 64);
  return [
    big.fwd('Conv2D 14x14x64→7x7x128 (D conv2 fwd; G convT1 dX)'),
    big.dx('Conv2DBackpropInput 7x7x128→14x14x64 (G convT1 fwd; D conv2 dX)'),
    big.dw('Conv2DBackpropFilter 4x4x64x128 (G convT1 dW; D conv2 dW)'),
    small.fwd('Conv2D 28x28x1→14x14x64 (D conv1 fwd; G convT2 dX)'),
    small.dx('Conv2DBackpropInput 14x14x64→28x28x1 SAME/oneDNN (G convT2 fwd; D conv1 dX)'),
    small.dx('Conv2DBackpropInput 14x14x64→28x28x1 EXPLICIT/TF kernel (ganbook)', true),
    small.dw('Conv2DBackpropFilter 4x4x1x64 (G convT2 dW; D conv1 dW)'),
    matMul('MatMul 64x100·100x6272 (G dense fwd)', [n, 100], [100, 6272]),
    matMul('MatMul ᵀ100x64·64x6272 (G dense dW)', [n, 100], [n, 6272], true),
    matMul('MatMul 64x6272·6272x1 (D dense fwd)', [n, 6272], [6272, 1]),
    matMul('MatMul ᵀ6272x64·64x1 (D dense dW)', [n, 6272], [n, 1], true),
    matMul('MatMul 64x1·1x6272ᵀ (D dense dX)', [n, 1], [6272, 1], false, true),
    bn('FusedBatchNormV3 14x14x64', [n, 14, 14, 64]),
    bnGrad('FusedBatchNormGradV3 14x14x64', [n, 14, 14, 64]),
    bn('FusedBatchNormV3 1x1x6272 (after dense)', [n, 1, 1, 6272]),
    lrelu('LeakyRelu 14x14x64', [n, 14, 14, 64]),
    lreluGrad('LeakyReluGrad 14x14x64', [n, 14, 14, 64]),
    biasAdd('BiasAdd 14x14x64', [n, 14, 14, 64]),
    biasGrad('BiasAddGrad 14x14x64', [n, 14, 14, 64]),
    tanh('Tanh 28x28x1', [n, 28, 28, 1]),
  ];
}

/**
 * One whole forward + backward of the DCGAN as the fast step runs it (`lib/train/fast-step.ts`):
 * G forward once (batch n), D update on [real; fake] (2n), G update through D on the fake half (n).
 * Adam (float32 in any mixed-precision scheme) and the scalar loss ops are left out. `castOnly`
 * entries are the casts a mixed-precision step adds.
 */
export function stepOps(n: number): OpSpec[] {
  const s: OpSpec[] = [];
  const W = { gd: [100, 6272], gdb: [6272], g1: [4, 4, 64, 128], g1b: [64], g2: [4, 4, 1, 64], g2b: [1], d1: [4, 4, 1, 64], d1b: [64], d2: [4, 4, 64, 128], d2b: [128], dd: [6272, 1], ddb: [1] };
  // casts in: z, real, G's weights (once), D's weights (two D passes)
  s.push(castSpec('z→bf16', [n, 100], 'in'), castSpec('real→bf16', [n, 28, 28, 1], 'in'));
  for (const k of ['gd', 'gdb', 'g1', 'g1b', 'g2', 'g2b'] as const) s.push(castSpec(`${k}→bf16`, W[k], 'in'));
  for (let pass = 0; pass < 2; pass++) for (const k of ['d1', 'd1b', 'd2', 'd2b', 'dd', 'ddb'] as const) s.push(castSpec(`${k}→bf16`, W[k], 'in'));
  // G forward
  s.push(matMul('G dense', [n, 100], [100, 6272]), biasAdd('G dense bias', [n, 6272]), bn('G bn1', [n, 1, 1, 6272]), lrelu('G lrelu1', [n, 6272]));
  s.push(conv(n, 14, 64, 128).dx('G convT1'), biasAdd('G convT1 bias', [n, 14, 14, 64]), bn('G bn2', [n, 14, 14, 64]), lrelu('G lrelu2', [n, 14, 14, 64]));
  s.push(conv(n, 28, 1, 64).dx('G convT2', 'fp32'), biasAdd('G convT2 bias', [n, 28, 28, 1]), tanh('G tanh', [n, 28, 28, 1]));
  // D forward (batch b) and backward (weights; input gradient when `dx`)
  const dPass = (b: number, dW: boolean, dx: boolean, tag: string) => {
    const c1 = conv(b, 28, 1, 64), c2 = conv(b, 14, 64, 128);
    s.push(c1.fwd(`D${tag} conv1`), biasAdd(`D${tag} conv1 bias`, [b, 14, 14, 64]), lrelu(`D${tag} lrelu1`, [b, 14, 14, 64]));
    s.push(c2.fwd(`D${tag} conv2`), biasAdd(`D${tag} conv2 bias`, [b, 7, 7, 128]), lrelu(`D${tag} lrelu2`, [b, 7, 7, 128]));
    s.push(matMul(`D${tag} dense`, [b, 6272], [6272, 1]), biasAdd(`D${tag} dense bias`, [b, 1]));
    s.push(castSpec(`D${tag} logits→fp32`, [b, 1], 'out'), castSpec(`D${tag} dlogits→bf16`, [b, 1], 'in'));
    if (dW) s.push(matMul(`D${tag} dense dW`, [b, 6272], [b, 1], true), biasGrad(`D${tag} dense db`, [b, 1]));
    s.push(matMul(`D${tag} dense dX`, [b, 1], [6272, 1], false, true), lreluGrad(`D${tag} lrelu2 grad`, [b, 7, 7, 128]));
    if (dW) s.push(biasGrad(`D${tag} conv2 db`, [b, 7, 7, 128]), c2.dw(`D${tag} conv2 dW`));
    s.push(c2.dx(`D${tag} conv2 dX`), lreluGrad(`D${tag} lrelu1 grad`, [b, 14, 14, 64]));
    if (dW) s.push(biasGrad(`D${tag} conv1 db`, [b, 14, 14, 64]), c1.dw(`D${tag} conv1 dW`));
    if (dx) s.push(c1.dx(`D${tag} conv1 dX`, 'fp32'));
  };
  dPass(2 * n, true, false, '(real+fake)');
  for (const k of ['d1', 'd1b', 'd2', 'd2b', 'dd', 'ddb'] as const) s.push(castSpec(`d${k} grad→fp32`, W[k], 'out'));
  dPass(n, false, true, '(fake)');
  // G backward
  const g2 = conv(n, 28, 1, 64), g1 = conv(n, 14, 64, 128);
  s.push(tanhGrad('G tanh grad', [n, 28, 28, 1]), biasGrad('G convT2 db', [n, 28, 28, 1]));
  s.push({ ...g2.dw('G convT2 dW') }, g2.fwd('G convT2 dX'));
  s.push(lreluGrad('G lrelu2 grad', [n, 14, 14, 64]), bnGrad('G bn2 grad', [n, 14, 14, 64]), biasGrad('G convT1 db', [n, 14, 14, 64]));
  s.push(g1.dw('G convT1 dW'), g1.fwd('G convT1 dX'));
  s.push(lreluGrad('G lrelu1 grad', [n, 6272]), bnGrad('G bn1 grad', [n, 1, 1, 6272]), biasGrad('G dense db', [n, 6272]));
  s.push(matMul('G dense dW', [n, 100], [n, 6272], true));
  for (const k of ['gd', 'gdb', 'g1', 'g1b', 'g2', 'g2b'] as const) s.push(castSpec(`g${k} grad→fp32`, W[k], 'out'));
  return s;
}

// --------------------------------------------------------------------------- worker (child process)

type Variant = 'fp32' | 'bf16' | 'bf16+cast';
interface OpTiming { label: string; op: string; wallMs: number; cpuMs: number; gflops?: number }

async function binding(): Promise<RawBinding> {
  const { tf } = await import('../../lib/backend');
  if (tf.getBackend() !== 'tensorflow') throw new Error(`bf16 bench needs the native "tensorflow" backend; got "${tf.getBackend()}"`);
  return (tf.backend() as unknown as { binding: RawBinding }).binding;
}

/** Creates the inputs of `spec` for compute dtype T (bf16 inputs made with one Cast, outside timing). */
function makeInputs(B: RawBinding, spec: OpSpec, T: number, cache: Map<string, number>, fbnReserves: (shape: number[], T: number) => number[]): number[] {
  const rnd = (shape: number[]) => {
    const a = new Float32Array(prod(shape));
    for (let i = 0; i < a.length; i++) a[i] = (Math.random() - 0.5) * 2;
    return a;
  };
  return spec.inputs.map((inp) => {
    if (inp.k === 'i32') return B.createTensor([inp.value.length], B.TF_INT32, Int32Array.from(inp.value));
    if (inp.k === 'fbn') return fbnReserves(inp.shape, T)[inp.out];
    const dt = inp.k === 'F' ? B.TF_FLOAT : inp.k === 'BF' ? DT_BFLOAT16 : T;
    const key = `${dt}:${inp.shape.join('x')}`;
    const hit = cache.get(key);
    if (hit != null) return hit;
    const f = B.createTensor(inp.shape, B.TF_FLOAT, rnd(inp.shape));
    let id = f;
    if (dt !== B.TF_FLOAT) { id = cast(B, f, B.TF_FLOAT, dt); B.deleteTensor(f); }
    cache.set(key, id);
    return id;
  });
}

function cast(B: RawBinding, id: number, from: number, to: number): number {
  return B.executeOp('Cast', [{ name: 'SrcT', type: B.TF_ATTR_TYPE, value: from }, { name: 'DstT', type: B.TF_ATTR_TYPE, value: to },
    { name: 'Truncate', type: B.TF_ATTR_BOOL, value: false }], [id], 1)[0].id;
}

/** Runs `spec` once; with `castIn`, casts its `T` inputs from float32 first and its first output back. Frees what it made. */
function runOnce(B: RawBinding, spec: OpSpec, T: number, ids: number[], castIn: boolean, f32ids?: number[]): void {
  let inIds = ids;
  const tmp: number[] = [];
  if (castIn && f32ids) {
    inIds = ids.map((id, i) => {
      if (spec.inputs[i].k !== 'T') return id;
      const c = cast(B, f32ids[i], B.TF_FLOAT, T);
      tmp.push(c);
      return c;
    });
  }
  const outs = B.executeOp(spec.op, spec.attrs(B, T), inIds, spec.nOut);
  if (castIn) B.deleteTensor(cast(B, outs[0].id, T, B.TF_FLOAT));
  for (const o of outs) B.deleteTensor(o.id);
  for (const t of tmp) B.deleteTensor(t);
}

async function worker(variant: Variant | 'check', n: number, iters: number, steps: number): Promise<Record<string, unknown>> {
  const B = await binding();
  const cache = new Map<string, number>();
  const fbnCache = new Map<string, number[]>();
  const fbnReserves = (shape: number[], T: number) => {
    const key = `${T}:${shape.join('x')}`;
    let r = fbnCache.get(key);
    if (!r) {
      const spec = bn('', shape);
      const ids = makeInputs(B, spec, T, cache, fbnReserves);
      r = B.executeOp(spec.op, spec.attrs(B, T), ids, 6).map((o) => o.id);
      fbnCache.set(key, r);
    }
    return r;
  };
  const rows = opRows(n);
  if (variant === 'check') {
    // registration (one call each, bf16 and fp32) and, under ONEDNN_VERBOSE=1, markers for the parent
    const seen = new Map<string, { op: string; label: string; fp32: string; bf16: string }>();
    const all = [...rows.map((r) => ({ r, where: 'row' })), ...stepOps(n).filter((s) => !s.castOnly).map((r) => ({ r, where: 'step' }))];
    for (const { r, where } of all) {
      const sig = `${r.op}:${r.inputs.map((i) => ('shape' in i ? i.shape.join('x') : 'i32')).join(',')}:${r.attrs(B, B.TF_FLOAT).map((a) => `${a.name}=${a.value}`).join(',')}`;
      if (where === 'step' && seen.has(sig)) continue;
      const res = { op: r.op, label: r.label, fp32: 'ok', bf16: 'ok' };
      for (const [name, T] of [['fp32', B.TF_FLOAT], ['bf16', DT_BFLOAT16]] as const) {
        console.log(`@@op ${name} ${r.label}`);
        try {
          runOnce(B, r, T, makeInputs(B, r, T, cache, fbnReserves), false);
          runOnce(B, r, T, makeInputs(B, r, T, cache, fbnReserves), false);
        } catch (e) { res[name] = String((e as Error).message).split('\n')[0].slice(0, 200); }
      }
      console.log('@@end');
      seen.set(sig, res);
    }
    // numerical sanity: bf16 conv vs fp32 conv on the same inputs
    const spec = rows[0];
    const f32 = makeInputs(B, spec, B.TF_FLOAT, cache, fbnReserves);
    const bfIds = f32.map((id) => cast(B, id, B.TF_FLOAT, DT_BFLOAT16));
    const a = B.tensorDataSync(B.executeOp(spec.op, spec.attrs(B, B.TF_FLOAT), f32, 1)[0].id) as Float32Array;
    const bo = B.executeOp(spec.op, spec.attrs(B, DT_BFLOAT16), bfIds, 1)[0].id;
    const b = B.tensorDataSync(cast(B, bo, DT_BFLOAT16, B.TF_FLOAT)) as Float32Array;
    let num = 0, den = 0;
    for (let i = 0; i < a.length; i++) { num += (a[i] - b[i]) ** 2; den += a[i] ** 2; }
    return { variant, kernels: [...seen.values()], conv2dRelErrBf16: +Math.sqrt(num / den).toExponential(2) };
  }
  const T = variant === 'fp32' ? B.TF_FLOAT : DT_BFLOAT16;
  const castIn = variant === 'bf16+cast';
  const timeIt = (fn: () => void, k: number) => {
    const c0 = process.cpuUsage(), t0 = performance.now();
    for (let i = 0; i < k; i++) fn();
    const c = process.cpuUsage(c0);
    return { wallMs: (performance.now() - t0) / k, cpuMs: (c.user + c.system) / 1000 / k };
  };
  const ops: OpTiming[] = [];
  for (const spec of rows) {
    const ids = makeInputs(B, spec, T, cache, fbnReserves);
    const f32 = castIn ? makeInputs(B, spec, B.TF_FLOAT, cache, fbnReserves) : undefined;
    const fn = () => runOnce(B, spec, T, ids, castIn, f32);
    for (let i = 0; i < 3; i++) fn();
    const t = timeIt(fn, iters);
    ops.push({ label: spec.label, op: spec.op, wallMs: +t.wallMs.toFixed(3), cpuMs: +t.cpuMs.toFixed(3),
      ...(spec.flops ? { gflops: +(spec.flops / 1e6 / t.wallMs).toFixed(1) } : {}) });
  }
  // the whole forward + backward
  const list = stepOps(n).filter((s) => castIn || !s.castOnly);
  const prepared = list.map((s) => ({ s, ids: makeInputs(B, s, s.castOnly ? B.TF_FLOAT : T, cache, fbnReserves) }));
  const step = () => { for (const p of prepared) runOnce(B, p.s, p.s.castOnly ? B.TF_FLOAT : T, p.ids, false); };
  for (let i = 0; i < 2; i++) step();
  const st = timeIt(step, steps);
  const stepFlops = list.reduce((a, s) => a + (s.flops ?? 0), 0);
  return { variant, batch: n, ops, step: { wallMs: +st.wallMs.toFixed(2), cpuMs: +st.cpuMs.toFixed(2), opsPerStep: list.length, gflop: +(stepFlops / 1e9).toFixed(2) } };
}

// --------------------------------------------------------------------------- parent

function cacheDir(): string {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return (require(path.join(root, 'scripts', 'env.js')) as { cacheDir(): string }).cacheDir();
}

function lastJsonLine(out: string): Record<string, unknown> | null {
  for (const l of out.trim().split('\n').reverse()) {
    if (l.startsWith('{')) { try { return JSON.parse(l) as Record<string, unknown>; } catch { /* keep looking */ } }
  }
  return null;
}

function runChild(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 600_000): { json: Record<string, unknown>; stdout: string } | { error: string } {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 << 20, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', ...env } });
  const j = lastJsonLine(r.stdout ?? '');
  if (r.status !== 0 || !j) {
    const tail = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').slice(-3).join(' | ');
    return { error: `${path.basename(args[args.length - 4] ?? cmd)} exited ${r.status ?? r.signal}: ${tail}` };
  }
  return { json: j, stdout: r.stdout };
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** True while some process is pip-installing into `venv` (another bench creating it). */
function pipRunningFor(venv: string): boolean {
  try {
    return fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).some((p) => {
      try {
        const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return cmd.includes(venv) && /\bpip\b|ensurepip|-m venv/.test(cmd);
      } catch { return false; }
    });
  } catch { return false; }
}

/**
 * The `speed` section's throwaway venv (`<cache>/bench-venv`) with tensorflow-cpu==2.21.0. Waits
 * while another process is installing into it; creates it (tensorflow-cpu only: `speed` adds torch
 * on its first `--with-python` run, it does not see a `.complete` stamp from here) when missing.
 */
function pythonWithTensorflow(log: (s: string) => void): { python?: string; note?: string } {
  const venv = path.join(cacheDir(), 'bench-venv');
  const py = path.join(venv, 'bin', 'python');
  for (let waited = 0; pipRunningFor(venv) && waited < 1_800_000; waited += 10_000) {
    if (waited === 0) log(`another process is installing into ${venv}; waiting for it...`);
    sleep(10_000);
  }
  const hasTf = () => fs.existsSync(py) && spawnSync(py, ['-c', 'import tensorflow, keras'], { env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } }).status === 0;
  if (hasTf()) return { python: py };
  const base = [process.env.GANBOOK_PYTHON, 'python3'].filter((p): p is string => !!p).find((p) => spawnSync(p, ['--version']).status === 0);
  if (!base) return { note: 'no python3 on PATH' };
  log(`installing tensorflow-cpu==2.21.0 into ${venv} (once)...`);
  if (!fs.existsSync(py)) {
    const r = spawnSync(base, ['-m', 'venv', venv], { encoding: 'utf8' });
    if (r.status !== 0) return { note: `python3 -m venv failed: ${(r.stderr || '').trim().split('\n').pop()}` };
  }
  const r = spawnSync(py, ['-m', 'pip', 'install', '--retries', '0', '--disable-pip-version-check', 'tensorflow-cpu==2.21.0'],
    { encoding: 'utf8', timeout: 1_800_000, maxBuffer: 64 << 20 });
  if (r.status !== 0 || !hasTf()) return { note: `pip install tensorflow-cpu failed: ${(r.stderr || r.stdout || '').trim().split('\n').pop()}` };
  return { python: py };
}

/** Parses ONEDNN_VERBOSE exec lines between the check worker's markers: impl per op and dtype. */
function onednnImpls(stdout: string): Record<string, { fp32?: string; bf16?: string }> {
  const out: Record<string, { fp32?: string; bf16?: string }> = {};
  let cur: { dt: 'fp32' | 'bf16'; label: string } | null = null;
  for (const line of stdout.split('\n')) {
    const m = /^@@op (fp32|bf16) (.*)$/.exec(line);
    if (m) { cur = { dt: m[1] as 'fp32' | 'bf16', label: m[2] }; continue; }
    if (line.startsWith('@@end')) { cur = null; continue; }
    if (!cur || !line.startsWith('onednn_verbose') || !line.includes(',exec,')) continue;
    const f = line.split(',');
    const i = f.indexOf('exec');
    const kind = f[i + 2], impl = f[i + 3];
    if (kind === 'reorder') continue;
    const e = (out[cur.label] ??= {});
    const desc = impl ? `${kind}:${impl}` : kind === 'gemm_api' ? 'gemm_api (sgemm)' : kind;
    if (!e[cur.dt]?.includes(desc)) e[cur.dt] = e[cur.dt] ? `${e[cur.dt]} + ${desc}` : desc;
  }
  return out;
}

const median = (xs: number[]) => { const s = xs.slice().sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN; };
const r2 = (x: number) => +x.toFixed(2);

/** The bench section. */
export async function run(opts: Bf16Options = {}): Promise<Record<string, unknown>> {
  const batch = opts.batch ?? 64, iters = opts.iters ?? 30, steps = opts.steps ?? 10, rounds = opts.rounds ?? 5;
  const log = (s: string) => { if (!opts.json) process.stderr.write(`[bf16] ${s}\n`); };
  const notes: string[] = [];
  const tsNode = path.join(root, 'node_modules', 'ts-node', 'dist', 'bin.js');
  const nodeArgs = (v: string) => [tsNode, '--transpile-only', __filename, '--worker', v, String(batch), String(iters), String(steps)];
  const loads: number[] = [os.loadavg()[0]];
  const isaEnv: NodeJS.ProcessEnv = opts.maxIsa ? { ONEDNN_MAX_CPU_ISA: String(opts.maxIsa).toUpperCase() } : {};

  log('checking kernel registration and oneDNN implementations (ONEDNN_VERBOSE=1)...');
  const chk = runChild(process.execPath, nodeArgs('check'), { ONEDNN_VERBOSE: '1', ...isaEnv });
  let kernels: unknown = null, conv2dRelErrBf16: unknown = null, onednnIsa: string | null = null;
  if ('error' in chk) notes.push(`check: ${chk.error}`);
  else {
    const impls = onednnImpls(chk.stdout);
    kernels = (chk.json.kernels as { op: string; label: string; fp32: string; bf16: string }[])
      .map((k) => ({ ...k, onednnFp32: impls[k.label]?.fp32 ?? 'TF/Eigen (no oneDNN primitive)', onednnBf16: impls[k.label]?.bf16 ?? 'TF/Eigen (no oneDNN primitive)' }));
    conv2dRelErrBf16 = chk.json.conv2dRelErrBf16;
    onednnIsa = /onednn_verbose,v1,info,cpu,isa:(.*)/.exec(chk.stdout)?.[1]?.trim() ?? null;
  }

  type Impl = { name: string; cmd: string; args: string[]; env?: NodeJS.ProcessEnv };
  const impls: Impl[] = (['fp32', 'bf16', 'bf16+cast'] as const).map((v) => ({ name: `native-${v}`, cmd: process.execPath, args: nodeArgs(v), env: isaEnv }));
  if (opts.withPython) {
    const { python, note } = pythonWithTensorflow(log);
    if (python) {
      const script = path.join(__dirname, 'python', 'keras_dcgan_bf16.py');
      for (const p of ['float32', 'mixed_bfloat16']) impls.push({ name: `keras-${p}`, cmd: python, args: [script, p, String(batch), String(Math.max(steps, 10))], env: isaEnv });
    } else notes.push(`Keras skipped: ${note}`);
  } else notes.push('Keras float32 vs mixed_bfloat16 not run (pass --with-python).');

  const per: Record<string, Record<string, unknown>[]> = {};
  for (let r = 0; r < rounds; r++) {
    const order = impls.map((_, i) => impls[(i + r) % impls.length]);
    for (const impl of order) {
      log(`round ${r + 1}/${rounds}: ${impl.name}...`);
      const m = runChild(impl.cmd, impl.args, impl.env);
      if ('error' in m) { notes.push(`${impl.name}: ${m.error}`); continue; }
      (per[impl.name] ??= [])[r] = m.json;
      loads.push(os.loadavg()[0]);
    }
  }

  // per-op table: medians over rounds, ratio = median of per-round fp32/bf16 ratios
  const fp = per['native-fp32'] ?? [], bf = per['native-bf16'] ?? [], bc = per['native-bf16+cast'] ?? [];
  type W = { ops: OpTiming[]; step: { wallMs: number; cpuMs: number; opsPerStep: number; gflop: number } };
  const opsOf = (xs: Record<string, unknown>[]) => xs.filter(Boolean) as unknown as W[];
  const medOf = (xs: W[], i: number, f: 'wallMs' | 'cpuMs') => r2(median(xs.map((x) => x.ops[i][f])));
  const ratioOf = (a: Record<string, unknown>[], b: Record<string, unknown>[], get: (w: W) => number) => {
    const rs: number[] = [];
    for (let r = 0; r < rounds; r++) if (a[r] && b[r]) rs.push(get(a[r] as unknown as W) / get(b[r] as unknown as W));
    return rs.length ? r2(median(rs)) : NaN;
  };
  const rows = opRows(batch).map((spec, i) => ({
    op: spec.label,
    fp32: { wallMs: medOf(opsOf(fp), i, 'wallMs'), cpuMs: medOf(opsOf(fp), i, 'cpuMs') },
    bf16: { wallMs: medOf(opsOf(bf), i, 'wallMs'), cpuMs: medOf(opsOf(bf), i, 'cpuMs') },
    bf16Cast: { wallMs: medOf(opsOf(bc), i, 'wallMs'), cpuMs: medOf(opsOf(bc), i, 'cpuMs') },
    speedup: { wall: ratioOf(fp, bf, (w) => w.ops[i].wallMs), cpu: ratioOf(fp, bf, (w) => w.ops[i].cpuMs),
      wallWithCasts: ratioOf(fp, bc, (w) => w.ops[i].wallMs), cpuWithCasts: ratioOf(fp, bc, (w) => w.ops[i].cpuMs) },
  }));
  const stepMed = (xs: Record<string, unknown>[]) => {
    const w = opsOf(xs);
    return w.length ? { wallMs: r2(median(w.map((x) => x.step.wallMs))), cpuMs: r2(median(w.map((x) => x.step.cpuMs))), opsPerStep: w[0].step.opsPerStep, gflop: w[0].step.gflop } : null;
  };
  const step = {
    fp32: stepMed(fp), bf16: stepMed(bf), bf16Cast: stepMed(bc),
    speedup: { wall: ratioOf(fp, bf, (w) => w.step.wallMs), cpu: ratioOf(fp, bf, (w) => w.step.cpuMs),
      wallWithCasts: ratioOf(fp, bc, (w) => w.step.wallMs), cpuWithCasts: ratioOf(fp, bc, (w) => w.step.cpuMs) },
  };
  let keras: Record<string, unknown> | null = null;
  const kf = per['keras-float32'] ?? [], km = per['keras-mixed_bfloat16'] ?? [];
  if (kf.length || km.length) {
    const g = (xs: Record<string, unknown>[], k: string) => r2(median(xs.filter(Boolean).map((x) => Number(x[k]))));
    const kr = (get: string) => {
      const rs: number[] = [];
      for (let r = 0; r < rounds; r++) if (kf[r] && km[r]) rs.push(Number(kf[r][get]) / Number(km[r][get]));
      return rs.length ? r2(median(rs)) : NaN;
    };
    keras = {
      float32: { wallMs: g(kf, 'msPerStep'), cpuMs: g(kf, 'cpuMsPerStep'), all: kf.filter(Boolean).map((x) => x.msPerStep), loss: kf.find(Boolean)?.loss },
      mixed_bfloat16: { wallMs: g(km, 'msPerStep'), cpuMs: g(km, 'cpuMsPerStep'), all: km.filter(Boolean).map((x) => x.msPerStep), loss: km.find(Boolean)?.loss },
      speedup: { wall: kr('msPerStep'), cpu: kr('cpuMsPerStep') },
    };
  }
  const cpu = os.cpus()[0]?.model ?? '?';
  let flags: string[] = [];
  try { flags = [...new Set(fs.readFileSync('/proc/cpuinfo', 'utf8').match(/\b(avx512_bf16|avx512_fp16|amx_[a-z0-9]+)\b/g) ?? [])].sort(); } catch { /* not Linux */ }
  const load = { min: r2(Math.min(...loads)), max: r2(Math.max(...loads)) };
  if (load.max > os.cpus().length) notes.push(`machine busy (load up to ${load.max} on ${os.cpus().length} cores): compare CPU ms and the per-round ratios.`);
  const out = { section: 'bf16', batch, iters, steps, rounds, machine: { cpu, cores: os.cpus().length, flags, onednnIsa, maxIsa: opts.maxIsa ?? null, load }, kernels, conv2dRelErrBf16, ops: rows, step, keras, notes };
  if (!opts.json) printTable(out);
  return out;
}

function printTable(out: {
  ops: { op: string; fp32: { wallMs: number; cpuMs: number }; bf16: { wallMs: number; cpuMs: number }; bf16Cast: { wallMs: number; cpuMs: number };
    speedup: { wall: number; cpu: number; wallWithCasts: number; cpuWithCasts: number } }[];
  step: { fp32: { wallMs: number; cpuMs: number; opsPerStep: number } | null; bf16: { wallMs: number; cpuMs: number } | null;
    bf16Cast: { wallMs: number; cpuMs: number; opsPerStep: number } | null; speedup: { wall: number; cpu: number; wallWithCasts: number; cpuWithCasts: number } };
  keras: Record<string, unknown> | null; kernels: unknown; machine: { cpu: string; flags: string[]; load: { min: number; max: number } }; notes: string[]; batch: number;
}) {
  const f = (x: number | undefined) => (x == null || Number.isNaN(x) ? '-' : x.toFixed(2));
  console.log(`\nbfloat16 vs float32, raw TF ops through the binding, DCGAN shapes, batch ${out.batch} (${out.machine.cpu}; ${out.machine.flags.join(' ')}; load ${out.machine.load.min}-${out.machine.load.max})`);
  console.log('ms per call, wall / CPU (medians over rounds); speedup = fp32 / bf16 (median of per-round ratios)');
  console.log(`${'op'.padEnd(78)} ${'fp32'.padStart(13)} ${'bf16'.padStart(13)} ${'bf16+cast'.padStart(13)} ${'x wall/cpu'.padStart(11)} ${'x w/cast'.padStart(11)}`);
  const cell = (v: { wallMs: number; cpuMs: number } | null) => (v ? `${f(v.wallMs)}/${f(v.cpuMs)}` : '-').padStart(13);
  for (const r of out.ops) {
    console.log(`${r.op.padEnd(78)} ${cell(r.fp32)} ${cell(r.bf16)} ${cell(r.bf16Cast)} ${`${f(r.speedup.wall)}/${f(r.speedup.cpu)}`.padStart(11)} ${`${f(r.speedup.wallWithCasts)}/${f(r.speedup.cpuWithCasts)}`.padStart(11)}`);
  }
  const s = out.step;
  console.log(`${`whole forward+backward (${s.fp32?.opsPerStep ?? '?'} ops; ${s.bf16Cast?.opsPerStep ?? '?'} with casts)`.padEnd(78)} ${cell(s.fp32)} ${cell(s.bf16)} ${cell(s.bf16Cast)} ${`${f(s.speedup.wall)}/${f(s.speedup.cpu)}`.padStart(11)} ${`${f(s.speedup.wallWithCasts)}/${f(s.speedup.cpuWithCasts)}`.padStart(11)}`);
  if (out.keras) {
    const k = out.keras as { float32: { wallMs: number; cpuMs: number }; mixed_bfloat16: { wallMs: number; cpuMs: number }; speedup: { wall: number; cpu: number } };
    console.log(`Keras DCGAN step: float32 ${f(k.float32.wallMs)} ms (${f(k.float32.cpuMs)} CPU-ms), mixed_bfloat16 ${f(k.mixed_bfloat16.wallMs)} ms (${f(k.mixed_bfloat16.cpuMs)} CPU-ms); speedup ${f(k.speedup.wall)} wall, ${f(k.speedup.cpu)} CPU`);
  }
  if (Array.isArray(out.kernels)) {
    console.log('kernels (bf16 registration; oneDNN implementation fp32 → bf16):');
    for (const k of out.kernels as { label: string; bf16: string; onednnFp32: string; onednnBf16: string }[]) {
      console.log(`  ${k.label}: ${k.bf16 === 'ok' ? 'ok' : `ERROR ${k.bf16}`}; ${k.onednnFp32} → ${k.onednnBf16}`);
    }
  }
  for (const n of out.notes) console.log(`note: ${n}`);
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const flag = (f: string) => argv.includes(f);
  const val = (f: string) => { const i = argv.indexOf(f); return i >= 0 ? Number(argv[i + 1]) : undefined; };
  if (flag('--worker')) {
    const i = argv.indexOf('--worker');
    worker(argv[i + 1] as Variant | 'check', Number(argv[i + 2]), Number(argv[i + 3]), Number(argv[i + 4]))
      .then((m) => console.log(JSON.stringify(m)))
      .catch((e) => { console.error(e); process.exit(1); });
  } else {
    run({ json: flag('--json'), batch: val('--batch'), iters: val('--iters'), steps: val('--steps'), rounds: val('--rounds'), withPython: flag('--with-python'),
      maxIsa: argv.includes('--max-isa') ? argv[argv.indexOf('--max-isa') + 1] : undefined })
      .then((r) => { if (flag('--json')) console.log(JSON.stringify(r)); })
      .catch((e) => { console.error(`bf16 bench failed: ${(e as Error).message}`); process.exit(1); });
  }
}
