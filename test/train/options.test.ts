import { describe, expect, it } from 'vitest';
import { tf, type Tensor4D } from '../../lib/backend';
import { buildGan, disposeGan } from '../../lib/models/build';
import { dcgan } from '../../lib/models/config';
import { GanTrainer, type TrainerOptions } from '../../lib/train/trainer';

const images = tf.zeros([16, 28, 28, 1]) as Tensor4D;
const small = dcgan({ latentDim: 4, generator: { widths: [4, 2] }, discriminator: { widths: [2, 4] } });
const base: TrainerOptions = { batchSize: 4, runsDir: null, live: false, sampleEvery: 0 };

function make(opts: Record<string, unknown>): () => GanTrainer {
  return () => {
    const gan = buildGan(small);
    try { return new GanTrainer(gan, images, { ...base, ...opts } as TrainerOptions); } finally { disposeGan(gan); }
  };
}

describe('options are checked as a user types them', () => {
  it('unknown GanTrainer options are rejected with a did-you-mean hint', () => {
    expect(make({ learningRate: 1e-3 })).toThrow(/Unknown GanTrainer option "learningRate"\. Did you mean lrG and lrD\?/);
    expect(make({ lr: 1e-3 })).toThrow(/"lr"\. Did you mean lrG and lrD\?/);
    expect(make({ batch_size: 32 })).toThrow(/"batch_size"\. Did you mean batchSize\?/);
    expect(make({ checkpoint_every: 10 })).toThrow(/"checkpoint_every"\. Did you mean checkpointEvery\?/);
    expect(make({ sampleEvry: 10 })).toThrow(/Did you mean sampleEvery\?/);
  });

  it('wrongly typed values fail up front, naming the field (no TensorFlow status, no silent "true")', () => {
    expect(make({ beta1: '0.5' })).toThrow(/Expected GanTrainer option beta1 a finite number \(Adam β₁\); got "0\.5" \(a string\)/);
    expect(make({ ema: '0.999' })).toThrow(/Expected GanTrainer option ema a finite number/);
    expect(make({ fastStep: 'false' })).toThrow(/Expected GanTrainer option fastStep true, false or "portable"; got "false" \(a string\)/);
    expect(make({ tensorboard: 'no' })).toThrow(/option tensorboard true or false; got "no"/);
    expect(make({ range: '0..1' })).toThrow(/option range one of "\[0,1\]", "\[-1,1\]"; got "0\.\.1"/);
    expect(make({ batchSize: 2.5 })).toThrow(/batchSize an integer; got 2\.5/);
    expect(make({ beta2: 1 })).toThrow(/beta2 < 1 \(Adam β₂\); got 1/);
    expect(make({ objective: { name: 'x' } })).toThrow(/Expected objective an Objective/);
  });

  it('fit() arguments and resume() overrides are checked too', async () => {
    const gan = buildGan(small);
    const t = new GanTrainer(gan, images, base);
    await expect(t.fit({ step: 3 } as never)).rejects.toThrow(/Unknown fit\(\) argument "step"\. Did you mean steps\?/);
    await expect(t.fit({ steps: '3' } as never)).rejects.toThrow(/fit\(\) argument steps a finite number; got "3"/);
    await expect(GanTrainer.resume('/nonexistent', images, { lrG: 1 } as never)).rejects.toThrow(/Unknown GanTrainer\.resume\(\) override "lrG"/);
    t.dispose(); disposeGan(gan);
  });

  it('model configs reject unknown fields, naming the likely one', () => {
    expect(() => dcgan({ generator: { width: [8, 4] } } as never)).toThrow(/Unknown generator config field "width"\. Did you mean widths\?/);
    expect(() => dcgan({ latent_dim: 8 } as never)).toThrow(/Unknown GAN config field "latent_dim"\. Did you mean latentDim\?/);
  });
});

describe('objectives as typed', () => {
  it('objective options are checked, and options that an explicit objective would ignore are refused', async () => {
    const { nonSaturating, hinge } = await import('../../lib/train/objectives');
    expect(() => nonSaturating({ labelSmooting: 0.1 } as never)).toThrow(/Unknown non-saturating objective option "labelSmooting"\. Did you mean labelSmoothing\?/);
    expect(make({ objective: hinge(), labelSmoothing: 0.1 })).toThrow(/Expected labelSmoothing as an option of the objective .*beside objective "hinge", where it would be ignored/);
    expect(make({ objective: hinge(), gpWeight: 10 })).toThrow(/gpWeight as an option of the objective/);
  });

  it('trainer.objective = <not an objective> fails at once', () => {
    const t = make({})();
    expect(() => { (t as { objective: unknown }).objective = 'hinge'; }).toThrow(/Expected trainer\.objective an Objective .*; got "hinge"/);
    t.dispose();
  });
});
