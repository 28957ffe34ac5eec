/**
 * A user's own folder of PNG/JPEG images as a {@link Dataset}: sub-folder names become class
 * names (sorted), or the whole folder is one unlabeled set. Folders as users have them: hidden
 * entries and OS metadata (`.DS_Store`, macOS `._name` AppleDouble files, `__MACOSX/`,
 * `.ipynb_checkpoints/`) are skipped, JPEGs are turned upright by their EXIF orientation (as photo
 * viewers show them), transparent pixels are composited over a background, symbolic links are
 * followed, and the output size follows the images' typical size, not whichever file sorts first.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createCanvas, loadImage, type Image } from '@napi-rs/canvas';
import { tf, hasNodeHelpers, type Tensor3D } from '../backend';
import { checkOptions, type OptionSpec, showValue } from '../options';
import { Dataset } from './dataset';

/** File extensions read as images. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

/** Options for {@link loadImageFolder}. */
export interface ImageFolderOptions {
  /** Side of the square output images; non-square images are centre-cropped first.
   * Default: the median shorter side of the images (read from their headers), capped at 64 when
   * larger than 128. Images whose shorter side is under a quarter of it are skipped and named. */
  size?: number;
  /** 1 = grayscale, 3 = RGB. Default: 1 if most images are grayscale, else 3. */
  channels?: 1 | 3;
  /** What transparent pixels are composited over: 'white' (default), 'black', or `[r, g, b]` 0-255. */
  background?: Background;
  /** Labels from sub-folder names (default: true when the folder has sub-folders with images). */
  labels?: boolean;
  /** Read at most this many images (in sorted path order). */
  limit?: number;
}

/** Every {@link ImageFolderOptions} name (unknown names are rejected with a "did you mean" hint). */
const IMAGE_FOLDER_OPTIONS: Record<keyof ImageFolderOptions, OptionSpec> = {
  size: { kind: 'number' }, channels: { kind: 'number' }, labels: { kind: 'boolean' }, limit: { kind: 'number' },
  background: { kind: 'object' }, // its value is checked by parseBackground (a name or an [r, g, b] array)
};

/**
 * Checks `size` and `channels` of an image load up front (before any file is read): `size` a
 * positive integer, `channels` 1 or 3 (transparency is composited over the background, so there
 * is no alpha channel). `where` starts each message (`loadImageFolder("faces")`); `sizeDefault`
 * says what leaving `size` out does.
 *
 * @throws Error naming the option, the value given (JSON) and what to pass instead.
 * @example
 * ```ts
 * checkSizeChannels(32, 3, 'loadImageFolder("faces")', "the images' median shorter side"); // ok
 * checkSizeChannels(0, 3, 'loadImageFolder("faces")', '…'); // Error: …expected size a positive integer…; got 0…
 * ```
 */
export function checkSizeChannels(size: unknown, channels: unknown, where: string, sizeDefault: string): void {
  if (size !== undefined && !(typeof size === 'number' && Number.isInteger(size) && size > 0)) {
    throw new Error(`${where}: expected size a positive integer (pixels per side of the square output); got ${showValue(size)}`
      + `${typeof size === 'string' ? ' (a string)' : ''}. Pass e.g. { size: 32 }, or leave size out for ${sizeDefault}.`);
  }
  if (channels !== undefined && channels !== 1 && channels !== 3) {
    throw new Error(`${where}: expected channels 1 (grayscale) or 3 (RGB); got ${showValue(channels)}`
      + `${typeof channels === 'string' ? ' (a string)' : ''}. There is no alpha channel (transparent pixels are composited over `
      + '`background`); pass channels: 1 or 3, or leave it out.');
  }
}

const isImage = (f: string): boolean => IMAGE_EXTENSIONS.includes(path.extname(f).toLowerCase());
/** Hidden entries and OS metadata: `.x` (incl. AppleDouble `._x`, `.ipynb_checkpoints`), `__MACOSX`. */
const isMetadata = (name: string): boolean => name.startsWith('.') || name === '__MACOSX' || name === 'Thumbs.db';

/** What a listing skipped besides non-images, each path kept to be named in one warning. */
interface Skipped {
  /** Symbolic links whose target is missing (or a loop of links). */
  broken: string[];
  /** Links to a folder that contains them: following them would never end. */
  cycles: string[];
  /** Class sub-folders without a single image. */
  empty: string[];
}

/**
 * A directory entry as what it leads to: symbolic links are followed (`Dirent.isFile()` and
 * `isDirectory()` are false for them); a link that cannot be followed is noted in `skipped.broken`.
 */
function entryKind(p: string, e: fs.Dirent, skipped: Skipped): 'file' | 'dir' | null {
  if (!e.isSymbolicLink()) return e.isDirectory() ? 'dir' : e.isFile() ? 'file' : null;
  try {
    const st = fs.statSync(p);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : null;
  } catch {
    skipped.broken.push(p); // ENOENT (target missing) or ELOOP (links pointing at each other)
    return null;
  }
}

const sortedEntries = (dir: string) => fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));

/**
 * Image files below `dir` at any depth (sorted), following symbolic links; `ancestors` = real
 * paths of the folders above (a link back to one of them is a cycle, noted and not followed).
 */
function listImages(dir: string, skipped: Skipped, ancestors: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const e of sortedEntries(dir)) {
    if (isMetadata(e.name)) continue;
    const p = path.join(dir, e.name);
    const kind = entryKind(p, e, skipped);
    if (kind === 'dir') {
      const real = fs.realpathSync(p);
      if (ancestors.has(real)) skipped.cycles.push(p);
      else out.push(...listImages(p, skipped, new Set([...ancestors, real])));
    } else if (kind === 'file' && isImage(e.name)) out.push(p);
  }
  return out;
}

/**
 * Width, height and channels from a PNG's IHDR or a JPEG's SOF marker, without decoding; null
 * when the header is not one of those.
 */
export function imageHeader(buf: Uint8Array): { width: number; height: number; channels: number } | null {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length >= 26 && dv.getUint32(0) === 0x89504e47 && dv.getUint32(4) === 0x0d0a1a0a) {
    const colorType = buf[25];
    const channels = ({ 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 } as Record<number, number>)[colorType] ?? 3;
    return { width: dv.getUint32(16), height: dv.getUint32(20), channels };
  }
  if (buf.length >= 4 && buf[0] === 0xff && buf[1] === 0xd8) {
    let i = 2;
    while (i + 9 < buf.length) {
      if (buf[i] !== 0xff) { i++; continue; }
      const marker = buf[i + 1];
      const len = dv.getUint16(i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
        return { height: dv.getUint16(i + 5), width: dv.getUint16(i + 7), channels: buf[i + 9] };
      }
      i += 2 + len;
    }
  }
  return null;
}

/**
 * The EXIF Orientation (1-8) of a JPEG, from its APP1 segment; 1 (as stored) when absent.
 * Source: EXIF 2.32 (CIPA DC-008), tag 0x0112.
 */
export function exifOrientation(buf: Uint8Array): number {
  if (!(buf.length > 4 && buf[0] === 0xff && buf[1] === 0xd8)) return 1;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let i = 2;
  while (i + 4 < buf.length && buf[i] === 0xff) {
    const marker = buf[i + 1], len = dv.getUint16(i + 2);
    if (marker === 0xe1 && i + 10 < buf.length && dv.getUint32(i + 4) === 0x45786966) { // 'Exif'
      const tiff = i + 10, little = dv.getUint16(tiff) === 0x4949;
      const u16 = (o: number) => dv.getUint16(o, little), u32 = (o: number) => dv.getUint32(o, little);
      const ifd = tiff + u32(tiff + 4);
      for (let k = 0, n = u16(ifd); k < n && ifd + 2 + 12 * (k + 1) <= buf.length; k++) {
        const e = ifd + 2 + 12 * k;
        if (u16(e) === 0x0112) { const v = u16(e + 8); return v >= 1 && v <= 8 ? v : 1; }
      }
      return 1;
    }
    if (marker === 0xda) break; // image data: no more metadata
    i += 2 + len;
  }
  return 1;
}

/** Applies an EXIF orientation so the image is upright as viewers show it. */
function upright(img: Tensor3D, orientation: number): Tensor3D {
  if (orientation <= 1) return img;
  return tf.tidy(() => {
    const t = (x: Tensor3D) => x.transpose([1, 0, 2]) as Tensor3D;
    switch (orientation) {
      case 2: return img.reverse(1);
      case 3: return img.reverse([0, 1]);
      case 4: return img.reverse(0);
      case 5: return t(img);
      case 6: return t(img).reverse(1); // rotate 90° clockwise
      case 7: return t(img).reverse([0, 1]);
      default: return t(img).reverse(0); // 8: rotate 90° counter-clockwise
    }
  }) as Tensor3D;
}

/** Luminance weights of RGB → grey (ITU-R BT.601, as TensorFlow's `rgb_to_grayscale`). */
const LUMA = [0.2989, 0.587, 0.114] as const;
const luma = (r: number, g: number, b: number) => LUMA[0] * r + LUMA[1] * g + LUMA[2] * b;

/**
 * The error for a file that is not a decodable image, naming it and what to do. TensorFlow's
 * message is "Invalid TF_Status: 3\nMessage: Invalid PNG data, size 444": its `Message:` line is
 * kept. A file whose PNG/JPEG header reads fine (`bytes` given) is corrupt or truncated, and said so.
 */
function notAnImage(file: string, err: unknown, bytes?: Uint8Array): Error {
  const msg = err instanceof Error ? err.message : String(err);
  const detail = (/Message: (.*)/.exec(msg)?.[1] ?? msg.split('\n')[0]).trim();
  const hdr = bytes ? imageHeader(bytes) : null;
  if (hdr) {
    const kind = bytes![0] === 0x89 ? 'PNG' : 'JPEG';
    return new Error(`Expected a decodable image in ${file}; got a corrupt or truncated ${kind} (its header reads ${hdr.width}x${hdr.height}, `
      + `${bytes!.length} bytes, but the image data does not decode: ${detail}). Re-save or re-download the file, or remove it from the folder.`);
  }
  return new Error(`Cannot decode ${file} as PNG/JPEG (${detail}); remove or re-save the file.`);
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };

/**
 * Decodes a PNG/JPEG file to an int32 tensor `[h, w, c]` (0-255), upright by its EXIF orientation;
 * `channels` 0 keeps the file's channels, 4 expands palettes and tRNS transparency to RGBA.
 * Throws naming the file when it is not a decodable image, or when native TensorFlow is missing.
 */
export function decodeImageFile(file: string, channels: 0 | 3 | 4 = 0): Tensor3D {
  if (!hasNodeHelpers()) {
    throw new Error(`Cannot decode ${file}: image folders need native TensorFlow (tf.node.decodeImage). Run \`npm run setup\`.`);
  }
  let bytes: Buffer | undefined;
  try {
    bytes = fs.readFileSync(file);
    const img = tf.node.decodeImage(bytes, channels, 'int32', false) as Tensor3D;
    const o = exifOrientation(bytes);
    if (o <= 1) return img;
    const out = upright(img, o);
    img.dispose();
    return out;
  } catch (err) {
    throw notAnImage(file, err, bytes);
  }
}

/** What transparent pixels are composited over: 'white', 'black', or `[r, g, b]` 0-255. */
export type Background = 'white' | 'black' | [number, number, number];

/**
 * The `[r, g, b]` (0-255) of a {@link Background} option; white when undefined.
 *
 * Every other value in ganbook is in [0, 1], so an `[r, g, b]` whose components are all ≤ 1 (and
 * not all 0) is rejected as ambiguous rather than guessed at: `[0.5, 0.5, 0.5]` read as 0-255 is
 * near-black, which nobody means; `[1, 1, 1]` is white in [0, 1] and near-black in 0-255. Pass
 * `[128, 128, 128]` (or 'black' for black).
 *
 * @throws Error for anything else: a colour name other than white/black, values outside 0-255,
 *   or an all-≤-1 colour (with the 0-255 colour it probably means).
 * @example
 * ```ts
 * parseBackground('black');         // [0, 0, 0]
 * parseBackground([10, 20, 30]);    // [10, 20, 30]
 * parseBackground([0.5, 0.5, 0.5]); // Error: … did you mean [128, 128, 128]?
 * ```
 */
export function parseBackground(background: Background | undefined): [number, number, number] {
  const rgb = background === undefined || background === 'white' ? [255, 255, 255] : background === 'black' ? [0, 0, 0]
    : Array.isArray(background) && background.length === 3 ? background : null;
  if (!rgb || rgb.some((v) => !(typeof v === 'number' && v >= 0 && v <= 255))) {
    throw new Error(`Expected background 'white', 'black' or [r, g, b] in 0-255; got ${showValue(background)}.`);
  }
  if (rgb.every((v) => v <= 1) && rgb.some((v) => v > 0)) {
    throw new Error(`Expected background [r, g, b] in 0-255; got ${showValue(background)}, which reads as near-black there but looks like `
      + `a colour in 0-1 (the range of image values): did you mean [${rgb.map((v) => Math.round(v * 255)).join(', ')}]? For black pass 'black'.`);
  }
  return [rgb[0], rgb[1], rgb[2]];
}

/**
 * Composites pixels with alpha over a background: out = v·a + bg·(1 − a), a = alpha / 255, in
 * the images' (sRGB) values 0-255. `data` holds `channels` values per pixel, the last one alpha:
 * 2 (gray + alpha, for a grey output: the background's luminance, ITU-R BT.601 weights, is used;
 * for a colour output expand grey to RGB first, `[v, v, v, a]`, and pass 4) or 4 (RGBA).
 * Returns `channels − 1` floats per pixel (0-255, not rounded).
 *
 * @example
 * ```ts
 * compositeOver([255, 0, 0, 128], 4, [255, 255, 255]); // Float32Array [255, 127, 127] (half-transparent red on white)
 * ```
 */
export function compositeOver(data: ArrayLike<number>, channels: 2 | 4, background: [number, number, number]): Float32Array {
  const bg = channels === 2 ? [luma(background[0], background[1], background[2])] : background;
  const c = channels - 1;
  const n = data.length / channels;
  const out = new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    const a = data[i * channels + c] / 255;
    for (let k = 0; k < c; k++) out[i * c + k] = data[i * channels + k] * a + bg[k] * (1 - a);
  }
  return out;
}

/** Grey + alpha pixels `[v, a, …]` as RGBA `[v, v, v, a, …]`. */
function greyAlphaToRgba(data: ArrayLike<number>): Float32Array {
  const n = data.length / 2, out = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const v = data[2 * i];
    out[4 * i] = v; out[4 * i + 1] = v; out[4 * i + 2] = v; out[4 * i + 3] = data[2 * i + 1];
  }
  return out;
}

/**
 * Centre-crops to a square, composites alpha over `background` ({@link compositeOver}), resizes
 * to `size`, converts to `channels`: uint8 values.
 */
function prepare(img: Tensor3D, size: number, channels: 1 | 3, background: [number, number, number]): Uint8Array {
  return tf.tidy(() => {
    const [h, w, c] = img.shape;
    const s = Math.min(h, w);
    let x = img.slice([Math.floor((h - s) / 2), Math.floor((w - s) / 2), 0], [s, s, c]).toFloat() as Tensor3D;
    if (c === 2 && channels === 3) {
      // Grey + alpha in a colour set: grey → RGB first, then over the background's colour (as the
      // large-image path draws it), not over its luminance.
      x = tf.tensor3d(compositeOver(greyAlphaToRgba(x.dataSync()), 4, background), [s, s, 3]);
    } else if (c === 2 || c === 4) x = tf.tensor3d(compositeOver(x.dataSync(), c, background), [s, s, c - 1]);
    const cc = x.shape[2];
    if (channels === 3 && cc === 1) x = x.tile([1, 1, 3]);
    if (channels === 1 && cc === 3) x = x.mul(tf.tensor1d([...LUMA])).sum(-1, true) as Tensor3D;
    if (s !== size) x = tf.image.resizeBilinear(x, [size, size], true);
    return Uint8Array.from(x.round().clipByValue(0, 255).dataSync());
  });
}

/**
 * Images above this many pixels are decoded and shrunk by @napi-rs/canvas (Skia: one RGBA byte
 * copy, ~4 bytes per pixel, upright by EXIF orientation, composited over the background while it
 * is drawn, a mipmap-filtered downscale) instead of TensorFlow's decoder (int32 tensors and float
 * copies: a 12000x9000 PNG took 8.3 GB and 68 s that way, 0.6 GB and 2.3 s this way).
 */
export const LARGE_IMAGE_PIXELS = 4_000_000;

/** {@link prepare} for a large image file, through @napi-rs/canvas. */
async function prepareLarge(file: string, size: number, channels: 1 | 3, background: [number, number, number]): Promise<Uint8Array> {
  let img: Image;
  const bytes = fs.readFileSync(file);
  try {
    img = await loadImage(bytes);
  } catch (err) {
    throw notAnImage(file, err, bytes);
  }
  const s = Math.min(img.width, img.height);
  const canvas = createCanvas(size, size), g = canvas.getContext('2d');
  g.fillStyle = `rgb(${background.join(',')})`;
  g.fillRect(0, 0, size, size);
  g.imageSmoothingEnabled = true;
  g.imageSmoothingQuality = 'high';
  g.drawImage(img, Math.floor((img.width - s) / 2), Math.floor((img.height - s) / 2), s, s, 0, 0, size, size);
  img.src = new Uint8Array(0); // drop the decoded pixels now rather than at the next GC
  const rgba = g.getImageData(0, 0, size, size).data, n = size * size;
  const out = new Uint8Array(n * channels);
  for (let i = 0; i < n; i++) {
    if (channels === 3) { out[i * 3] = rgba[i * 4]; out[i * 3 + 1] = rgba[i * 4 + 1]; out[i * 3 + 2] = rgba[i * 4 + 2]; }
    else out[i] = Math.round(luma(rgba[i * 4], rgba[i * 4 + 1], rgba[i * 4 + 2]));
  }
  return out;
}

/** Names what a listing skipped (broken links, link cycles, empty class folders): one warning each, paths relative to `dir`. */
function warnSkipped(dir: string, skipped: Skipped): void {
  const names = (ps: string[]) => `${ps.slice(0, 5).map((p) => path.relative(dir, p)).join(', ')}${ps.length > 5 ? ', …' : ''}`;
  if (skipped.broken.length) {
    console.warn(`loadImageFolder: skipped ${skipped.broken.length} broken symbolic link(s) in ${dir} (target missing, or links pointing at each other): `
      + `${names(skipped.broken)}; fix or remove them.`);
  }
  if (skipped.cycles.length) {
    console.warn(`loadImageFolder: skipped ${skipped.cycles.length} symbolic link(s) in ${dir} that lead back to a folder containing them (a cycle): `
      + `${names(skipped.cycles)}; link to the images' own folder instead.`);
  }
  if (skipped.empty.length) {
    console.warn(`loadImageFolder: skipped ${skipped.empty.length} class folder(s) in ${dir} with no ${IMAGE_EXTENSIONS.join('/')} images, `
      + `so they are no class: ${names(skipped.empty)}; add images or remove the folder.`);
  }
}

/**
 * Loads a folder of images. With sub-folders, each sub-folder is a class (its name is the class
 * name, images found at any depth below it); without, the images are unlabeled. Symbolic links to
 * files and folders are followed. What cannot be used is skipped and named in a `console.warn`:
 * broken links, links back to a folder that contains them (cycles), class folders without images,
 * images far smaller than the output size.
 *
 * @throws Error for an unknown option (with a "did you mean"), `size` not a positive integer,
 *   `channels` not 1 or 3, a bad `limit` or `background`, a missing folder, no images, images outside
 *   the class folders, or a file that does not decode (named; a corrupt or truncated one is said so).
 * @example
 * ```ts
 * // faces/happy/*.png, faces/sad/*.jpg
 * const ds = await loadImageFolder('faces', { size: 32, channels: 3 });
 * ds.classNames; // ['happy', 'sad']
 * ```
 */
export async function loadImageFolder(dir: string, opts: ImageFolderOptions = {}): Promise<Dataset> {
  const where = `loadImageFolder(${showValue(dir)})`;
  checkOptions(opts === null || typeof opts !== 'object' ? opts : { ...opts, background: undefined }, IMAGE_FOLDER_OPTIONS, 'loadImageFolder option');
  checkSizeChannels(opts.size, opts.channels, where, "the images' median shorter side");
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit > 0)) {
    throw new Error(`${where}: expected limit a positive integer; got ${showValue(opts.limit)}. Pass e.g. { limit: 100 }, or leave it out for every image.`);
  }
  const background = parseBackground(opts.background);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new Error(`Image folder ${dir} does not exist; pass a folder of PNG/JPEG images (sub-folders = classes).`);
  }
  const skipped: Skipped = { broken: [], cycles: [], empty: [] };
  const root = new Set([fs.realpathSync(dir)]);
  // Sub-folders (and links to folders), each listed once; empty ones are no class (named below).
  const top = sortedEntries(dir).filter((e) => !isMetadata(e.name)).map((e) => ({ name: e.name, kind: entryKind(path.join(dir, e.name), e, skipped) }));
  const classes = top.filter((e) => e.kind === 'dir').map((e) => e.name).sort().map((name) => {
    const p = path.join(dir, name), real = fs.realpathSync(p);
    if (root.has(real)) { skipped.cycles.push(p); return { name, images: [] as string[] }; }
    return { name, images: listImages(p, skipped, new Set([...root, real])) };
  });
  const nonEmpty = classes.filter((c) => c.images.length > 0);
  const subdirs = nonEmpty.map((c) => c.name);
  const labeled = opts.labels ?? subdirs.length > 0;
  let files: { file: string; label: number }[];
  if (labeled) {
    if (subdirs.length === 0) throw new Error(`${dir}: labels requested but it has no sub-folders with images; put each class in its own sub-folder.`);
    const loose = top.filter((e) => e.kind === 'file' && isImage(e.name)).map((e) => e.name);
    if (loose.length > 0) {
      throw new Error(`${dir}: ${loose.length} image(s) lie outside the class sub-folders (e.g. ${loose[0]}); `
        + 'move them into a class folder, or pass { labels: false } to load everything unlabeled.');
    }
    skipped.empty.push(...classes.filter((c) => c.images.length === 0 && !skipped.cycles.includes(path.join(dir, c.name))).map((c) => path.join(dir, c.name)));
    files = nonEmpty.flatMap((c, k) => c.images.map((file) => ({ file, label: k })));
  } else {
    const again: Skipped = { broken: [], cycles: [], empty: [] }; // one listing's notes, not the class pass's too
    files = listImages(dir, again, root).map((file) => ({ file, label: -1 }));
    Object.assign(skipped, again);
  }
  warnSkipped(dir, skipped);
  if (opts.limit !== undefined) files = files.slice(0, opts.limit);
  if (files.length === 0) throw new Error(`${dir}: no ${IMAGE_EXTENSIONS.join('/')} images found.`);

  // Size and channels from every image's header (not from whichever file sorts first).
  const headers = files.map((f) => {
    const fd = fs.openSync(f.file, 'r');
    try {
      const b = Buffer.alloc(64 * 1024);
      const head = b.subarray(0, fs.readSync(fd, b, 0, b.length, 0));
      const hdr = imageHeader(head);
      // EXIF orientations 5-8 turn the stored image by 90°: upright, width and height swap.
      return hdr && exifOrientation(head) >= 5 ? { ...hdr, width: hdr.height, height: hdr.width } : hdr;
    } finally { fs.closeSync(fd); }
  });
  const known = headers.filter((x): x is NonNullable<typeof x> => x !== null);
  const typical = known.length ? median(known.map((x) => Math.min(x.width, x.height))) : 64;
  const size = opts.size ?? (typical > 128 ? 64 : typical);
  const channels = opts.channels ?? (known.filter((x) => x.channels <= 2).length * 2 > known.length ? 1 : 3);
  const tiny = files.filter((_, i) => headers[i] && Math.min(headers[i]!.width, headers[i]!.height) * 4 < size);
  if (tiny.length) {
    console.warn(`loadImageFolder: skipped ${tiny.length} image(s) far smaller than the ${size} px output: `
      + `${tiny.slice(0, 5).map((f) => `${path.relative(dir, f.file)} (${headers[files.indexOf(f)]!.width}x${headers[files.indexOf(f)]!.height})`).join(', ')}${tiny.length > 5 ? ', …' : ''}.`);
    files = files.filter((f) => !tiny.includes(f));
  }
  const per = size * size * channels;
  const pixels = new Uint8Array(files.length * per);
  for (let i = 0; i < files.length; i++) {
    const h = headers[i];
    if (h && h.width * h.height > LARGE_IMAGE_PIXELS) {
      pixels.set(await prepareLarge(files[i].file, size, channels, background), i * per);
      continue;
    }
    const img = decodeImageFile(files[i].file);
    try {
      pixels.set(prepare(img, size, channels, background), i * per);
    } finally {
      img.dispose();
    }
  }
  return new Dataset({
    name: path.basename(path.resolve(dir)),
    pixels,
    shape: [files.length, size, size, channels],
    labels: labeled ? Int32Array.from(files, (f) => f.label) : null,
    classNames: labeled ? subdirs : [],
  });
}
