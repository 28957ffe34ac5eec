// A training process for kill tests: trains a small GAN into a run folder, printing "step N" after
// each step, until killed. Usage: ts-node train-child.ts <runsDir> <native|autodiff> [resumeDir]
import { tf, type Tensor4D } from '../../lib/backend';
import { buildGan } from '../../lib/models/build';
import { GanTrainer } from '../../lib/train/trainer';
import { killTestConfig, killTestOptions } from './kill-test-setup';

(async () => {
  const [runsDir, mode, resumeDir] = process.argv.slice(2);
  const images = tf.randomUniform([40, 28, 28, 1], 0, 1, 'float32', 4) as Tensor4D;
  const t = resumeDir
    ? await GanTrainer.resume(resumeDir, images, { live: false })
    : new GanTrainer(buildGan(killTestConfig), images, { ...killTestOptions, fastStep: mode === 'native', runsDir, tensorboard: !!process.env.GANBOOK_TEST_TB });
  for (let i = 0; i < 1000; i++) {
    const log = await t.step();
    process.stdout.write(`step ${log.step} ${t.run!.dir}\n`);
  }
})();
