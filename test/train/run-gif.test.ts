import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { tf, type Tensor3D } from '../../lib/backend';
import { RunTracker } from '../../lib/train/run';

const { venvBin } = require('../../scripts/env') as { venvBin: string };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-gif-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every frame of a GIF as decoded by Pillow: its centre pixel's RGB. */
function gifFrames(file: string): number[][] {
  const py = 'import sys, json; from PIL import Image, ImageSequence\n'
    + 'im = Image.open(sys.argv[1]); out = []\n'
    + 'for f in ImageSequence.Iterator(im):\n'
    + '  f = f.convert("RGB"); out.append(list(f.getpixel((f.width // 2, f.height // 2))))\n'
    + 'print(json.dumps(out))';
  return JSON.parse(execFileSync(path.join(venvBin, 'python'), ['-c', py, file], { encoding: 'utf8' })) as number[][];
}

/** A flat 6x10 RGB grid of one colour (uint8 values as the trainer's sample grids are). */
const flat = (rgb: number[]) => tf.tidy(() => tf.tile(tf.tensor3d(rgb, [1, 1, 3], 'int32'), [6, 10, 1])) as Tensor3D;

describe('samples.gif of a resumed run', () => {
  const red = [255, 0, 0], green = [0, 255, 0], blue = [0, 0, 255];

  it('holds the earlier sessions\' frames, read back on any backend, up to the resumed step', async () => {
    const first = new RunTracker({ root: tmp, name: 'gif' });
    for (const [step, rgb] of [[100, red], [200, green], [300, blue]] as const) {
      const g = flat([...rgb]);
      await first.sample(step, g);
      g.dispose();
    }
    expect(gifFrames(first.writeGif()!)).toEqual([red, green, blue]);
    first.close();

    // Resumed from the checkpoint of step 200 (step 300 belongs to the abandoned continuation),
    // on a backend without native TensorFlow: the old frames still come back.
    const before = tf.getBackend();
    await tf.setBackend('cpu');
    try {
      const resumed = new RunTracker({ existing: first.dir });
      const g = flat([255, 255, 255]);
      await resumed.sample(300, g);
      g.dispose();
      expect(gifFrames(resumed.writeGif({ upToStep: 300 })!)).toEqual([red, green, [255, 255, 255]]);
      expect(gifFrames(resumed.writeGif({ upToStep: 200 })!)).toEqual([red, green, [255, 255, 255]]);
      resumed.close();
    } finally {
      await tf.setBackend(before);
    }
  });

  it('leaves out a sample grid cut short by a kill, by name, and keeps the others', async () => {
    const run = new RunTracker({ root: tmp, name: 'gif-cut' });
    for (const [step, rgb] of [[1, red], [2, green]] as const) {
      const g = flat([...rgb]);
      await run.sample(step, g);
      g.dispose();
    }
    run.close();
    const cut = path.join(run.dir, 'samples', 'step-00000002.png');
    fs.writeFileSync(cut, fs.readFileSync(cut).subarray(0, 40)); // the PNG header and part of IHDR
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const resumed = new RunTracker({ existing: run.dir });
      expect(gifFrames(resumed.writeGif()!)).toEqual([red]);
      expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).toMatch(/leaves out 1 sample grid\(s\) that are not readable PNGs: step-00000002\.png/);
      resumed.close();
    } finally {
      warn.mockRestore();
    }
  });
});
