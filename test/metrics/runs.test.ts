import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../lib/backend';
import { loadDataset } from '../../lib/data/load';
import { buildGan, disposeGan } from '../../lib/models/build';
import { fcGan } from '../../lib/models/config';
import { GanTrainer } from '../../lib/train/trainer';
import { loadClassifier } from '../../lib/metrics/classifier';
import { loadCheckpointGenerator, runCheckpoints, scoreCurveChart, scoreRun } from '../../lib/metrics/runs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-metrics-runs-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('scoring the checkpoints of a run', () => {
  it('rebuilds the generator of each checkpoint, scores it, and charts the curve', async () => {
    const data = await loadDataset('mnist', { limit: 128 });
    const gan = buildGan(fcGan({ latentDim: 8, generator: { widths: [32] }, discriminator: { widths: [32] } }));
    const trainer = new GanTrainer(gan, data, { batchSize: 32, runsDir: tmp, name: 'tiny', checkpointEvery: 2, keepCheckpoints: 10, sampleEvery: 100, live: false, tensorboard: false });
    await trainer.fit({ steps: 4 });
    const runDir = trainer.run!.dir;
    const z = tf.randomNormal([3, 8], 0, 1, 'float32', 1);
    const expected = (gan.generator.predict(z) as Tensor).arraySync();
    trainer.dispose();
    disposeGan(gan);

    const cks = runCheckpoints(runDir);
    expect(cks.map((c) => c.step)).toEqual(expect.arrayContaining([2, 4]));
    const g = loadCheckpointGenerator(runDir, cks.at(-1)!.dir);
    expect(g.meta).toMatchObject({ latentDim: 8, numClasses: 0, step: 4 });
    const got = (g.model.predict(z) as Tensor).arraySync() as number[][][][];
    expect(got[0][5][5][0]).toBeCloseTo((expected as number[][][][])[0][5][5][0], 6);
    g.model.dispose();

    await loadClassifier('mnist'); // loaded once per process; its weights stay
    const before = tf.memory().numTensors;
    const curve = await scoreRun(runDir, { dataset: 'mnist', n: 40, seed: 0 });
    expect(tf.memory().numTensors).toBe(before);
    expect(curve.map((r) => r.step)).toEqual(cks.map((c) => c.step));
    expect(curve.every((r) => Number.isFinite(r.fcd) && r.fcd > 0)).toBe(true);
    const spec = scoreCurveChart(curve, { baseline: { fcd: 1 } }) as { data: { values: { kind: string }[] } };
    expect(spec.data.values.filter((v) => v.kind === 'real baseline')).toHaveLength(1);
    tf.dispose(z);
    data.dispose();
    expect(() => runCheckpoints(path.join(tmp, 'nope'))).toThrow(/Expected a run folder with config.json/);
  });
});
