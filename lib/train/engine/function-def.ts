/**
 * A traced sequence of TensorFlow ops as one serialized `tensorflow.FunctionDef`, the form in
 * which Keras' `tf.function` hands a step to TensorFlow's graph executor (which runs independent
 * kernels side by side and dispatches each without a round trip to JavaScript). Used by
 * {@link ./compiled}. The protobuf wire format is written by hand (`lib/protobuf.ts`): the messages are
 * small and fixed (TensorFlow's `function.proto`, `op_def.proto`, `node_def.proto`, `attr_value.proto`).
 */
import type { Attr } from '../fast-ops';
import { ProtoWriter, readFields } from '../../protobuf';

/** Attribute kinds as tfjs-node's binding numbers them (`TF_ATTR_*` of TensorFlow's C API). */
export interface AttrKinds { TF_ATTR_STRING: number; TF_ATTR_INT: number; TF_ATTR_FLOAT: number; TF_ATTR_BOOL: number; TF_ATTR_TYPE: number; TF_ATTR_SHAPE: number }

/** Where a traced op's input comes from: output `out` of op `op`, or function argument `arg`. */
export type Source = { op: number; out: number } | { arg: number };

/** One op of a trace. */
export interface TracedNode { op: string; attrs: Attr[]; inputs: Source[] }

/** What a function body needs of an op's definition (`tensorflow.OpDef`). */
export interface OpSpec {
  /** Input arguments: name, the attribute that sets its type (`type_attr`), the one that makes it a list. */
  inputs: ArgSpec[];
  /** Output arguments: name, and the attribute that makes it a list (`number_attr` or `type_list_attr`). */
  outputs: ArgSpec[];
  stateful: boolean;
}
export interface ArgSpec { name: string; typeAttr: string; numberAttr: string; typeListAttr: string }

const utf8 = new TextDecoder();

/**
 * Reads TensorFlow's serialized `OpList` (`TF_GetAllOpList`) into what function bodies need:
 * each op's input and output arguments and whether it is stateful (`op_def.proto`: OpDef.name 1,
 * input_arg 2, output_arg 3, is_stateful 17; ArgDef.name 1, type_attr 4, number_attr 5, type_list_attr 6).
 */
export function readOpList(bytes: Uint8Array): Map<string, OpSpec> {
  const ops = new Map<string, OpSpec>();
  readFields(bytes, (f, w, v) => {
    if (f !== 1 || w !== 2) return;
    let name = '';
    const spec: OpSpec = { inputs: [], outputs: [], stateful: false };
    readFields(v as Uint8Array, (g, gw, gv) => {
      if (g === 1 && gw === 2) name = utf8.decode(gv as Uint8Array);
      else if ((g === 2 || g === 3) && gw === 2) {
        const arg: ArgSpec = { name: '', typeAttr: '', numberAttr: '', typeListAttr: '' };
        readFields(gv as Uint8Array, (h, hw, hv) => {
          if (hw !== 2) return;
          if (h === 1) arg.name = utf8.decode(hv as Uint8Array);
          else if (h === 4) arg.typeAttr = utf8.decode(hv as Uint8Array);
          else if (h === 5) arg.numberAttr = utf8.decode(hv as Uint8Array);
          else if (h === 6) arg.typeListAttr = utf8.decode(hv as Uint8Array);
        });
        (g === 2 ? spec.inputs : spec.outputs).push(arg);
      } else if (g === 17 && gw === 0) spec.stateful = gv === 1;
    });
    ops.set(name, spec);
  });
  return ops;
}

function shapeProto(shape: number[]): ProtoWriter {
  const s = new ProtoWriter();
  for (const d of shape) s.message(2, new ProtoWriter().int(1, d));
  return s;
}

/** An attribute in `AttrValue` form (attr_value.proto: list 1, s 2, i 3, f 4, b 5, type 6, shape 7). */
function attrValue(a: Attr, K: AttrKinds): ProtoWriter {
  const w = new ProtoWriter();
  const v = a.value as unknown;
  const isList = a.type === K.TF_ATTR_SHAPE ? Array.isArray(v) && Array.isArray((v as unknown[])[0]) : Array.isArray(v);
  const put = (m: ProtoWriter, x: unknown) => {
    if (a.type === K.TF_ATTR_STRING) m.string(2, x as string);
    else if (a.type === K.TF_ATTR_INT) m.int(3, x as number);
    else if (a.type === K.TF_ATTR_FLOAT) m.float(4, x as number);
    else if (a.type === K.TF_ATTR_BOOL) m.bool(5, x as boolean);
    else if (a.type === K.TF_ATTR_TYPE) m.int(6, x as number);
    else if (a.type === K.TF_ATTR_SHAPE) m.message(7, shapeProto(x as number[]));
    else throw new Error(`Attribute ${a.name}: kind ${a.type} cannot go into a function body`);
  };
  if (!isList) { put(w, v); return w; }
  const list = new ProtoWriter();
  for (const x of v as unknown[]) put(list, x);
  return w.message(1, list);
}

/** Which argument of `args` (and which element of it) the `index`-th tensor is, given the op's attributes. */
export function argAt(args: ArgSpec[], attrs: Attr[], index: number): [ArgSpec, number] | null {
  let rest = index;
  for (const arg of args) {
    let n = 1;
    if (arg.numberAttr) n = Number(attrs.find((a) => a.name === arg.numberAttr)?.value ?? 1);
    else if (arg.typeListAttr) n = ((attrs.find((a) => a.name === arg.typeListAttr)?.value as unknown[]) ?? []).length;
    if (rest < n) return [arg, rest];
    rest -= n;
  }
  return null;
}

/** The name by which a function body refers to output `out` of `node` (`node:arg:index`). */
function outputRef(k: number, node: TracedNode, out: number, spec: OpSpec): string {
  const at = argAt(spec.outputs, node.attrs, out);
  if (!at) throw new Error(`${node.op} has no output ${out}`);
  return `n${k}:${at[0].name}:${at[1]}`;
}

/**
 * Serializes a trace as a `FunctionDef` named `name`: arguments `a0…` of the given dtypes (TF
 * enum), one node per traced op, the given outputs `o0…`. Stateful ops (variable reads and
 * updates) keep their traced order through control edges, and run even when no output needs
 * them (`control_ret`), as `tf.function`'s automatic control dependencies do.
 *
 * @throws when an op is not registered in `ops` (the caller then runs the step eagerly).
 */
export function functionDef(name: string, trace: { args: number[]; nodes: TracedNode[]; outputs: { source: { op: number; out: number }; dtype: number }[] },
  ops: Map<string, OpSpec>, K: AttrKinds): Uint8Array {
  const specOf = (op: string) => {
    const s = ops.get(op);
    if (!s) throw new Error(`op ${op} is not registered with TensorFlow`);
    return s;
  };
  const ref = (s: Source) => ('arg' in s ? `a${s.arg}` : outputRef(s.op, trace.nodes[s.op], s.out, specOf(trace.nodes[s.op].op)));
  const sig = new ProtoWriter().string(1, name);
  trace.args.forEach((dtype, i) => sig.message(2, new ProtoWriter().string(1, `a${i}`).int(3, dtype)));
  trace.outputs.forEach((o, i) => sig.message(3, new ProtoWriter().string(1, `o${i}`).int(3, o.dtype)));
  const stateful = trace.nodes.map((n, k) => (specOf(n.op).stateful ? k : -1)).filter((k) => k >= 0);
  for (const k of stateful) sig.string(20, `c${k}`);
  sig.bool(17, stateful.length > 0);
  const fd = new ProtoWriter().message(1, sig);
  let previous = -1;
  trace.nodes.forEach((n, k) => {
    const node = new ProtoWriter().string(1, `n${k}`).string(2, n.op);
    for (const s of n.inputs) node.string(3, ref(s));
    if (specOf(n.op).stateful) {
      if (previous >= 0) node.string(3, `^n${previous}`);
      previous = k;
    }
    for (const a of n.attrs) node.entry(5, a.name, attrValue(a, K));
    fd.message(3, node);
  });
  trace.outputs.forEach((o, i) => fd.entry(4, `o${i}`, ref(o.source)));
  for (const k of stateful) fd.entry(6, `c${k}`, `n${k}`);
  return Uint8Array.from(fd.bytes);
}
