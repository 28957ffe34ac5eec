/**
 * `npm run train-classifier [-- mnist|fashion-mnist] [--epochs=N] [--no-shift] [--out=DIR] [--from=DIR --skip-phases=K]`: trains the small LeNet-style
 * classifiers behind ganbook's classifier-based metrics and writes, per dataset, into
 * `datasets/classifiers/<dataset>/`:
 *
 * - `model.json`, `weights.bin`: the Keras-format model (tf.loadLayersModel);
 * - `stats.json`: test accuracy, mean and covariance of the 64-d feature layer on the whole
 *   real test set, and the labels of a seeded 2,000-image test subsample;
 * - `features.bin`: float32 features of that subsample (for KID and precision/recall).
 *
 * Deterministic data order and initialisation (seeded); about 10-20 minutes on two cores.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf, type Tensor4D, type Tensor2D } from '../lib/backend';
import { loadDataset } from '../lib/data/load';
import { mulberry32 } from '../lib/data/random';
import { buildClassifier, CLASSIFIER_ROOT, FEATURE_DIM, type ClassifierDataset, type ClassifierStats } from '../lib/metrics/classifier';
import { featureStatistics } from '../lib/metrics/linalg';

interface Split { images: Tensor4D; labels: Int32Array }

const DATASETS: ClassifierDataset[] = ['mnist', 'fashion-mnist'];
/** Training phases: each a cosine decay from `lr` to 3% of it over `epochs` (a warm restart between phases). */
interface Phase { epochs: number; lr: number }
const RECIPE: Record<ClassifierDataset, { phases: Phase[]; shift: boolean; flip: boolean; filters: [number, number] }> = {
  mnist: { phases: [{ epochs: 8, lr: 1e-3 }], shift: true, flip: false, filters: [24, 48] },
  'fashion-mnist': { phases: [{ epochs: 12, lr: 1e-3 }, { epochs: 4, lr: 3e-4 }], shift: false, flip: true, filters: [24, 48] },
};
const SUBSAMPLE = 2000;
const BATCH = 128;

async function loadSplit(dataset: ClassifierDataset, split: 'train' | 'test'): Promise<Split> {
  const ds = await loadDataset(dataset, { split });
  return { images: ds.images.clone(), labels: ds.labels! };
}

function shuffled(n: number, rand: () => number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** Random per-image shifts of up to ±2 px (when `shift`) and horizontal flips (when `flip`). */
function augment(x: Tensor4D, rand: () => number, shift: boolean, flip: boolean): Tensor4D {
  return tf.tidy(() => {
    const n = x.shape[0];
    const padded = x.pad([[0, 0], [2, 2], [2, 2], [0, 0]]);
    const boxes: number[][] = [];
    for (let i = 0; i < n; i++) {
      const dy = shift ? Math.floor(rand() * 5) : 2, dx = shift ? Math.floor(rand() * 5) : 2;
      const mirrored = flip && rand() < 0.5;
      const x1 = dx / 31, x2 = (dx + 27) / 31;
      boxes.push([dy / 31, mirrored ? x2 : x1, (dy + 27) / 31, mirrored ? x1 : x2]);
    }
    return tf.image.cropAndResize(padded as Tensor4D, tf.tensor2d(boxes), tf.range(0, n, 1, 'int32') as never, [28, 28]) as Tensor4D;
  });
}

function accuracy(model: ReturnType<typeof buildClassifier>, data: Split): number {
  let correct = 0;
  const n = data.labels.length;
  for (let s = 0; s < n; s += 1000) {
    const m = Math.min(1000, n - s);
    const pred = tf.tidy(() => (model.predict(data.images.slice([s, 0, 0, 0], [m, 28, 28, 1])) as Tensor2D).argMax(-1).dataSync());
    for (let i = 0; i < m; i++) if (pred[i] === data.labels[s + i]) correct++;
  }
  return correct / n;
}

interface TrainArgs { epochs?: number; outDir?: string; noShift?: boolean; from?: string; skipPhases?: number; filters?: [number, number] }

async function train(dataset: ClassifierDataset, a: TrainArgs = {}): Promise<void> {
  const t0 = Date.now();
  const recipe = { ...RECIPE[dataset], ...(a.noShift ? { shift: false } : {}), ...(a.filters ? { filters: a.filters } : {}) };
  const phases = (a.epochs !== undefined ? [{ epochs: a.epochs, lr: 1e-3 }] : recipe.phases).slice(a.skipPhases ?? 0);
  const epochs = phases.reduce((acc, p) => acc + p.epochs, 0);
  const trainSet = await loadSplit(dataset, 'train');
  const testSet = await loadSplit(dataset, 'test');
  const n = trainSet.labels.length;
  // --from=DIR continues a saved classifier (e.g. with --skip-phases=1 after phase 1 was run).
  const model = a.from ? await tf.loadLayersModel(`file://${path.resolve(a.from, 'model.json')}`) : buildClassifier(10, 1, recipe.filters);
  const optimizer = tf.train.adam(1e-3);
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  console.log(`${dataset}: ${n} training images, ${model.countParams()} parameters, ${epochs} epochs`);
  const rand = mulberry32((dataset === 'mnist' ? 7 : 8) + 100 * (a.skipPhases ?? 0));
  const labelsT = tf.tensor1d(trainSet.labels, 'float32');
  const schedule = phases.flatMap((p) => Array.from({ length: p.epochs }, (_, e) => p.lr * (0.03 + 0.97 * 0.5 * (1 + Math.cos(Math.PI * e / p.epochs)))));
  for (let epoch = 0; epoch < epochs; epoch++) {
    (optimizer as unknown as { learningRate: number }).learningRate = schedule[epoch];
    const order = shuffled(n, rand);
    let lossSum = 0, batches = 0;
    for (let s = 0; s + BATCH <= n; s += BATCH) {
      const idx = tf.tensor1d(order.subarray(s, s + BATCH), 'int32');
      const xb = tf.tidy(() => augment(tf.gather(trainSet.images, idx) as Tensor4D, rand, recipe.shift, recipe.flip));
      const yb = tf.gather(labelsT, idx);
      const out = await model.trainOnBatch(xb, yb);
      lossSum += (Array.isArray(out) ? out[0] : out) as number;
      batches++;
      tf.dispose([idx, xb, yb]);
    }
    console.log(`  epoch ${epoch + 1}/${epochs}: loss ${(lossSum / batches).toFixed(4)}, test accuracy ${accuracy(model, testSet).toFixed(4)}, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const testAccuracy = accuracy(model, testSet);
  const dir = a.outDir ?? path.join(CLASSIFIER_ROOT, dataset);
  fs.mkdirSync(dir, { recursive: true });
  await model.save(`file://${dir}`);

  // Feature statistics of the whole real test set, and a seeded subsample's raw features.
  const featureModel = tf.model({ inputs: model.inputs, outputs: model.getLayer('features').output as never });
  const nt = testSet.labels.length;
  const feats = new Float32Array(nt * FEATURE_DIM);
  for (let s = 0; s < nt; s += 1000) {
    const m = Math.min(1000, nt - s);
    feats.set(tf.tidy(() => (featureModel.predict(testSet.images.slice([s, 0, 0, 0], [m, 28, 28, 1])) as Tensor2D).dataSync()), s * FEATURE_DIM);
  }
  const { mean, cov } = featureStatistics(feats, nt, FEATURE_DIM);
  const pick = shuffled(nt, mulberry32(2024)).subarray(0, SUBSAMPLE);
  const sub = new Float32Array(SUBSAMPLE * FEATURE_DIM);
  pick.forEach((row, i) => sub.set(feats.subarray(row * FEATURE_DIM, (row + 1) * FEATURE_DIM), i * FEATURE_DIM));
  const stats: ClassifierStats = {
    dataset, testAccuracy, params: model.countParams(), featureDim: FEATURE_DIM, n: nt,
    mean: Array.from(mean, (v) => +v.toPrecision(9)), cov: Array.from(cov, (v) => +v.toPrecision(9)),
    subsample: SUBSAMPLE, subsampleLabels: Array.from(pick, (row) => testSet.labels[row]),
  };
  fs.writeFileSync(path.join(dir, 'stats.json'), JSON.stringify(stats) + '\n');
  fs.writeFileSync(path.join(dir, 'features.bin'), Buffer.from(sub.buffer));
  console.log(`${dataset}: test accuracy ${testAccuracy.toFixed(4)}; wrote ${dir} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  tf.dispose([trainSet.images, testSet.images, labelsT]);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const epochsArg = args.find((a) => a.startsWith('--epochs='));
  const epochs = epochsArg ? Number(epochsArg.split('=')[1]) : undefined;
  const outArg = args.find((a) => a.startsWith('--out='));
  const noShift = args.includes('--no-shift');
  const fromArg = args.find((a) => a.startsWith('--from='));
  const skipArg = args.find((a) => a.startsWith('--skip-phases='));
  const named = args.filter((a) => !a.startsWith('--')) as ClassifierDataset[];
  for (const d of named) {
    if (!DATASETS.includes(d)) throw new Error(`Unknown dataset "${d}"; expected mnist or fashion-mnist.`);
  }
  for (const d of named.length ? named : DATASETS) await train(d, {
    epochs, outDir: outArg?.slice('--out='.length), noShift, from: fromArg?.slice('--from='.length), skipPhases: skipArg ? Number(skipArg.split('=')[1]) : 0,
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
