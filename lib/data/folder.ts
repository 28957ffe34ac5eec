/**
 * A user's own folder of PNG/JPEG images as a {@link Dataset}: sub-folder names become class
 * names (sorted), or the whole folder is one unlabeled set.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf, hasNodeHelpers, type Tensor3D } from '../backend';
import { Dataset } from './dataset';

/** File extensions read as images. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

/** Options for {@link loadImageFolder}. */
export interface ImageFolderOptions {
  /** Side of the square output images; non-square images are centre-cropped first.
   * Default: the first image's side (its shorter side), capped at 64 when larger than 128. */
  size?: number;
  /** 1 = grayscale, 3 = RGB. Default: 1 if the first image is grayscale, else 3. */
  channels?: 1 | 3;
  /** Labels from sub-folder names (default: true when the folder has sub-folders with images). */
  labels?: boolean;
  /** Read at most this many images (in sorted path order). */
  limit?: number;
}

const isImage = (f: string): boolean => IMAGE_EXTENSIONS.includes(path.extname(f).toLowerCase());

function listImages(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listImages(p));
    else if (e.isFile() && isImage(e.name)) out.push(p);
  }
  return out;
}

function decode(file: string): Tensor3D {
  if (!hasNodeHelpers()) {
    throw new Error(`Cannot decode ${file}: image folders need native TensorFlow (tf.node.decodeImage). Run \`npm run setup\`.`);
  }
  try {
    return tf.node.decodeImage(fs.readFileSync(file), 0, 'int32', false) as Tensor3D;
  } catch (err) {
    throw new Error(`Cannot decode ${file} as PNG/JPEG (${(err as Error).message.split('\n')[0]}); remove or re-save the file.`);
  }
}

/** Centre-crops to a square, resizes to `size`, converts to `channels`: uint8 values. */
function prepare(img: Tensor3D, size: number, channels: 1 | 3): Uint8Array {
  return tf.tidy(() => {
    const [h, w, c] = img.shape;
    const s = Math.min(h, w);
    let x = img.slice([Math.floor((h - s) / 2), Math.floor((w - s) / 2), 0], [s, s, c]).toFloat() as Tensor3D;
    if (c === 2 || c === 4) x = x.slice([0, 0, 0], [s, s, c - 1]);
    const cc = x.shape[2];
    if (channels === 3 && cc === 1) x = x.tile([1, 1, 3]);
    if (channels === 1 && cc === 3) x = x.mul(tf.tensor1d([0.2989, 0.587, 0.114])).sum(-1, true) as Tensor3D;
    if (s !== size) x = tf.image.resizeBilinear(x, [size, size], true);
    return Uint8Array.from(x.round().clipByValue(0, 255).dataSync());
  });
}

/**
 * Loads a folder of images. With sub-folders, each sub-folder is a class (its name is the class
 * name, images found at any depth below it); without, the images are unlabeled.
 *
 * @example
 * ```ts
 * // faces/happy/*.png, faces/sad/*.jpg
 * const ds = await loadImageFolder('faces', { size: 32, channels: 3 });
 * ds.classNames; // ['happy', 'sad']
 * ```
 */
export async function loadImageFolder(dir: string, opts: ImageFolderOptions = {}): Promise<Dataset> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new Error(`Image folder ${dir} does not exist; pass a folder of PNG/JPEG images (sub-folders = classes).`);
  }
  const subdirs = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory())
    .map((e) => e.name).sort()
    .filter((d) => listImages(path.join(dir, d)).length > 0);
  const labeled = opts.labels ?? subdirs.length > 0;
  let files: { file: string; label: number }[];
  if (labeled) {
    if (subdirs.length === 0) throw new Error(`${dir}: labels requested but it has no sub-folders with images; put each class in its own sub-folder.`);
    const loose = fs.readdirSync(dir).filter(isImage);
    if (loose.length > 0) {
      throw new Error(`${dir}: ${loose.length} image(s) lie outside the class sub-folders (e.g. ${loose[0]}); `
        + 'move them into a class folder, or pass { labels: false } to load everything unlabeled.');
    }
    files = subdirs.flatMap((d, k) => listImages(path.join(dir, d)).map((file) => ({ file, label: k })));
  } else {
    files = listImages(dir).map((file) => ({ file, label: -1 }));
  }
  if (opts.limit !== undefined) files = files.slice(0, opts.limit);
  if (files.length === 0) throw new Error(`${dir}: no ${IMAGE_EXTENSIONS.join('/')} images found.`);

  const first = decode(files[0].file);
  const [h0, w0, c0] = first.shape;
  first.dispose();
  const side = Math.min(h0, w0);
  const size = opts.size ?? (side > 128 ? 64 : side);
  const channels = opts.channels ?? (c0 <= 2 ? 1 : 3);
  const per = size * size * channels;
  const pixels = new Uint8Array(files.length * per);
  for (let i = 0; i < files.length; i++) {
    const img = decode(files[i].file);
    try {
      pixels.set(prepare(img, size, channels), i * per);
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
