import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { tf, type Tensor4D } from '../../lib/backend';
import { buildGan, disposeGan } from '../../lib/models/build';
import { fcGan } from '../../lib/models/config';
import { emaDecay } from '../../lib/train/callbacks';
import { GanTrainer, type TrainerOptions } from '../../lib/train/trainer';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-ema-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const data = tf.randomUniform([32, 28, 28, 1], 0, 1, 'float32', 3) as Tensor4D;
const cfg = () => fcGan({ latentDim: 8, generator: { widths: [16] }, discriminator: { widths: [16] } });
const base: TrainerOptions = { batchSize: 8, runsDir: null, numSamples: 4, sampleEvery: 0, live: false, ema: 0.999, seed: 4 };

/**
 * Trains `steps` steps, recomputing the EMA by hand from the generator's weights after every
 * step with `decay(step)`, and returns the largest difference to `trainer.emaGenerator`'s.
 */
async function emaError(opts: TrainerOptions, steps: number, decay: (step: number) => number): Promise<number> {
  const gan = buildGan(cfg());
  const t = new GanTrainer(gan, data, { ...base, ...opts });
  let mine = gan.generator.getWeights().map((w) => Array.from(w.dataSync()));
  for (let s = 1; s <= steps; s++) {
    await t.step();
    const d = decay(s);
    mine = gan.generator.getWeights().map((w, i) => Array.from(w.dataSync()).map((v, j) => d * mine[i][j] + (1 - d) * v));
  }
  const theirs = t.emaGenerator!.getWeights().map((w) => Array.from(w.dataSync()));
  let err = 0;
  theirs.forEach((w, i) => w.forEach((v, j) => { err = Math.max(err, Math.abs(v - mine[i][j])); }));
  t.dispose(); disposeGan(gan);
  return err;
}

describe('EMA of the generator', () => {
  it('ramps its decay up as TensorFlow\'s ExponentialMovingAverage with num_updates', () => {
    expect(emaDecay(0.999, 1, true)).toBeCloseTo(2 / 11, 12);
    expect(emaDecay(0.999, 150, true)).toBeCloseTo(151 / 160, 12);
    expect(emaDecay(0.999, 8989, true)).toBeLessThan(0.999);
    expect(emaDecay(0.999, 8990, true)).toBe(0.999);
    expect(emaDecay(0.5, 1, true)).toBeCloseTo(2 / 11, 12); // below the cap: the ramp
    expect(emaDecay(0.5, 20, true)).toBe(0.5);
    expect(emaDecay(0.999, 1, false)).toBe(0.999);
  });

  it('averages with the warm-up by default and with a constant decay when emaWarmup is false', async () => {
    expect(await emaError({}, 4, (s) => Math.min(0.999, (1 + s) / (10 + s)))).toBeLessThan(1e-6);
    expect(await emaError({ emaWarmup: false }, 4, () => 0.999)).toBeLessThan(1e-6);
    // and the two differ: after 4 steps the constant decay still holds ~99.6% of the initial
    // weights, the warm-up's ~3% (the weights moved ~8e-4 in 4 Adam steps of 2e-4)
    expect(await emaError({}, 4, () => 0.999)).toBeGreaterThan(1e-4);
  });

  it('a resumed run keeps the recorded schedule; runs recorded before the option resume without the warm-up', async () => {
    const gan = buildGan(cfg());
    const t = new GanTrainer(gan, data, { ...base, runsDir: tmp, name: 'ema', checkpointEvery: 2, tensorboard: false });
    const dir = (await t.fit({ steps: 2 })).runDir!;
    t.dispose(); disposeGan(gan);
    const configFile = path.join(dir, 'config.json');
    const recorded = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    expect(recorded.train.emaWarmup).toBe(true);
    let r = await GanTrainer.resume(dir, data);
    expect(r.options.emaWarmup).toBe(true);
    r.dispose(); disposeGan(r.gan);
    delete recorded.train.emaWarmup; // as written before 2026-12-01
    fs.writeFileSync(configFile, JSON.stringify(recorded));
    r = await GanTrainer.resume(dir, data);
    expect(r.options.emaWarmup).toBe(false);
    r.dispose(); disposeGan(r.gan);
  });
});
