import { describe, expect, it } from 'vitest';
import { tf } from '../../lib/backend';
import { loadDataset } from '../../lib/data/load';
import { fcGan } from '../../lib/models/config';
import { defaultGanSetup, ganObjective } from '../../lib/tune/gan-objective';
import { float } from '../../lib/tune/space';
import { gridSearch } from '../../lib/tune/samplers';
import { medianPruner } from '../../lib/tune/pruners';
import { Study } from '../../lib/tune/study';
import { disposeGan } from '../../lib/models/build';

const base = fcGan({ latentDim: 8, generator: { widths: [32] }, discriminator: { widths: [32] } });

describe('ganObjective (lib/models + lib/train + lib/metrics)', () => {
  it('maps parameters to config and trainer options, and rejects unknown names', () => {
    const s = defaultGanSetup({ lr: 1e-3, beta1: 0.3, width: 0.5, latentDim: 16 }, base);
    expect(s.trainer).toEqual({ lrG: 1e-3, lrD: 1e-3, beta1: 0.3 });
    expect(s.config.generator.widths).toEqual([16]);
    expect(s.config.latentDim).toBe(16);
    expect(() => defaultGanSetup({ momentum: 0.9 }, base)).toThrow(/does not know the parameter "momentum"/);
  });

  it('trains each trial on a budget, reports FID along the way, prunes, and frees its tensors', async () => {
    const data = await loadDataset('mnist-1k', { limit: 128 });
    const objective = ganObjective({ dataset: data, steps: 6, evalEvery: 2, evalSamples: 64, base, trainer: { batchSize: 16 } });
    const study = new Study({
      name: 'gan', dir: null, space: { lr: float(1e-4, 1e-1, { log: true }) }, sampler: gridSearch({ points: 4 }),
      pruner: medianPruner({ warmupSteps: 2, minTrials: 1 }), metric: { name: 'FID' },
    });
    await study.runTrial(objective); // warm-up: loads and caches the classifier
    const before = tf.memory().numTensors;
    await study.optimize(objective, { trials: 4, live: false });
    expect(tf.memory().numTensors).toBe(before);
    const [first] = study.trials;
    expect(first.state).toBe('complete');
    expect(first.intermediate.map(([s]) => s)).toEqual([2, 4, 6]);
    expect(first.value).toBe(first.intermediate[2][1]);
    expect(first.value!).toBeGreaterThan(0);
    for (const t of study.trials.filter((q) => q.state === 'pruned')) expect(t.intermediate[t.intermediate.length - 1][0]).toBeLessThan(6);
    expect(study.trials.every((t) => t.state === 'complete' || t.state === 'pruned')).toBe(true);

    const { gan, fid, trainer } = await study.retrainBest((p) => objective.train(p));
    expect(fid).toBeCloseTo(study.best!.value!, 6); // same seed, same steps: same network, same score
    trainer.dispose();
    disposeGan(gan);
    expect(tf.memory().numTensors).toBe(before);
  });
});
