import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { tf, type Tensor4D } from '../../lib/backend';
import { buildGan, disposeGan } from '../../lib/models/build';
import { fcGan, wganGp, type GanConfig } from '../../lib/models/config';
import { GanTrainer, type TrainerOptions } from '../../lib/train/trainer';
import { accumulatedBeta } from '../../lib/train/engine/adam';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-resume-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const images = tf.randomUniform([40, 28, 28, 1], 0, 1, 'float32', 4) as Tensor4D;

describe('exact resume on every step implementation', () => {
  it('β^t as tfjs builds it during training (float32 products), not as a power', () => {
    // float32: 0.999^3 by products differs from the power in the last bit; restoring by power drifted.
    expect(accumulatedBeta(0.999, 3)).not.toBe(Math.fround(Math.pow(Math.fround(0.999), 3)));
    let p = Math.fround(1);
    for (let i = 0; i < 40; i++) p = Math.fround(p * Math.fround(0.999));
    expect(accumulatedBeta(0.999, 40)).toBe(p);
  });

  const cases: [string, GanConfig][] = [
    ['fcGan (dropout)', fcGan({ latentDim: 8, generator: { widths: [16, 32] }, discriminator: { widths: [32, 16] } })],
    ['wganGp (n_critic 5, gradient penalty)', wganGp({ latentDim: 8, generator: { widths: [8, 4] }, discriminator: { widths: [4, 8] } })],
  ];
  for (const [name, cfg] of cases) {
    for (const fastStep of [true, false]) {
      it(`${name}, ${fastStep ? 'native' : 'autodiff'} step: resumed at step 5 = uninterrupted, bit for bit`, async () => {
        const opts: TrainerOptions = { batchSize: 4, live: false, sampleEvery: 0, seed: 2, fastStep, ema: 0.9 };
        const gan = buildGan(cfg);
        const full = new GanTrainer(gan, images, { ...opts, runsDir: null });
        for (let i = 0; i < 9; i++) await full.step();
        const want = full.history.map((h) => [h.dLoss, h.gLoss]);
        full.dispose(); disposeGan(gan);

        const ganA = buildGan(cfg);
        const a = new GanTrainer(ganA, images, { ...opts, runsDir: path.join(tmp, `${name}-${fastStep}`), checkpointEvery: 5 });
        await a.fit({ steps: 5 });
        const dir = a.run!.dir;
        a.dispose(); disposeGan(ganA);
        const b = await GanTrainer.resume(dir, images, { live: false });
        expect(b.iteration).toBe(5);
        for (let i = 0; i < 4; i++) await b.step();
        expect(b.history.map((h) => [h.dLoss, h.gLoss])).toEqual(want);
        b.dispose(); disposeGan(b.gan);
      }, 120_000);
    }
  }
});
