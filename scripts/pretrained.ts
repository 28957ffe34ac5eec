/**
 * `npm run pretrained -- --run runs/<name> --name mnist-dcgan [--quantize float16] [--n 2000]`
 *
 * Turns a finished run of the project's notebooks into a shipped generator, `pretrained/<name>/`:
 * the latest checkpoint's generator (EMA weights when the run kept them) exported float16 (or
 * uint8 / none), the quality cost of each storage measured on the same seeded samples (the
 * classifier's recognizable share at ≥ 0.9 confidence, beside the share real test images reach),
 * and a MODEL_CARD.md with data, recipe, steps, compute cost and licence. Reproducing the shipped
 * ones: run the notebook, then this on its run folder (`--quantize uint8`) —
 * `mnist-dcgan`: notebook 03 (strong recipe, `runs/dcgan-strong-mnist-*`); `fashion-dcgan`:
 * notebook 09 (`runs/dcgan-sn-fashion-*`); `mnist-conditional`: notebook 04 (`runs/eval-cdcgan-*`);
 * `fashion-conditional`: notebook 09 (`runs/cdcgan-sn-fashion-*`); `emoji-conditional`: notebook 08
 * (`runs/emoji-cdcgan-*`); `emoji64-conditional`: notebook 10 (`runs/emoji64-cdcgan-*`).
 *
 * Emoji generators are scored as notebooks 08 and 10 score them: the emoji classifier is right on
 * only ~60% of real held-out emoji, so instead of a recognizable share at ≥ 0.9 confidence the card
 * gives the share of samples in the requested category (every category asked for equally) beside
 * the classifier's balanced accuracy on real held-out emoji (the ceiling), and the Fréchet
 * classifier distance at the training data's category mix beside real training images'.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf } from '../lib/backend';
import { loadDataset } from '../lib/data/load';
import { classAccuracy, classify, loadClassifier, type ClassifierDataset } from '../lib/metrics/classifier';
import { evaluateGenerator } from '../lib/metrics/evaluate';
import { confidentShare, recognizableShare } from '../lib/metrics/recognizable';
import { exportGenerator, loadExport } from '../lib/serve/export';
import { latestCheckpoint } from '../lib/train/checkpoint';
import { generatorFromCheckpoint } from '../lib/train/export';

const root = path.resolve(__dirname, '..');
const LICENCES: Record<string, string> = {
  mnist: 'MNIST (Yann LeCun, Corinna Cortes, Christopher J.C. Burges), Creative Commons Attribution-Share Alike 3.0',
  'fashion-mnist': 'Fashion-MNIST (Zalando Research), MIT licence',
  emoji: 'Emoji images of the npm packages emoji-datasource-google (Noto Emoji, Google, Apache-2.0) and '
    + 'emoji-datasource-twitter (Twemoji, Twitter, CC-BY 4.0; attribution in datasets/README.md), with their emoji.json categories',
};

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`Expected --${name}; see the header of scripts/pretrained.ts.`);
  return v;
}

/**
 * What real test images reach — the ceiling for generated ones: the share the classifier
 * recognizes at ≥ threshold, and per class the share it assigns to the true class.
 */
async function realCeiling(dataset: ClassifierDataset, n: number, size: number, threshold = 0.9): Promise<{ share: number; perClass: number[]; classNames: string[] }> {
  const clf = await loadClassifier(dataset);
  // emoji: every held-out emoji once per style (no skin-tone variants), as notebooks 08 and 10
  const data = dataset === 'emoji' ? await loadDataset('emoji', { split: 'test', size, skinTones: false })
    : await loadDataset(dataset, { split: 'test', limit: n });
  const images = data.gather(Array.from({ length: data.size }, (_, i) => i), '[0,1]');
  const { probs, numClasses } = classify(clf, images);
  images.dispose();
  return { share: confidentShare(probs, numClasses, threshold).share, perClass: classAccuracy(probs, data.labels!, numClasses), classNames: data.classNames };
}

/** Training images per emoji category (the data's category mix), for `labelWeights`. */
async function categoryCounts(numClasses: number): Promise<number[]> {
  const data = await loadDataset('emoji', { size: 32 });
  const counts = Array.from({ length: numClasses }, (_, k) => data.labels!.filter((l) => l === k).length);
  data.dispose();
  return counts;
}

async function main(): Promise<void> {
  const runDir = path.resolve(arg('run'));
  const name = arg('name');
  const quantize = arg('quantize', 'float16') as 'none' | 'float16' | 'uint8';
  const n = Number(arg('n', '2000'));
  const cfg = JSON.parse(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8'));
  const summary = fs.existsSync(path.join(runDir, 'summary.json')) ? JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')) : {};
  const dataset = (summary.dataset ?? 'mnist') as string;
  const clfSet: ClassifierDataset = dataset.startsWith('emoji') ? 'emoji' : dataset.startsWith('fashion') ? 'fashion-mnist' : 'mnist';
  const ckpt = latestCheckpoint(path.join(runDir, 'checkpoints'));
  if (!ckpt) throw new Error(`Expected checkpoints in ${runDir}/checkpoints; got none.`);
  const { generator, config, step, ema } = generatorFromCheckpoint(ckpt);
  console.log(`${path.relative(root, ckpt)}: step ${step}, ${ema ? 'EMA' : 'raw'} generator weights`);

  const numClasses = config.conditional?.numClasses ?? 0;
  const emoji = clfSet === 'emoji';
  const real = await realCeiling(clfSet, n, config.imageShape[0]);
  // emoji: the classifier's accuracy on real held-out emoji averaged over the categories (as the
  // samples are asked for); the others: the recognizable share of real test images
  const finite = real.perClass.filter(Number.isFinite);
  const ceiling = emoji ? finite.reduce((a, b) => a + b, 0) / finite.length : real.share;
  // emoji: distribution scores at the training data's category mix (notebook 08 says why)
  const mix = emoji && numClasses ? await categoryCounts(numClasses) : undefined;
  const rows: { storage: string; bytes: number; share: number; perClass?: number[];
    precision?: number; recall?: number; baseline?: { precision: number; recall: number }; fcd?: number; fcdBaseline?: number }[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-pretrained-'));
  for (const q of ['none', 'float16', 'uint8'] as const) {
    const ex = await exportGenerator(generator, path.join(tmp, q), { quantize: q });
    const { model } = await loadExport(ex.dir);
    const common = { n, seed: 0, dataset: clfSet, latentDim: config.latentDim, numClasses };
    let share: number, perClass: number[] | undefined;
    if (emoji) {
      // every category asked for equally: the share the classifier puts in the requested one
      const uniform = numClasses ? await evaluateGenerator(model, { ...common, diversityPairs: 0, baseline: false }) : null;
      perClass = uniform?.perClass.map((c) => c.accuracy);
      share = uniform ? uniform.perClass.reduce((a, c) => a + c.accuracy * c.n, 0) / uniform.perClass.reduce((a, c) => a + c.n, 0) : NaN;
    } else {
      share = (await recognizableShare(model, common)).share;
    }
    // precision / recall (and FCD) against real training images; conditional: per requested class,
    // the share the classifier assigns to that class (any confidence)
    const ev = await evaluateGenerator(model, { ...common, diversityPairs: 0, ...(mix ? { labelWeights: mix } : {}) });
    if (!emoji) perClass = numClasses ? ev.perClass.map((c) => c.accuracy) : undefined;
    model.dispose();
    rows.push({ storage: q === 'none' ? 'float32' : q, bytes: ex.sizes.weights, share, perClass,
      precision: ev.scores.precision, recall: ev.scores.recall, baseline: ev.baseline ? { precision: ev.baseline.precision, recall: ev.baseline.recall } : undefined,
      fcd: ev.scores.fcd, fcdBaseline: ev.baseline?.fcd });
    console.log(`${q}: ${(ex.sizes.weights / 1e6).toFixed(2)} MB, ${(100 * share).toFixed(1)}% ${emoji ? 'in the requested category' : 'recognizable'}`
      + (emoji && ev.baseline ? `, FCD ${ev.scores.fcd.toFixed(2)} (real ${ev.baseline.fcd.toFixed(2)})` : '')
      + (perClass ? `; requested class per class ${perClass.map((a) => (100 * a).toFixed(0)).join(' ')}%` : ''));
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  const chosen = rows.find((r) => r.storage === (quantize === 'none' ? 'float32' : quantize))!;
  const out = path.join(root, 'pretrained', name);
  fs.rmSync(out, { recursive: true, force: true });
  await exportGenerator(generator, out, {
    quantize, meta: { config: config as unknown as Record<string, unknown>, dataset, step, metrics: {
      ...(emoji ? { requestedShare: +chosen.share.toFixed(4), fcd: +chosen.fcd!.toFixed(3), fcdBaseline: +(chosen.fcdBaseline ?? NaN).toFixed(3) }
        : { recognizable: +chosen.share.toFixed(4) }),
      realCeiling: +ceiling.toFixed(4), n,
      ...(chosen.perClass ? { requestedClassShare: chosen.perClass.map((a) => +a.toFixed(4)), realClassAccuracy: real.perClass.map((a) => +a.toFixed(4)) } : {}),
      ...(chosen.recall !== undefined ? { precision: +chosen.precision!.toFixed(4), recall: +chosen.recall.toFixed(4) } : {}),
    } },
  });
  generator.dispose();
  const ledger = summary.ledger ?? {};
  const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : 'n/a');
  const ratio = (r: (typeof rows)[number]) => (r.fcdBaseline ? `${r.fcd!.toFixed(2)} (${(r.fcd! / r.fcdBaseline).toFixed(2)}x)` : r.fcd!.toFixed(2));
  const emojiScores = (): string[] => [
    `Requested-category share: of ${n} seeded samples (seed 0), every category asked for equally, the share the emoji classifier puts in the requested category; `
    + `the classifier itself is right on **${pct(ceiling)}** of real held-out emoji averaged over the categories (the ceiling). `
    + `Fréchet classifier distance (FCD): ${n} samples asked for in the training data's category proportions, against the held-out emoji's statistics; `
    + `as many real training images score **${rows[0].fcdBaseline?.toFixed(2) ?? 'n/a'}** (the real-vs-real baseline).`, '',
    '| storage | weights | requested-category share | ÷ ceiling | FCD (÷ real baseline) |', '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.storage}${r === chosen ? ' (shipped)' : ''} | ${(r.bytes / 1e6).toFixed(2)} MB | ${pct(r.share)} | ${Number.isFinite(r.share) ? (r.share / ceiling).toFixed(3) : 'n/a'} | ${ratio(r)} |`), '',
  ];
  const card = [
    `# ${name}`, '',
    `A ${config.arch.toUpperCase()} generator (${config.loss} objective), latent ${config.latentDim}, output ${config.imageShape.join('x')} in [-1, 1],`,
    `from the run \`${path.basename(runDir)}\` at step ${step} (${ema ? 'EMA weights' : 'raw weights'}), stored ${chosen.storage}.`,
    `Load it with \`const { model, meta } = await loadPretrained('${name}')\`.`, '',
    '## Data', `${LICENCES[clfSet]}; the training split (${dataset}).`, '',
    '## Recipe', '```json', JSON.stringify({ gan: cfg.gan ?? config, train: cfg.train ?? null }), '```', '',
    '## Compute', ledger.wallSeconds ? `From the run's cost ledger: ${Math.round(ledger.wallSeconds)} s of training for ${ledger.steps} steps (${(ledger.msPerStep ?? 0).toFixed(0)} ms/step on ${ledger.backend}, 2 CPU cores; ${(ledger.totalFlops / 1e12).toFixed(0)} TFLOP estimated from the layer shapes; ${ledger.currency} ${(+ledger.estimatedCost).toFixed(3)} at ${ledger.pricePerHour}/h).` : 'No ledger in the run folder.', '',
    '## Scores',
    ...(emoji ? emojiScores() : [
      `Recognizable share: samples the ${clfSet} classifier labels with ≥ 0.9 confidence, ${n} seeded samples (seed 0); real test images reach **${(100 * ceiling).toFixed(1)}%** (the ceiling).`, '',
      '| storage | weights | recognizable | ÷ real ceiling |', '| --- | --- | --- | --- |',
      ...rows.map((r) => `| ${r.storage}${r === chosen ? ' (shipped)' : ''} | ${(r.bytes / 1e6).toFixed(2)} MB | ${(100 * r.share).toFixed(1)}% | ${(r.share / ceiling).toFixed(3)} |`), '',
    ]),
    ...(chosen.perClass ? [
      `Conditional: for each requested ${emoji ? 'category' : 'class'}, the share of its ${Math.round(n / numClasses)} seeded samples the classifier assigns to it (any confidence), beside the classifier's accuracy on real ${emoji ? 'held-out emoji' : 'test images'} of the ${emoji ? 'category' : 'class'}.`, '',
      `| ${emoji ? 'category' : 'class'} | requested-${emoji ? 'category' : 'class'} share | real ${emoji ? 'held-out' : 'test'} accuracy |`, '| --- | --- | --- |',
      ...chosen.perClass.map((a, c) => `| ${real.classNames[c] ?? c} | ${(100 * a).toFixed(1)}% | ${(100 * real.perClass[c]).toFixed(1)}% |`), '',
    ] : []),
    ...(chosen.recall !== undefined && chosen.baseline ? [
      `Variety: precision ${chosen.precision!.toFixed(3)} and recall ${chosen.recall.toFixed(3)} in the classifier's feature space (k-NN manifolds, Kynkäänniemi et al. 2019), `
      + `against ${chosen.baseline.precision.toFixed(3)} / ${chosen.baseline.recall.toFixed(3)} for as many real training images.`
      + (chosen.recall < 0.5 * chosen.baseline.recall ? ' **Recall far below the real baseline: the samples of a class vary little (the generator uses little of its latent code).**' : ''), '',
    ] : []),
    '## Licence', 'Weights: Apache-2.0, as the project. The training data keeps its own licence (above).', '',
    `Produced by \`npm run pretrained -- --run runs/${path.basename(runDir)} --name ${name} --quantize ${quantize} --n ${n}\` on ${new Date().toISOString().slice(0, 10)}.`, '',
  ].join('\n');
  fs.writeFileSync(path.join(out, 'MODEL_CARD.md'), card);
  console.log(`wrote ${path.relative(root, out)} (${fs.readdirSync(out).join(', ')})`);
}

main().catch((e) => { console.error(e.message); process.exit(1); });
