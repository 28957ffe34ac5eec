/**
 * Child process of engine.test.ts: on the backend GANBOOK_BACKEND names (the pure-JS `cpu` one
 * there), fit() a small DCGAN for 3 steps with the default step and with the autodiff step, same
 * seeds; prints one JSON line with each run's step mode and losses.
 */
import { tf, type Tensor4D } from '../../lib/backend';
import { buildGan } from '../../lib/models/build';
import { dcgan } from '../../lib/models/config';
import { GanTrainer } from '../../lib/train/trainer';

(async () => {
  const data = tf.randomUniform([24, 28, 28, 1], -1, 1, 'float32', 5) as Tensor4D;
  const runs = [];
  for (const fastStep of [true, false]) {
    const gan = buildGan(dcgan({ latentDim: 8, generator: { widths: [8, 4] }, discriminator: { widths: [4, 8] } }));
    const t = new GanTrainer(gan, data, { batchSize: 8, runsDir: null, live: false, sampleEvery: 0, numSamples: 4, seed: 3, fastStep });
    await t.fit({ steps: 3 });
    runs.push({ backend: tf.getBackend(), mode: t.stepMode, losses: t.history.map((h) => [h.dLoss, h.gLoss]) });
  }
  process.stdout.write(`${JSON.stringify(runs)}\n`);
})();
