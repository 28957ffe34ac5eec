/** Child process of folder.test.ts: loads a folder at 32 px RGB, prints its shape, a few pixels and the peak RSS. */
import { loadImageFolder } from '../../lib/data/folder';

(async () => {
  const ds = await loadImageFolder(process.argv[2], { size: 32, channels: 3, background: 'white' });
  const v = ds.gather([0], '[0,1]'), px = v.dataSync(), at = (y: number, x: number) => [0, 1, 2].map((k) => Math.round(px[(y * 32 + x) * 3 + k] * 255));
  process.stdout.write(JSON.stringify({ shape: ds.images.shape, corner: at(0, 0), centre: at(16, 16), maxRssMB: process.resourceUsage().maxRSS / 1024 }));
})();
