// The GAN and options shared by the kill tests and their child process.
import { fcGan } from '../../lib/models/config';
import type { TrainerOptions } from '../../lib/train/trainer';

export const killTestConfig = fcGan({ latentDim: 8, generator: { widths: [16, 32] }, discriminator: { widths: [32, 16] } });
export const killTestOptions: TrainerOptions = { batchSize: 4, live: false, sampleEvery: 0, seed: 3, checkpointEvery: 3, logEvery: 1, tensorboard: false, ema: 0.9 };
