import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { tf, type Tensor4D } from '../../lib/backend';
import { buildGan, disposeGan } from '../../lib/models/build';
import { dcgan } from '../../lib/models/config';
import { GanTrainer, type TrainerCallbacks } from '../../lib/train/trainer';
import { listCheckpoints } from '../../lib/train/checkpoint';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-cb-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const images = tf.randomUniform([24, 28, 28, 1], 0, 1, 'float32', 3) as Tensor4D;
const small = dcgan({ latentDim: 4, generator: { widths: [4, 2] }, discriminator: { widths: [2, 4] } });

describe('callbacks over explicit events', () => {
  it('the built-ins are named entries; events arrive in order; removing "checkpoints" writes none', async () => {
    const gan = buildGan(small);
    const events: string[] = [];
    const spy: TrainerCallbacks = {
      name: 'spy',
      onFitBegin: (i) => { events.push(`fitBegin ${i.startStep}-${i.endStep}`); },
      onStepBegin: (s) => { events.push(`stepBegin ${s}`); },
      onStepEnd: (l) => { events.push(`stepEnd ${l.step}`); },
      onSample: (s) => { events.push(`sample ${s}`); },
      onFitStop: (why) => { events.push(`fitStop ${why}`); },
      onFitEnd: (r) => { events.push(`fitEnd ${r.stopped}`); },
    };
    const t = new GanTrainer(gan, images, { batchSize: 4, live: false, sampleEvery: 2, checkpointEvery: 1, runsDir: path.join(tmp, 'a'), callbacks: [spy] });
    expect(t.callbacks.map((c) => c.name)).toEqual(['nan-guard', 'ema', 'lr-decay', 'run-log', 'samples', 'checkpoints', 'spy']);
    t.callbacks = t.callbacks.filter((c) => c.name !== 'checkpoints');
    await t.fit({ steps: 3 });
    expect(events).toEqual(['fitBegin 0-3', 'stepBegin 1', 'stepEnd 1', 'stepBegin 2', 'sample 2', 'stepEnd 2', 'stepBegin 3', 'stepEnd 3', 'sample 3', 'fitStop completed', 'fitEnd completed']);
    expect(listCheckpoints(t.run!.checkpointsDir)).toEqual([]);
    t.dispose(); disposeGan(gan);
  });

  it('an interrupt is an event too, and the checkpoint callback writes the checkpoint for it', async () => {
    const gan = buildGan(small);
    const ctl = new AbortController();
    const seen: number[] = [];
    const t = new GanTrainer(gan, images, { batchSize: 4, live: false, sampleEvery: 0, checkpointEvery: 0, runsDir: path.join(tmp, 'b'),
      callbacks: [{ onStepEnd: (l) => { if (l.step === 2) ctl.abort(); }, onInterrupt: (s) => { seen.push(s); } }] });
    const r = await t.fit({ steps: 10, signal: ctl.signal });
    expect(r.stopped).toBe('interrupted');
    expect(seen).toEqual([2]);
    expect(listCheckpoints(t.run!.checkpointsDir).map((d) => path.basename(d))).toEqual(['step-00000002']);
    t.dispose(); disposeGan(gan);
  });
});
