/**
 * Compiled steps: a training step's TensorFlow kernels run as one TensorFlow function, as
 * Keras' `tf.function` runs them, instead of one eager call from JavaScript per kernel.
 *
 * How: the step's JavaScript runs every time, but below tfjs-node's backend, at its binding.
 * - **Trace** (the first step): a dry run. Every op (`executeOp`) is recorded with where its
 *   inputs come from: an earlier op's output, or a tensor from outside the step (a resource
 *   variable, a batch, noise, a scalar written this step); it runs for its shapes, except ops that
 *   only write state (variable assignments, optimizer updates). The record becomes a `FunctionDef`
 *   (`./function-def`), registered with the eager context, and the function then does the step's
 *   real work on the recorded arguments; the tensors the step kept point at its outputs.
 * - **Replay** (the steps after): each op the step issues is checked against the trace (name,
 *   attributes, where each input comes from; outside tensors by dtype and shape, and by value
 *   where a small integer tensor may set a shape) and answered
 *   with a placeholder of the traced shape, without running it; tensors written this step are
 *   real and become the function's arguments. When the step returns, the function runs once on
 *   this step's arguments and the placeholders that the step kept (losses, new weights) are bound
 *   to its outputs.
 * - **Fallback**: anything the trace does not cover (a different op, a value read mid-step, a
 *   kept tensor the function does not return, an error) runs the ops issued so far eagerly (with
 *   any writes a dry run skipped), binds the placeholders, and finishes the step eagerly; the
 *   next step traces again. After {@link MAX_RETRACES} traces that did not replay, the step stays
 *   eager and says why, once.
 *
 * So every step computes what the eager step computes (the same kernels on the same arguments);
 * TensorFlow's graph rewrite may fuse them differently, which changes the last bits. Function
 * execution is deterministic: compiled runs repeat, and resume, bit for bit.
 * Needs the binding patch of `npm run setup` (`ganbookAddFunctionDef`, `ganbookOpList`).
 */
import { backendInfo, tf } from '../../backend';
import type { Attr } from '../fast-ops';
import { argAt, functionDef, readOpList, type OpSpec, type Source, type TracedNode } from './function-def';

/** Traces that may fail to replay before a step stays eager. */
export const MAX_RETRACES = 3;
/**
 * Kernels a step may run and still be compiled. The engine's steps run ~100-1,200; a step far
 * beyond (tfjs autodiff through an op whose gradient loops per element: 200,000 kernels for a
 * WGAN-GP step) would make a function too large to build quickly.
 */
export const MAX_TRACE_OPS = 20_000;

interface OutputMeta { id: number; shape: number[]; dtype: number }
interface RawBinding {
  executeOp(name: string, attrs: Attr[], ids: number[], n: number): OutputMeta[];
  createTensor(shape: number[], dtype: unknown, values: unknown): number;
  deleteTensor(id: number): void;
  tensorDataSync(id: number): unknown;
  ganbookAddFunctionDef?(bytes: Uint8Array): void;
  ganbookOpList?(): Uint8Array;
  TF_ATTR_STRING: number; TF_ATTR_INT: number; TF_ATTR_FLOAT: number; TF_ATTR_BOOL: number; TF_ATTR_TYPE: number; TF_ATTR_SHAPE: number;
  TF_FLOAT: number; TF_INT32: number; TF_BOOL: number; TF_STRING: number;
}
interface TensorInfo { id: number; shape: number[]; dtype: unknown; values?: unknown; refCount: number }
interface Backend { binding: RawBinding; tensorMap: { set(dataId: object, info: TensorInfo): void; get(dataId: object): TensorInfo | undefined; has(dataId: object): boolean } }

/** dtype, shape and (for small integer tensors, which may hold shapes: `Fill`'s dims, `Reshape`'s shape) values. */
interface Meta { shape: number[]; dtype: number; values?: number[] }
/** Integer tensors up to this size keep their values, to compare shape-setting inputs between trace and replay. */
const SHAPE_LIKE = 64;
/**
 * Type attributes of integer inputs that carry data (gather indices, labels, elementwise operands);
 * any other integer input (`Reshape`'s shape, `Fill`'s dims, a reduction's axes, a backprop's
 * input sizes) may set an output's shape, so a replay must see the traced values there.
 */
const DATA_TYPE_ATTRS = new Set(['T', 'SrcT', 'Tindices', 'TI', 'Tlabels', 'Tparams', 'dtype']);
interface TraceOp extends TracedNode { key: string; outputs: Meta[] }
interface Trace { ops: TraceOp[]; args: Meta[]; outputs: { op: number; out: number }[]; fn: string }

/** What a step did: compiled (replayed as one function), eager, traced. */
export interface CompileStats { replayed: number; traced: number; eager: number; fallbacks: number; lastFallback: string | null; disabled: string | null }

const VIRTUAL_BASE = -1e9; // placeholder ids: far below tfjs-node's own -1 ("values not written yet")

/** The binding interceptor, one per backend; routes ops to the active {@link CompiledStep}. */
class Interceptor {
  active: CompiledStep | null = null;
  readonly meta = new Map<number, Meta>();
  readonly opSpecs: Map<string, OpSpec>;
  readonly raw: RawBinding;
  readonly be: Backend;
  /** Ids produced while a step is active → [dataId, info] as the backend registered them. */
  readonly registered = new Map<number, [object, TensorInfo]>();

  constructor(be: Backend) {
    this.be = be;
    const raw = be.binding;
    this.raw = raw;
    this.opSpecs = readOpList(raw.ganbookOpList!());
    const dtypes: Record<string, number> = { float32: raw.TF_FLOAT, int32: raw.TF_INT32, bool: raw.TF_BOOL, string: raw.TF_STRING };
    const self = this;
    const proxy = Object.create(raw) as RawBinding;
    const define = (name: string, value: unknown) => Object.defineProperty(proxy, name, { value, writable: true, configurable: true });
    define('executeOp', (name: string, attrs: Attr[], ids: number[], n: number) => {
      const s = self.active;
      if (s) return s.executeOp(name, attrs, ids, n);
      return self.record(raw.executeOp(name, attrs, ids, n));
    });
    define('createTensor', (shape: number[], dtype: unknown, values: unknown) => {
      const id = raw.createTensor(shape, dtype, values);
      const m: Meta = { shape: [...shape], dtype: typeof dtype === 'number' ? dtype : dtypes[String(dtype)] };
      if (values != null && isIntegerType(m.dtype, raw) && size(shape) <= SHAPE_LIKE) m.values = Array.from(values as ArrayLike<number>, Number);
      self.meta.set(id, m);
      return id;
    });
    define('deleteTensor', (id: number) => {
      const s = self.active;
      if (s && s.deferDelete(id)) return;
      self.meta.delete(id);
      raw.deleteTensor(id);
    });
    define('tensorDataSync', (id: number) => {
      const s = self.active;
      return raw.tensorDataSync(s ? s.readDuringStep(id) : id);
    });
    Object.defineProperty(be, 'binding', { value: proxy, writable: true, configurable: true });
    const map = be.tensorMap, set = map.set.bind(map);
    map.set = (dataId: object, info: TensorInfo) => {
      if (self.active && typeof info?.id === 'number') self.registered.set(info.id, [dataId, info]);
      set(dataId, info);
    };
  }

  /** dtype and shape of a binding tensor; for one made before the interceptor, asked of TensorFlow (`Identity` infers its type). */
  metaOf(id: number): Meta {
    let m = this.meta.get(id);
    if (!m) {
      const [o] = this.raw.executeOp('Identity', [], [id], 1);
      m = { shape: o.shape, dtype: o.dtype };
      this.raw.deleteTensor(o.id);
      this.meta.set(id, m);
    }
    // A small integer tensor an op produced (not written from JavaScript): its values, once.
    if (!m.values && isIntegerType(m.dtype, this.raw) && size(m.shape) <= SHAPE_LIKE) {
      m.values = Array.from(this.raw.tensorDataSync(id) as ArrayLike<number>, Number);
    }
    return m;
  }

  record(out: OutputMeta[]): OutputMeta[] {
    for (const m of out) this.meta.set(m.id, { shape: m.shape, dtype: m.dtype });
    return out;
  }
}

const interceptors = new WeakMap<object, Interceptor>();

/**
 * Whether the binding can register functions (`npm run setup`'s patch) on the native CPU backend
 * (tfjs-node; tfjs-node-gpu is not verified with compiled steps, so they stay off there).
 *
 * @example
 * ```ts
 * compiledStepsAvailable(); // true after `npm run setup` on tfjs-node; false on WebGPU or the cpu backend
 * ```
 */
export function compiledStepsAvailable(): boolean {
  try {
    if (tf.getBackend() !== 'tensorflow' || backendInfo().package.endsWith('-gpu')) return false;
    const b = (tf.backend() as unknown as Backend).binding;
    return typeof b?.ganbookAddFunctionDef === 'function' && typeof b?.ganbookOpList === 'function';
  } catch {
    return false;
  }
}

function interceptor(): Interceptor {
  const be = tf.backend() as unknown as Backend;
  let i = interceptors.get(be);
  if (!i) { i = new Interceptor(be); interceptors.set(be, i); }
  return i;
}

let functionCount = 0;

/**
 * Runs one step function compiled (see the module comment). `run(fn)` calls `fn` (the step's
 * JavaScript, synchronous) each time; what it returns is returned as is, with real tensors.
 *
 * @example
 * ```ts
 * const compiled = new CompiledStep();
 * const { dLoss } = compiled.run(() => step.run(ctx)); // traced, then replayed
 * ```
 */
export class CompiledStep {
  readonly stats: CompileStats = { replayed: 0, traced: 0, eager: 0, fallbacks: 0, lastFallback: null, disabled: null };
  private readonly ic: Interceptor;
  private trace: Trace | null = null;
  private mode: 'eager' | 'trace' | 'replay' = 'eager';
  private failedTraces = 0;
  // this step: its ops (the trace being recorded, or the replayed trace), what it issued so far
  private ops: TraceOp[] = [];
  private issued: { k: number; ids: number[] }[] = [];
  private stepArgs: number[] = [];
  private argOf = new Map<number, number>();
  private argMeta: (Meta & { checked?: boolean })[] = [];
  /** Ids produced this step (dry-run tensors while tracing, placeholders while replaying) → their op output. */
  private sourceOf = new Map<number, { op: number; out: number }>();
  private idOf = new Map<string, number>();
  private deferred: number[] = [];
  private nextVirtual = VIRTUAL_BASE;
  /** Called once with the reason when the step stays eager for good. */
  onDisabled: ((reason: string) => void) | null = null;

  constructor() {
    this.ic = interceptor();
  }

  /**
   * Forgets the trace (and a previous "stays eager"): the next step is traced afresh, e.g. after
   * the step function was replaced. The counts go on.
   */
  retrace(): void {
    this.trace = null;
    this.failedTraces = 0;
    this.stats.disabled = null;
  }

  run<T>(fn: () => T): T {
    if (this.stats.disabled || this.ic.active) { this.stats.eager++; return fn(); }
    this.mode = this.trace ? 'replay' : 'trace';
    this.ops = this.trace ? this.trace.ops : [];
    this.ic.active = this;
    let result: T;
    try {
      result = fn();
    } catch (e) {
      try { this.fallBack('an error in the step'); } catch { /* the step's own error is the one to report */ }
      this.endStep();
      throw e;
    }
    try {
      if (this.mode === 'trace') this.finishTrace(); else if (this.mode === 'replay') this.finishReplay(); else this.stats.eager++;
    } finally {
      this.endStep();
    }
    return result;
  }

  /** The op entry point while this step is active. */
  executeOp(name: string, attrs: Attr[], ids: number[], n: number): OutputMeta[] {
    const raw = this.ic.raw;
    if (this.mode === 'eager') return this.ic.record(raw.executeOp(name, attrs, ids.map((id) => this.real(id)), n));
    const k = this.issued.length;
    if (this.mode === 'trace' && k >= MAX_TRACE_OPS) {
      this.fallBack(`the step runs more than ${MAX_TRACE_OPS} kernels`);
      this.disable(`the step runs more than ${MAX_TRACE_OPS} kernels, too many for one function`);
      return this.ic.record(raw.executeOp(name, attrs, ids.map((id) => this.real(id)), n));
    }
    if (this.mode === 'trace') {
      // A dry run: ops run for their shapes, but not those that only write state (variable
      // assignments, optimizer updates): the function does the step's real work once it is built.
      const spec = this.ic.opSpecs.get(name);
      const inputs: Source[] = ids.map((id) => this.sourceOf.get(id) ?? { arg: this.argFor(id) });
      inputs.forEach((src, j) => {
        if (!('arg' in src)) return;
        const m = this.argMeta[src.arg];
        if (!isIntegerType(m.dtype, raw) || m.checked) return;
        const at = spec ? argAt(spec.inputs, attrs, j) : null;
        if (!at || !DATA_TYPE_ATTRS.has(at[0].typeAttr)) m.checked = true;
      });
      const writesOnly = n === 0 && !!spec?.stateful;
      const out = writesOnly ? [] : this.ic.record(raw.executeOp(name, attrs, ids, n));
      this.ops.push({ op: name, attrs, key: attrKey(attrs), inputs, outputs: out.map((m) => ({ shape: m.shape, dtype: m.dtype })) });
      this.issued.push({ k, ids: [...ids] });
      out.forEach((m, j) => { this.sourceOf.set(m.id, { op: k, out: j }); this.idOf.set(`${k}:${j}`, m.id); });
      return out;
    }
    const why = this.mismatch(this.ops[k], name, attrs, ids, n);
    if (why) {
      this.fallBack(why);
      return this.ic.record(raw.executeOp(name, attrs, ids.map((id) => this.real(id)), n));
    }
    this.issued.push({ k, ids: [...ids] });
    return this.ops[k].outputs.map((m, j) => {
      const id = --this.nextVirtual;
      this.sourceOf.set(id, { op: k, out: j });
      this.idOf.set(`${k}:${j}`, id);
      return { id, shape: m.shape, dtype: m.dtype };
    });
  }

  /** While a step is traced or replayed, tensors it deletes are kept until the function has run (they may be its arguments). */
  deferDelete(id: number): boolean {
    if (this.mode === 'eager') return false;
    this.deferred.push(id);
    return true;
  }

  /** A value read mid-step: the step so far runs eagerly, the rest too. Returns `id`'s real tensor. */
  readDuringStep(id: number): number {
    if (this.mode !== 'eager') this.fallBack('a value read during the step');
    return this.real(id);
  }

  // ----------------------------------------------------------------------- internals

  /**
   * Runs the ops issued so far eagerly (with the writes a dry run skipped), points the step's
   * tensors at the results, and continues the step eagerly; the next step traces again.
   */
  private fallBack(reason: string): void {
    if (this.mode === 'eager') return;
    this.stats.fallbacks++;
    this.stats.lastFallback = reason;
    const raw = this.ic.raw, results = new Map<string, number>();
    const real = (id: number) => {
      const s = this.sourceOf.get(id);
      return s ? results.get(`${s.op}:${s.out}`)! : id;
    };
    for (const is of this.issued) {
      const t = this.ops[is.k];
      const out = this.ic.record(raw.executeOp(t.op, t.attrs, is.ids.map(real), t.outputs.length));
      out.forEach((m, j) => results.set(`${is.k}:${j}`, m.id));
    }
    this.bind(results);
    if (this.mode === 'replay') this.trace = null;
    this.failedTraces++;
    this.mode = 'eager';
  }

  /**
   * The tensor an input id names once the step runs eagerly: the op that made a replay fall back
   * was issued with placeholder ids, which `fallBack` has just pointed at real tensors.
   */
  private real(id: number): number {
    if (id > VIRTUAL_BASE) return id;
    const p = this.ic.registered.get(id);
    if (p && p[1].id > VIRTUAL_BASE) return p[1].id;
    throw new Error(`compiled step: placeholder ${id} has no value (a ganbook bug: please report it)`);
  }

  private argFor(id: number): number {
    let a = this.argOf.get(id);
    if (a === undefined) {
      a = this.stepArgs.length;
      this.argOf.set(id, a);
      this.stepArgs.push(id);
      const m = this.ic.metaOf(id);
      this.argMeta.push({ shape: m.shape, dtype: m.dtype, values: m.values });
    }
    return a;
  }

  private mismatch(t: TraceOp | undefined, name: string, attrs: Attr[], ids: number[], n: number): string | null {
    if (!t) return `op ${name} beyond the traced step's ${this.ops.length}`;
    if (t.op !== name || t.outputs.length !== n) return `op ${name} where the trace has ${t.op}`;
    if (ids.length !== t.inputs.length) return `${name} with ${ids.length} inputs, traced with ${t.inputs.length}`;
    for (let j = 0; j < ids.length; j++) {
      const id = ids[j], s = t.inputs[j];
      const v = this.sourceOf.get(id);
      if (v) {
        if ('arg' in s || v.op !== s.op || v.out !== s.out) return `${name}'s input ${j} comes from elsewhere than in the trace`;
      } else {
        if (!('arg' in s)) return `${name}'s input ${j} comes from outside the step, traced from op ${s.op}`;
        let a = this.argOf.get(id);
        if (a === undefined) {
          if (s.arg !== this.stepArgs.length) return `${name}'s input ${j} is a different outside tensor than traced`;
          const m = this.ic.metaOf(id), tm = this.trace!.args[s.arg];
          if (m.dtype !== tm.dtype || !sameShape(m.shape, tm.shape)) return `${name}'s input ${j} has shape [${m.shape}], traced [${tm.shape}]`;
          if (tm.values && !(m.values && sameShape(m.values, tm.values))) return `${name}'s input ${j} holds [${m.values}], traced [${tm.values}]`;
          a = this.argFor(id);
        }
        if (a !== s.arg) return `${name}'s input ${j} is a different outside tensor than traced`;
      }
    }
    if (attrKey(attrs) !== t.key) return `${name} with other attributes than traced`;
    return null;
  }

  private endStep(): void {
    this.ic.active = null;
    const raw = this.ic.raw;
    for (const id of this.deferred) { this.ic.meta.delete(id); raw.deleteTensor(id); }
    this.deferred = []; this.issued = []; this.stepArgs = []; this.argOf.clear(); this.argMeta = [];
    this.sourceOf.clear(); this.idOf.clear(); this.ic.registered.clear();
    if (this.failedTraces >= MAX_RETRACES) this.disable(`the step did not replay after ${MAX_RETRACES} traces (last: ${this.stats.lastFallback})`);
  }

  private disable(reason: string): void {
    if (this.stats.disabled) return;
    this.stats.disabled = reason;
    this.onDisabled?.(reason);
  }

  /** After the dry run: the function of what it ran, its outputs the tensors the step kept; then the function does the step. */
  private finishTrace(): void {
    const outputs: { op: number; out: number }[] = [];
    for (const [id, src] of this.sourceOf) if (this.kept(id)) outputs.push(src);
    outputs.sort((a, b) => a.op - b.op || a.out - b.out);
    const name = `ganbook_step_${process.pid}_${++functionCount}`;
    try {
      const bytes = functionDef(name, {
        args: this.argMeta.map((a) => a.dtype), nodes: this.ops,
        outputs: outputs.map((s) => ({ source: s, dtype: this.ops[s.op].outputs[s.out].dtype })),
      }, this.ic.opSpecs, this.ic.raw);
      this.ic.raw.ganbookAddFunctionDef!(bytes);
    } catch (e) {
      this.failedTraces = MAX_RETRACES - 1;
      this.fallBack(`the trace could not become a function: ${(e as Error).message.split('\n')[0]}`);
      return;
    }
    this.trace = { ops: this.ops, args: this.argMeta.map((m) => (m.checked ? m : { shape: m.shape, dtype: m.dtype })), outputs, fn: name };
    if (this.callFunction()) this.stats.traced++;
  }

  /** After a replayed step: the function does the step. */
  private finishReplay(): void {
    const tr = this.trace!;
    if (this.issued.length !== tr.ops.length) { this.fallBack(`the step issued ${this.issued.length} of the traced ${tr.ops.length} ops`); return; }
    const outs = new Set(tr.outputs.map((s) => `${s.op}:${s.out}`));
    for (const [id, src] of this.sourceOf) {
      if (this.kept(id) && !outs.has(`${src.op}:${src.out}`)) { this.fallBack('the step kept a tensor that the trace did not'); return; }
    }
    if (this.callFunction()) { this.stats.replayed++; this.failedTraces = 0; }
  }

  /** Runs the function on this step's arguments and binds its outputs; on failure the step runs eagerly (and says where). */
  private callFunction(): boolean {
    const tr = this.trace!;
    let out: OutputMeta[];
    try {
      out = this.ic.record(this.ic.raw.executeOp(tr.fn, [], this.stepArgs, tr.outputs.length));
    } catch (e) {
      this.trace = null;
      this.fallBack(`the function failed (${(e as Error).message.split('\n')[0]})`);
      return false;
    }
    const results = new Map<string, number>();
    tr.outputs.forEach((s, i) => results.set(`${s.op}:${s.out}`, out[i].id));
    this.bind(results);
    this.mode = 'eager';
    return true;
  }

  private kept(id: number): boolean {
    const p = this.ic.registered.get(id);
    return !!p && p[1].id === id && this.ic.be.tensorMap.has(p[0]) && this.ic.be.tensorMap.get(p[0]) === p[1];
  }

  /**
   * Points the tensors the step kept at `results` (op output → real id); deletes results nobody
   * kept. The dry run's own tensors are deleted with the step's deferred deletions.
   */
  private bind(results: Map<string, number>): void {
    const raw = this.ic.raw;
    for (const [key, rid] of results) {
      const id = this.idOf.get(key);
      if (id !== undefined && this.kept(id)) {
        this.ic.registered.get(id)![1].id = rid;
        if (id > VIRTUAL_BASE) this.deferred.push(id); // the dry run's tensor
      } else {
        this.ic.meta.delete(rid);
        raw.deleteTensor(rid);
      }
    }
  }
}

function attrKey(attrs: Attr[]): string {
  return JSON.stringify(attrs);
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function isIntegerType(dtype: number, b: { TF_INT32: number }): boolean {
  return dtype === b.TF_INT32 || dtype === 9; // 9: DT_INT64
}

function sameShape(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
