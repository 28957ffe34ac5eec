/**
 * Child process of signals.test.ts: trains fcGan, dcgan and sngan (every critic conv a fused
 * oneDNN conv + bias + leaky ReLU kernel) on the native engine while the parent
 * sends SIGINT (a notebook interrupt) every millisecond; prints `ok …` when done, then waits for the
 * parent to close stdin so that no signal arrives during exit.
 */
import { tf, type Tensor4D } from '../../lib/backend';
import { buildGan } from '../../lib/models/build';
import { dcgan, fcGan } from '../../lib/models/config';
import { sngan } from '../../lib/models/sngan';
import { GanTrainer } from '../../lib/train/trainer';

process.on('SIGINT', () => { /* the kernel's interrupt listener: the signal must not harm the step */ });
(async () => {
  const data = tf.randomUniform([128, 28, 28, 1], -1, 1, 'float32', 1) as Tensor4D;
  const trainers = [fcGan(), dcgan(), sngan()].map((c) => new GanTrainer(buildGan(c), data, { batchSize: 16, runsDir: null, live: false, sampleEvery: 0, numSamples: 4 }));
  process.stdout.write('ready\n');
  const modes: string[] = [];
  for (const [t, steps] of [[trainers[0], 60], [trainers[1], 8], [trainers[2], 8]] as const) {
    let last = { dLoss: NaN, gLoss: NaN };
    for (let i = 0; i < steps; i++) last = await t.step();
    modes.push(`${t.stepMode} ${Number.isFinite(last.dLoss) && Number.isFinite(last.gLoss) ? 'finite' : 'NaN'}`);
  }
  process.stdout.write(`ok ${modes.join(', ')}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
})();
