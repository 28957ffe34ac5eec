/**
 * Animated GIFs from image frames (e.g. the fixed-noise sample grid over training). Pure:
 * pixels in, bytes out.
 */
interface GifEncoderStream {
  writeFrame(index: Uint8Array, w: number, h: number, o: { palette: number[][]; delay: number; repeat: number }): void;
  finish(): void;
  bytes(): Uint8Array;
}
// gifenc ships no type declarations: type the three functions used here.
const { GIFEncoder, applyPalette, quantize } = require('gifenc') as {
  GIFEncoder(): GifEncoderStream;
  quantize(rgba: Uint8Array, maxColors: number): number[][];
  applyPalette(rgba: Uint8Array, palette: number[][]): Uint8Array;
};

/** One frame: 8-bit pixels, `channels` 1 (gray), 3 (RGB) or 4 (RGBA), row-major. */
export interface GifFrame {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  data: Uint8Array | Int32Array | Uint8ClampedArray;
}

export interface GifOptions {
  /** Milliseconds per frame (default 200). */
  delayMs?: number;
  /** Extra delay on the last frame so the final state is visible (default 1000). */
  holdLastMs?: number;
  /** 0 = loop forever (default), -1 = play once. */
  repeat?: number;
}

function toRgba(f: GifFrame): Uint8Array {
  const n = f.width * f.height;
  if (f.data.length !== n * f.channels) {
    throw new Error(`Expected ${n * f.channels} values for a ${f.width}x${f.height}x${f.channels} frame; got ${f.data.length}.`);
  }
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) out[i * 4 + k] = f.data[i * f.channels + (f.channels === 1 ? 0 : k)];
    out[i * 4 + 3] = f.channels === 4 ? f.data[i * 4 + 3] : 255;
  }
  return out;
}

const GRAY_PALETTE: number[][] = Array.from({ length: 256 }, (_, i) => [i, i, i]);

/**
 * Encodes frames as an animated GIF. Grayscale frames use an exact 256-gray palette; colour
 * frames get a quantised 256-colour palette each.
 *
 * @example
 * ```ts
 * const bytes = encodeGif([{ width: 2, height: 1, channels: 1, data: new Uint8Array([0, 255]) }]);
 * fs.writeFileSync('samples.gif', bytes);
 * ```
 */
export function encodeGif(frames: GifFrame[], opts: GifOptions = {}): Uint8Array {
  if (!frames.length) throw new Error('Expected at least one frame; got 0.');
  const { width, height } = frames[0];
  const gif = GIFEncoder();
  frames.forEach((f, i) => {
    if (f.width !== width || f.height !== height) {
      throw new Error(`Expected all frames ${width}x${height}; frame ${i} is ${f.width}x${f.height}.`);
    }
    const delay = (opts.delayMs ?? 200) + (i === frames.length - 1 ? opts.holdLastMs ?? 1000 : 0);
    let index: Uint8Array;
    let palette: number[][];
    if (f.channels === 1) {
      if (f.data.length !== width * height) throw new Error(`Expected ${width * height} values in frame ${i}; got ${f.data.length}.`);
      index = Uint8Array.from(f.data as ArrayLike<number>);
      palette = GRAY_PALETTE;
    } else {
      const rgba = toRgba(f);
      palette = quantize(rgba, 256);
      index = applyPalette(rgba, palette);
    }
    gif.writeFrame(index, width, height, { palette, delay, repeat: opts.repeat ?? 0 });
  });
  gif.finish();
  return gif.bytes();
}

/**
 * Decodes the basic structure of a GIF (for tests): size and number of frames.
 *
 * @example
 * ```ts
 * gifInfo(bytes); // { width: 2, height: 1, frames: 1 }
 * ```
 */
export function gifInfo(bytes: Uint8Array): { width: number; height: number; frames: number } {
  const sig = String.fromCharCode(...bytes.subarray(0, 6));
  if (sig !== 'GIF89a' && sig !== 'GIF87a') throw new Error(`Expected a GIF signature; got ${JSON.stringify(sig)}.`);
  const width = bytes[6] | (bytes[7] << 8), height = bytes[8] | (bytes[9] << 8);
  let p = 13;
  if (bytes[10] & 0x80) p += 3 * (1 << ((bytes[10] & 7) + 1));
  let frames = 0;
  const skipBlocks = () => { while (bytes[p] !== 0) p += bytes[p] + 1; p++; };
  while (p < bytes.length) {
    const b = bytes[p++];
    if (b === 0x3b) break;
    if (b === 0x21) { p++; skipBlocks(); continue; }
    if (b === 0x2c) {
      frames++;
      const flags = bytes[p + 8];
      p += 9;
      if (flags & 0x80) p += 3 * (1 << ((flags & 7) + 1));
      p++; // LZW minimum code size
      skipBlocks();
      continue;
    }
    throw new Error(`Unexpected GIF block 0x${b.toString(16)} at byte ${p - 1}.`);
  }
  return { width, height, frames };
}
