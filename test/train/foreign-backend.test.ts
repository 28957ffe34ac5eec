/**
 * fit() where the compute backend cannot read tensors synchronously, as WebGPU in Node cannot
 * (`dataSync()` there fails with "OffscreenCanvas is not defined"). Emulated with tfjs' pure-JS
 * backend, whose synchronous read is made to throw unless a kernel of that backend reads its own
 * inputs (WebGPU's kernels do not) or an asynchronous `data()` is being served; native TensorFlow
 * stays loaded for I/O, as with GANBOOK_BACKEND=webgpu.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, type Tensor4D } from '../../lib/backend';
import { buildGan } from '../../lib/models/build';
import { dcgan } from '../../lib/models/config';
import { GanTrainer } from '../../lib/train/trainer';
import { decodeImageFile } from '../../lib/data/folder';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-foreign-'));
let restore: () => void = () => undefined;
const syncReads: string[] = [];

beforeAll(async () => {
  await tf.setBackend('cpu');
  const be = tf.findBackend('cpu') as unknown as { readSync(id: unknown): unknown };
  const readSync = be.readSync.bind(be);
  be.readSync = (id: unknown) => {
    const stack = new Error().stack ?? '';
    if (!stack.includes('kernelFunc') && !stack.includes('MathBackendCPU.read (')) {
      syncReads.push(stack.split('\n').slice(2, 6).map((l) => l.trim()).join(' < '));
      throw new Error('synchronous read on a backend that cannot (emulated WebGPU in Node)');
    }
    return readSync(id);
  };
  restore = () => { be.readSync = readSync; };
});
afterAll(async () => {
  restore();
  await tf.setBackend('tensorflow');
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('fit() on a backend without synchronous reads (WebGPU in Node)', () => {
  it('trains on the portable engine with checkpoints, samples, EMA and run logs; no TensorBoard, said once', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const images = tf.randomUniform([24, 28, 28, 1], 0, 1, 'float32', 5) as Tensor4D; // a bare tensor: range read in prepare()
      const t = new GanTrainer(buildGan(dcgan({ latentDim: 8, generator: { widths: [8, 4] }, discriminator: { widths: [4, 8] } })), images,
        { batchSize: 8, runsDir: tmp, live: false, sampleEvery: 2, checkpointEvery: 2, numSamples: 4, ema: 0.9, seed: 3 });
      const run = await t.fit({ steps: 4 });
      expect(syncReads).toEqual([]);
      expect([tf.getBackend(), t.stepMode, run.stopped, run.step]).toEqual(['cpu', 'native (portable ops)', 'completed', 4]);
      expect(t.history.every((h) => Number.isFinite(h.dLoss) && Number.isFinite(h.gLoss))).toBe(true);
      const dir = run.runDir!;
      expect(fs.readdirSync(path.join(dir, 'checkpoints')).sort()).toContain('step-00000004');
      const png = path.join(dir, 'samples', 'step-00000004.png');
      await tf.setBackend('tensorflow'); // decode the sample as a user would read it back
      const img = decodeImageFile(png);
      expect(img.shape[2]).toBe(1);
      expect(img.max().dataSync()[0]).toBeGreaterThan(0);
      await tf.setBackend('cpu');
      expect(fs.existsSync(path.join(dir, 'tb'))).toBe(false);
      expect(warn.mock.calls.map((c) => String(c[0])).filter((m) => m.includes('TensorBoard'))).toEqual([
        'ganbook: no TensorBoard events on the "cpu" backend (tfjs-node\'s writer needs native TensorFlow); metrics.jsonl, samples and checkpoints are written as usual.']);
      t.dispose();
    } finally {
      warn.mockRestore();
    }
  }, 120_000);
});
