// The fast step on the project's own model builders (lib/models, issue 5): the functional
// (tf.model) DCGAN takes the fast path and matches the reference formulation; the others fall back.
import { describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../lib/backend';
import { buildGan } from '../../lib/models/build';
import { conditionalGan, dcgan, fcGan } from '../../lib/models/config';
import { createFastGanStep, referenceGanStep } from '../../lib/train/fast-step';

const maxAbsDiff = (a: Tensor, b: Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('createFastGanStep on lib/models GANs', () => {
  it('dcgan(): fast mode, same losses and D weights as the reference after 2 steps', () => {
    const a = buildGan(dcgan()), b = buildGan(dcgan());
    b.generator.setWeights(a.generator.getWeights()); b.discriminator.setWeights(a.discriminator.getWeights());
    const opt = { generator: tf.train.adam(2e-4, 0.5), discriminator: tf.train.adam(2e-4, 0.5) };
    const fast = createFastGanStep(b, { generator: tf.train.adam(2e-4, 0.5), discriminator: tf.train.adam(2e-4, 0.5) });
    expect(fast.mode).toBe('fast');
    const real = tf.randomUniform([8, 28, 28, 1], -1, 1, 'float32', 9);
    for (let i = 0; i < 2; i++) {
      const z = tf.randomNormal([8, a.latentDim], 0, 1, 'float32', 90 + i);
      const r = referenceGanStep(a, opt, { real, z }), f = fast.step({ real, z });
      expect(Math.abs(r.dLoss.dataSync()[0] - f.dLoss.dataSync()[0])).toBeLessThan(1e-5);
      expect(Math.abs(r.gLoss.dataSync()[0] - f.gLoss.dataSync()[0])).toBeLessThan(1e-5);
      tf.dispose([z, r.dLoss, r.gLoss, f.dLoss, f.gLoss]);
    }
    const wa = a.discriminator.getWeights(), wb = b.discriminator.getWeights();
    wa.forEach((w, i) => expect(maxAbsDiff(w, wb[i]), `D weight ${i}`).toBeLessThan(2e-5));
    real.dispose(); fast.dispose(); opt.generator.dispose(); opt.discriminator.dispose();
    [a, b].forEach((g) => { g.generator.dispose(); g.discriminator.dispose(); });
  });

  it('fcGan() (dropout) runs on the engine; conditionalGan() falls back here (no labels in FastStepBatch), saying why', () => {
    const fc = buildGan(fcGan()), fcStep = createFastGanStep(fc);
    expect(fcStep.mode).toBe('fast');
    fcStep.dispose(); fc.generator.dispose(); fc.discriminator.dispose();
    for (const [cfg, why] of [[conditionalGan(), /conditional/]] as const) {
      const gan = buildGan(cfg);
      const step = createFastGanStep(gan);
      expect(step.mode).toBe('reference');
      expect(step.reason).toMatch(why);
      step.dispose(); gan.generator.dispose(); gan.discriminator.dispose();
    }
  });
});
