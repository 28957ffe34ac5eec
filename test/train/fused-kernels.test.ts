import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../lib/backend';
import { fusedKernelsAvailable, nativeOps, setOpProfiler, type FusedActivation, type NativeBackend } from '../../lib/train/fast-ops';
import { Tape, type Val } from '../../lib/train/engine/tape';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { patchBindingSource, MARKER, SIGNAL_MARKER, FUNCTION_MARKER } = require('../../scripts/binding-patch.js') as { patchBindingSource(f: string): string; MARKER: string; SIGNAL_MARKER: string; FUNCTION_MARKER: string };

const root = path.resolve(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-fused-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const maxDiff = (a: Tensor, b: Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('the binding patch (npm run setup)', () => {
  it('the installed binding passes list-valued attributes: IdentityN with T = [float, int32]', () => {
    const be = tf.backend() as unknown as NativeBackend, B = be.binding;
    const a = tf.tensor1d([1.5, -2]), b = tf.tensor1d([7], 'int32');
    const [x, y] = be.executeMultipleOutputs('IdentityN', [{ name: 'T', type: B.TF_ATTR_TYPE, value: [B.TF_FLOAT, B.TF_INT32] }], [a, b], 2);
    expect([Array.from(x.dataSync()), Array.from(y.dataSync()), y.dtype]).toEqual([[1.5, -2], [7], 'int32']);
    tf.dispose([a, b, x, y]);
  });

  it('the installed binding holds signals while kernels run: TensorFlow\'s threads never take SIGINT', () => {
    const be = tf.backend() as unknown as { binding: { GANBOOK_SIGNALS_BLOCKED?: number } };
    expect(be.binding.GANBOOK_SIGNALS_BLOCKED).toBe(1);
    if (process.platform !== 'linux') return;
    tf.tidy(() => tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])).dataSync()); // the compute pool is up
    const threads = fs.readdirSync('/proc/self/task').map((id) => fs.readFileSync(`/proc/self/task/${id}/status`, 'utf8'))
      .map((st) => ({ name: /Name:\s*(.*)/.exec(st)![1], blocked: BigInt(`0x${/SigBlk:\s*([0-9a-f]+)/.exec(st)![1]}`) }));
    const tfThreads = threads.filter((t) => t.name.startsWith('tf_'));
    expect(tfThreads.length).toBeGreaterThan(0);
    const SIGINT_BIT = 1n << 1n; // signal 2
    expect(tfThreads.filter((t) => !(t.blocked & SIGINT_BIT)).map((t) => t.name)).toEqual([]);
  });

  it('patches a pristine source once, recognises its own patch, and names what it cannot find', () => {
    const dir = path.join(root, 'node_modules/@tensorflow/tfjs-node/binding');
    const installed = fs.readFileSync(path.join(dir, 'tfjs_backend.cc'), 'utf8');
    const installedExports = fs.readFileSync(path.join(dir, 'tfjs_binding.cc'), 'utf8');
    const installedHeader = fs.readFileSync(path.join(dir, 'tfjs_backend.h'), 'utf8');
    expect(installedHeader).toContain(FUNCTION_MARKER);
    expect(installed).toContain(MARKER);
    expect(installedExports).toContain(SIGNAL_MARKER);
    // Undo the patch's insertions to get tfjs-node's own source back.
    const unblock = (src: string) => src
      .replace(/\/\/ ganbook: function definitions\nvoid TFJSBackend::AddFunctionDef[\s\S]*?\n}\n\n(?=}  \/\/ namespace tfnodejs)/, '')
      .replace(/namespace tfnodejs \{\n\n\/\/ ganbook: signals[\s\S]*?\n\};\n/, 'namespace tfnodejs {\n')
      .replace(/ {2}\{\n {4}GanbookSignalBlock no_signals;[^\n]*\n( {4}.*\n) {2}\}\n/g, (_m, call: string) => call.slice(2))
      .replace('  GanbookSignalBlock no_signals;\n', '')
      .replace('#include <csignal>\n', '').replace('#ifndef _WIN32\n#include <pthread.h>\n#endif\n', '');
    const pristine = unblock(installed)
      .replace(/ {6}\/\/ ganbook: list\(string\)[\s\S]*?break;\n {6}}\n/, '')
      .replace(/ {6}\/\/ ganbook: list\(type\)[\s\S]*?break;\n {6}}\n/, '')
      .replace(/ {2}\/\/ ganbook: context config[\s\S]*?\n {6}return;\n {4}}\n {2}}\n/, '')
      .replace('#include <cstdlib>\n', '').replace('#include <cctype>\n', '');
    const pristineExports = installedExports.replace(/ {2}\/\/ ganbook: signals[^\n]*\n.*GANBOOK_SIGNALS_BLOCKED.*\n/, '')
      .replace(/\/\/ ganbook: function definitions\nstatic napi_value GanbookAddFunctionDef[\s\S]*?(?=static napi_value InitTFNodeJSBinding)/, '')
      .replace(/ {6}\{"ganbookAddFunctionDef"[^\n]*\n[^\n]*\n {6}\{"ganbookOpList"[^\n]*\n[^\n]*\n/, '');
    const pristineHeader = installedHeader.replace(/\n {2}\/\/ ganbook: function definitions[^\n]*\n {2}void AddFunctionDef[^\n]*\n/, '');
    expect(pristine).not.toContain('ganbook');
    expect(pristine).not.toContain('GanbookSignalBlock');
    expect(pristineExports).not.toContain('ganbook');
    expect(pristineHeader).not.toContain('ganbook');
    const file = path.join(tmp, 'tfjs_backend.cc'), exportsFile = path.join(tmp, 'tfjs_binding.cc'), headerFile = path.join(tmp, 'tfjs_backend.h');
    fs.writeFileSync(file, pristine);
    fs.writeFileSync(exportsFile, pristineExports);
    fs.writeFileSync(headerFile, pristineHeader);
    expect(patchBindingSource(file)).toBe('patched');
    expect(fs.readFileSync(file, 'utf8')).toBe(installed);
    expect(fs.readFileSync(exportsFile, 'utf8')).toBe(installedExports);
    expect(fs.readFileSync(headerFile, 'utf8')).toBe(installedHeader);
    expect(patchBindingSource(file)).toBe('already patched');
    // A source patched before functions existed gets only that part.
    fs.writeFileSync(file, installed.replace(/\/\/ ganbook: function definitions\nvoid TFJSBackend::AddFunctionDef[\s\S]*?\n}\n\n(?=}  \/\/ namespace tfnodejs)/, ''));
    fs.writeFileSync(exportsFile, installedExports.replace(/\/\/ ganbook: function definitions\nstatic napi_value GanbookAddFunctionDef[\s\S]*?(?=static napi_value InitTFNodeJSBinding)/, '')
      .replace(/ {6}\{"ganbookAddFunctionDef"[^\n]*\n[^\n]*\n {6}\{"ganbookOpList"[^\n]*\n[^\n]*\n/, ''));
    fs.writeFileSync(headerFile, pristineHeader);
    expect(patchBindingSource(file)).toBe('patched');
    expect(fs.readFileSync(file, 'utf8')).toBe(installed);
    expect(fs.readFileSync(exportsFile, 'utf8')).toBe(installedExports);
    expect(fs.readFileSync(headerFile, 'utf8')).toBe(installedHeader);
    // A source patched before signal blocking existed gets only that part.
    fs.writeFileSync(file, unblock(installed));
    fs.writeFileSync(exportsFile, pristineExports);
    fs.writeFileSync(headerFile, pristineHeader);
    expect(patchBindingSource(file)).toBe('patched');
    expect(fs.readFileSync(file, 'utf8')).toBe(installed);
    expect(fs.readFileSync(exportsFile, 'utf8')).toBe(installedExports);
    fs.writeFileSync(file, pristine.replace('  TFE_Execute(tfe_op.op,', '  TFE_ExecuteX(tfe_op.op,'));
    expect(() => patchBindingSource(file)).toThrow(/TFE_Execute is not where tfjs-node 4.x has it; cannot add signal blocking/);
    fs.writeFileSync(file, pristine.replace('case TF_ATTR_TYPE: {', 'case TF_ATTR_TYPE_X: {'));
    expect(() => patchBindingSource(file)).toThrow(/the type attribute case is not where tfjs-node 4.x has it/);
    fs.writeFileSync(file, pristine.replace('tfe_context_ = TFE_NewContext(', 'tfe_context_ = TFE_NewContextX('));
    expect(() => patchBindingSource(file)).toThrow(/the context creation is not where tfjs-node 4.x has it; cannot add the context config/);
    // A source patched before the context config existed gets that part and signal blocking.
    const listsOnly = unblock(installed).replace(/ {2}\/\/ ganbook: context config[\s\S]*?\n {6}return;\n {4}}\n {2}}\n/, '');
    fs.writeFileSync(file, listsOnly);
    fs.writeFileSync(headerFile, pristineHeader);
    expect(patchBindingSource(file)).toBe('patched');
    expect(fs.readFileSync(file, 'utf8')).toBe(installed);
  });
});

describe('fused conv + bias (+ activation) (_MklNativeFusedConv2D) and its filter + bias gradient', () => {
  const o = nativeOps();
  const acts: (FusedActivation | null)[] = [{ kind: 'leakyRelu', alpha: 0.2 }, { kind: 'relu', alpha: 0 }, null];
  const unfused = (x: Tensor, w: Tensor, b: Tensor, s: [number, number], p: string, a: FusedActivation | null) => {
    const z = o.biasAdd(o.conv2d(x, w, s, p), b);
    return !a ? z : a.kind === 'leakyRelu' ? o.leakyRelu(z, a.alpha) : o.relu(z);
  };

  it('runs here (the setup-built binding, the CPU build with oneDNN)', () => {
    expect(fusedKernelsAvailable()).toBe(true);
    expect(o.fusedConv2d).not.toBeNull();
    expect(o.conv2dBackpropFilterWithBias).not.toBeNull();
  });

  it('the filter gradient with the bias gradient: Conv2DBackpropFilter\'s and dy summed over N, H, W', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([4, 9, 9, 3], 0, 1, 'float32', 11);
      for (const s of [[1, 1], [2, 2]] as [number, number][]) for (const p of ['same', 'valid']) {
        const dy = tf.randomNormal(o.conv2d(x, tf.zeros([3, 3, 3, 5]), s, p).shape, 0, 1, 'float32', 12);
        const [dw, db] = o.conv2dBackpropFilterWithBias!(x, [3, 3, 3, 5], dy, s, p);
        expect(maxDiff(dw, o.conv2dBackpropFilter(x, [3, 3, 3, 5], dy, s, p)), `${s} ${p}`).toBeLessThan(1e-5);
        expect(maxDiff(db, tf.sum(dy, [0, 1, 2])), `${s} ${p}`).toBeLessThan(1e-4);
      }
    });
  });

  it('gives the unfused kernels\' numbers for each activation, stride and padding', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([4, 9, 9, 3], 0, 1, 'float32', 1), w = tf.randomNormal([3, 3, 3, 5], 0, 0.5, 'float32', 2);
      const b = tf.randomNormal([5], 0, 1, 'float32', 3);
      for (const a of acts) for (const s of [[1, 1], [2, 2]] as [number, number][]) for (const p of ['same', 'valid']) {
        const f = o.fusedConv2d!(x, w, b, s, p, a), u = unfused(x, w, b, s, p, a);
        expect(f.shape, `${a?.kind} ${s} ${p}`).toEqual(u.shape);
        expect(maxDiff(f, u), `${a?.kind} ${s} ${p}`).toBeLessThan(1e-5);
      }
    });
  });

  it('on the tape: first- and second-order gradients equal the unfused ops\' (a gradient penalty through it)', () => {
    tf.tidy(() => {
      const x0 = tf.randomNormal([3, 8, 8, 2], 0, 1, 'float32', 4), w0 = tf.randomNormal([4, 4, 2, 4], 0, 0.5, 'float32', 5);
      const b0 = tf.randomNormal([4], 0, 1, 'float32', 6), head = tf.randomNormal([3, 4, 4, 4], 0, 1, 'float32', 7);
      const run = (fusedOps: boolean, a: FusedActivation | null) => {
        const t = new Tape(fusedOps ? o : { ...o, fusedConv2d: null, conv2dBackpropFilterWithBias: null });
        const x = t.leaf(x0, true), w = t.leaf(w0, true), b = t.leaf(b0, true);
        const y = t.convBiasAct(x, w, b, [2, 2], 'same', a);
        const out = t.sum(t.mul(y, t.leaf(head)), [0, 1, 2, 3]);
        // WGAN-GP's shape: ‖∇x out‖² then its gradient w.r.t. the weights (double backward).
        const [gx] = t.grad(out, [x], { createGraph: true });
        const penalty = t.sum(t.square(gx), [0, 1, 2, 3]);
        const [gw, gb] = t.grad(penalty, [w, b]);
        const [fw, fb, fx] = t.grad(out, [w, b, x]);
        t.dispose();
        return [y, gx, gw, gb, fw, fb, fx].map((v: Val) => v.t);
      };
      for (const a of acts) {
        const f = run(true, a), u = run(false, a);
        f.forEach((v, i) => expect(maxDiff(v, u[i]) / Math.max(1, tf.max(tf.abs(u[i])).dataSync()[0]), `${a?.kind} #${i}`).toBeLessThan(1e-5));
      }
    });
  });
});

describe('NativeOps.matMul: MatMul for rank 2, a broadcast Mul for an outer product, BatchMatMulV2 batched', () => {
  const o = nativeOps();
  it('gives tfjs\' matMul numbers for every transpose, inner size 1 (bit for bit) and larger, and batched', () => {
    tf.tidy(() => {
      for (const [m, k, n] of [[5, 1, 7], [6, 3, 4]]) for (const ta of [false, true]) for (const tb of [false, true]) {
        const a = tf.randomNormal(ta ? [k, m] : [m, k], 0, 1, 'float32', 13), b = tf.randomNormal(tb ? [n, k] : [k, n], 0, 1, 'float32', 14);
        const ours = o.matMul(a, b, ta, tb), theirs = tf.matMul(a, b, ta, tb);
        expect(ours.shape, `${m}x${k}x${n} ${ta} ${tb}`).toEqual([m, n]);
        if (k === 1) expect(Array.from(ours.dataSync()), `${ta} ${tb}`).toEqual(Array.from(theirs.dataSync()));
        else expect(maxDiff(ours, theirs), `${ta} ${tb}`).toBeLessThan(1e-5);
      }
      const a3 = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 15), b3 = tf.randomNormal([2, 4, 5], 0, 1, 'float32', 16);
      expect(maxDiff(o.matMul(a3, b3), tf.matMul(a3, b3))).toBeLessThan(1e-5);
      // Which kernel runs: MatMul only because this binding holds signals (GANBOOK_SIGNALS_BLOCKED).
      const kernels: string[] = [];
      setOpProfiler((op) => kernels.push(op));
      try {
        o.matMul(tf.ones([4, 3]), tf.ones([3, 2])); o.matMul(tf.ones([4, 1]), tf.ones([1, 2])); o.matMul(a3, b3);
      } finally {
        setOpProfiler(null);
      }
      expect(kernels).toEqual(['MatMul', 'Mul', 'BatchMatMulV2']);
    });
  });
});
