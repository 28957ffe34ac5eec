/**
 * Measures loading full MNIST: wall time and process memory (RSS) growth against the raw size.
 *
 *   node --expose-gc -r ts-node/register/transpile-only datasets/measure-load.ts
 */
import { tf } from '../lib/backend';
import { loadDataset } from '../lib/data/load';
import { batches } from '../lib/data/batches';

const MB = 2 ** 20;
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

(async () => {
  await tf.ready();
  tf.tidy(() => tf.ones([2, 2]).add(1).dataSync()); // warm the native backend before measuring
  gc();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
  const t0 = performance.now();
  const ds = await loadDataset('mnist');
  const ms = performance.now() - t0;
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(timer);
  const raw = ds.pixels.byteLength + ds.labels!.length; // 47,040,000 pixel bytes + 60,000 label bytes
  gc();
  const after = process.memoryUsage().rss;
  const r = (x: number): string => `${(x / MB).toFixed(1)} MB (${(x / raw).toFixed(2)}x raw)`;
  console.log(`raw size: ${(raw / MB).toFixed(1)} MB; load time: ${ms.toFixed(0)} ms`);
  console.log(`RSS growth: peak ${r(peak - rss0)}, after GC ${r(after - rss0)}`);
  const t1 = performance.now();
  let n = 0;
  for (const b of batches(ds, { batchSize: 64, seed: 1, range: '[-1,1]' })) { n++; b.images.dispose(); b.labels?.dispose(); }
  gc();
  console.log(`one epoch of ${n} batches (gather + tensor): ${(performance.now() - t1).toFixed(0)} ms; RSS growth now ${r(process.memoryUsage().rss - rss0)}`);
  const imgs = ds.images; // the optional whole-set float32 tensor
  imgs.dataSync();
  gc();
  console.log(`after materialising ds.images (float32, 4 bytes/pixel): RSS growth ${r(process.memoryUsage().rss - rss0)}`);
  ds.dispose();
})();
