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
