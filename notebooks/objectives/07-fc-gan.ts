/**
 * Notebook 07's objective as a module, for `npm run tune-worker` (and `startWorkers` in the
 * notebook): the small fully-connected GAN on mnist-1k, trained for `steps` and scored by FID,
 * exactly as the notebook's `objective` cell builds it (the same `smoke()` sizes). The data and
 * the classifier load once per worker, at its first trial.
 *
 *   npm run tune-worker -- --study 07-shared --storage sqlite:///runs/tune/studies.db \
 *     --objective notebooks/objectives/07-fc-gan.ts
 */
import { fcGan, ganObjective, loadDataset, smoke, type Objective } from '../../lib';

let built: Promise<Objective> | null = null;

async function build(): Promise<Objective> {
  const data = await loadDataset('mnist-1k', { limit: smoke(1000, 256) });
  const base = fcGan({ latentDim: 32, generator: { widths: [128, 256] }, discriminator: { widths: [256, 128] } });
  return ganObjective({ dataset: data, steps: smoke(300, 12), base, evalEvery: smoke(100, 6),
    evalSamples: smoke(1000, 200), trainer: { batchSize: smoke(64, 32) } });
}

export const objective: Objective = async (params, ctx) => {
  built ??= build();
  return (await built)(params, ctx);
};
