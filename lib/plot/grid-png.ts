/**
 * uint8 pixels to a PNG grid without TensorFlow: tiling and PNG encoding in plain JavaScript.
 *
 * The server encodes one PNG per request. Going through tensors for that (`toPng`: a dozen
 * TensorFlow ops and `encodePng`, ~0.9 ms for one 28x28 image) costs more than generating the
 * image inside a batch; here it is a copy and one `zlib.deflateSync` (~0.03 ms). The layout is
 * {@link imageGrid}'s (columns `ceil(sqrt(n))`, `pad` black pixels between tiles, unused tiles
 * black), so the decoded pixels are the same as `toPng(images, { scale: 1 })` gives.
 */
import * as zlib from 'zlib';

/** An 8-bit image, row-major `[height, width, channels]`. */
export interface PixelImage {
  data: Uint8Array;
  width: number;
  height: number;
  /** 1 (grey), 3 (RGB) or 4 (RGBA). */
  channels: 1 | 3 | 4;
}

/**
 * Tiles `n` images of `[h, w, c]` uint8 pixels (concatenated, row-major) into one grid image.
 *
 * @example
 * ```ts
 * const grid = tilePixels(pixels, 4, 28, 28, 1);          // 2x2 grid, 2 px padding: 58x58
 * const png = encodePng(grid);
 * ```
 */
export function tilePixels(pixels: Uint8Array, n: number, h: number, w: number, c: 1 | 3 | 4, opts: { cols?: number; pad?: number } = {}): PixelImage {
  if (pixels.length !== n * h * w * c) {
    throw new Error(`Expected ${n}x${h}x${w}x${c} = ${n * h * w * c} pixel values; got ${pixels.length}.`);
  }
  const cols = Math.max(1, Math.min(n, opts.cols ?? Math.ceil(Math.sqrt(n))));
  const rows = Math.ceil(n / cols);
  const pad = opts.pad ?? (n > 1 ? 2 : 0);
  const width = cols * (w + pad) - pad;
  const height = rows * (h + pad) - pad;
  if (n === 1) return { data: pixels, width, height, channels: c };
  const data = new Uint8Array(width * height * c);
  const rowBytes = w * c;
  for (let i = 0; i < n; i++) {
    const x0 = (i % cols) * (w + pad) * c;
    const y0 = Math.floor(i / cols) * (h + pad);
    for (let y = 0; y < h; y++) {
      const src = (i * h + y) * rowBytes;
      data.set(pixels.subarray(src, src + rowBytes), (y0 + y) * width * c + x0);
    }
  }
  return { data, width, height, channels: c };
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  out.set(body, 8);
  out.writeUInt32BE(crc32(out, 4, 8 + body.length), 8 + body.length);
  return out;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const COLOR_TYPE = { 1: 0, 3: 2, 4: 6 } as const;

/**
 * Encodes 8-bit pixels as a PNG (no filtering, zlib level 6): the same pixels give the same bytes.
 *
 * @example
 * ```ts
 * const png = encodePng({ data: new Uint8Array(28 * 28), width: 28, height: 28, channels: 1 });
 * fs.writeFileSync('black.png', png);
 * ```
 */
export function encodePng(img: PixelImage): Buffer {
  const { data, width, height, channels } = img;
  if (data.length !== width * height * channels) {
    throw new Error(`Expected ${width}x${height}x${channels} = ${width * height * channels} pixel values; got ${data.length}.`);
  }
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height); // each row: filter byte 0 (none), then the row
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = COLOR_TYPE[channels];
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 6 })), chunk('IEND', new Uint8Array(0))]);
}
