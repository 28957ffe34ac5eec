import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, type LayersModel, type SymbolicTensor } from '../../lib/backend';

/**
 * A tiny generator (dense → reshape → conv2dTranspose → tanh), seeded, so tests need no
 * training: z [n, 8] (+ label [n, 1] for a conditional one) → [n, 8, 8, c] (or 28x28) in [-1, 1].
 */
export function tinyGenerator(opts: { conditional?: number; channels?: number; size?: 8 | 28 } = {}): LayersModel {
  const base = opts.size === 28 ? 7 : 4;
  const latentDim = 8;
  const init = (seed: number) => tf.initializers.randomNormal({ mean: 0, stddev: 0.5, seed });
  const z = tf.input({ shape: [latentDim], name: 'z' });
  const inputs: SymbolicTensor[] = [z];
  let x: SymbolicTensor = z;
  if (opts.conditional) {
    const label = tf.input({ shape: [1], name: 'label' });
    inputs.push(label);
    const e = tf.layers.flatten().apply(tf.layers.embedding({
      inputDim: opts.conditional, outputDim: 4, embeddingsInitializer: init(3),
    }).apply(label)) as SymbolicTensor;
    x = tf.layers.concatenate().apply([z, e]) as SymbolicTensor;
  }
  x = tf.layers.dense({ units: base * base * 8, kernelInitializer: init(1), biasInitializer: init(4) }).apply(x) as SymbolicTensor;
  x = tf.layers.reshape({ targetShape: [base, base, 8] }).apply(x) as SymbolicTensor;
  x = tf.layers.conv2dTranspose({
    filters: opts.channels ?? 1, kernelSize: 3, strides: opts.size === 28 ? 4 : 2, padding: 'same', activation: 'tanh', kernelInitializer: init(2),
  }).apply(x) as SymbolicTensor;
  return tf.model({ inputs, outputs: x });
}

export function tmpDir(prefix = 'ganbook-serve-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** `npm run serve` in a child process (see {@link startServeProcess}). */
export interface ServeProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** Its stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Starts `scripts/serve.ts --quiet <args>` (port 0 unless `args` names one); resolves once it prints its URL. */
export function startServeProcess(args: string[], timeoutMs = 60_000): Promise<ServeProcess> {
  const port = args.includes('--port') ? [] : ['--port', '0'];
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/serve.ts', '--quiet', ...port, ...args], {
    cwd: path.resolve(__dirname, '..', '..'), env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`serve printed no URL within ${timeoutMs} ms:\n${out}`)); }, timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /at (http:\/\/127\.0\.0\.1:(\d+))/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], port: Number(m[2]), output: () => out, exited });
      }
    });
    child.stderr!.on('data', (d: Buffer) => { out += d; });
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`serve exited ${code} before printing its URL:\n${out}`)); });
  });
}
