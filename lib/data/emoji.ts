/**
 * `loadDataset('emoji')`: the emoji of iamcal's emoji-data (Unicode 16) as a colour dataset —
 * 64x64 RGBA PNGs in two freely licensed styles (Google's Noto Emoji, Apache-2.0; Twitter's
 * Twemoji, CC BY 4.0), composited over a background, labelled by Unicode category, with the style
 * as a second label. Sources and licences: `datasets/README.md`, `EMOJI_SOURCES` in
 * `datasets/registry.ts`.
 *
 * Decoding all 7,562 PNGs takes a few seconds, so the decoded, composited pixels of each
 * (style, size, background) are cached under `node_modules/.cache/ganbook/`, keyed by the
 * package version; a cached load reads one file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { EMOJI_SOURCES } from '../../datasets/registry';
import { checkOptions, type OptionSpec, showValue } from '../options';
import { Dataset } from './dataset';
import { compositeOver, decodeImageFile, parseBackground, type Background } from './folder';
import { permutation } from './random';

/** The drawing styles, in the order of `ds.attributes.style.names`. */
export const EMOJI_STYLES = ['google', 'twitter'] as const;
/** One drawing style of {@link EMOJI_STYLES}. */
export type EmojiStyle = typeof EMOJI_STYLES[number];

/**
 * Class names of `loadDataset('emoji')`: the Unicode emoji categories in Unicode's order (label
 * = index). Unicode's ninth category, "Component" (the five skin-tone swatches), is left out: they
 * are colour squares, not emoji, and five images are no class.
 */
export const EMOJI_CATEGORIES = [
  'Smileys & Emotion', 'People & Body', 'Animals & Nature', 'Food & Drink', 'Travel & Places',
  'Activities', 'Objects', 'Symbols', 'Flags',
];

/** Categories in emoji.json that are left out (see {@link EMOJI_CATEGORIES}). */
const EXCLUDED_CATEGORIES = ['Component'];

/** Share of each category's emoji held out in the `test` split. */
export const EMOJI_TEST_FRACTION = 0.2;
/** Seed of the held-out draw (category `k` uses `permutation(count, EMOJI_SPLIT_SEED + k)`). */
export const EMOJI_SPLIT_SEED = 17;

/** Options of the emoji dataset (also accepted by `loadDataset('emoji', …)`). */
export interface EmojiOptions {
  /**
   * `train` (default: 80% of each category's emoji) or `test` (the held-out 20%). Disjoint by emoji,
   * not quite by pixels: 8 of the 1,564 test images equal training images pixel for pixel (other
   * emoji drawn alike: Twemoji families such as woman-girl = man-boy, flags flag-bv and flag-sj =
   * flag-no, fr = flag-cp and flag-mf; datasets/README.md).
   */
  split?: 'train' | 'test';
  /** Side in pixels: 64 (native) or 32 (2x2 box filter). Default 64. */
  size?: 32 | 64;
  /** Styles to include, in this order for each emoji. Default `['google', 'twitter']`. */
  styles?: EmojiStyle[];
  /** What transparent pixels are composited over: 'white' (default), 'black' or `[r, g, b]` 0-255. */
  background?: Background;
  /** Include the skin-tone variants (default true; false keeps one image per emoji and style). */
  skinTones?: boolean;
  /**
   * Keep only the first `limit` images (in the dataset's order: Unicode's, so `limit: 100` is all
   * Smileys). A limit of 90 or more that leaves categories empty is warned about; for a sample across categories
   * load all and use `ds.shuffle(seed).take(n)`.
   */
  limit?: number;
  /** Read/write the decoded-pixel cache (default true; false decodes only the images returned). */
  cache?: boolean;
}

/** Every {@link EmojiOptions} name (unknown ones are an error with a "did you mean"); values are checked in {@link loadEmoji}. */
const EMOJI_OPTIONS: Record<keyof EmojiOptions, OptionSpec> = {
  split: { kind: 'string' }, size: { kind: 'number' }, styles: { kind: 'array' }, skinTones: { kind: 'boolean' },
  limit: { kind: 'number' }, cache: { kind: 'boolean' },
  background: { kind: 'object' }, // its value is checked by parseBackground (a name or an [r, g, b] array)
};

/** One emoji image of the catalogue (one variant; each variant exists in every style). */
export interface EmojiImage {
  /** Index of the emoji in {@link EmojiCatalogue.emoji}. */
  emoji: number;
  /** Label: index into {@link EMOJI_CATEGORIES}. */
  category: number;
  /** PNG file name inside `img/<style>/64/`. */
  file: string;
  /** True for a skin-tone variant. */
  skinTone: boolean;
}

/** The emoji and their images in dataset order, with the held-out split. */
export interface EmojiCatalogue {
  /** emoji-data's version (of the google package; both are checked to match). */
  version: string;
  /** Per emoji, in Unicode's sort order: short name, unified code points, category, split. */
  emoji: { name: string; unified: string; category: number; split: 'train' | 'test' }[];
  /** Every variant: base image, then skin tones in emoji-data's order of their code points. */
  images: EmojiImage[];
}

interface RawEmoji {
  short_name: string;
  unified: string;
  image: string;
  category: string;
  sort_order: number;
  has_img_google?: boolean;
  has_img_twitter?: boolean;
  skin_variations?: Record<string, { image: string; has_img_google?: boolean; has_img_twitter?: boolean }>;
}

let catalogueCache: EmojiCatalogue | null = null;

function packageVersion(style: EmojiStyle): string {
  const file = path.join(EMOJI_SOURCES[style].dir(), 'package.json');
  if (!fs.existsSync(file)) {
    throw new Error(`Emoji style "${style}": ${EMOJI_SOURCES[style].package} is not installed (${file} missing); run \`npm ci\` (or \`npm run setup\`).`);
  }
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

/**
 * The emoji catalogue read from emoji-data's `emoji.json` (once per process): 1,906 emoji in 9
 * categories, 3,781 images per style with the skin-tone variants, each emoji assigned to `train`
 * or `test` — per category, a seeded {@link EMOJI_TEST_FRACTION} of its emoji (all variants and
 * styles of an emoji share its split).
 *
 * @example
 * ```ts
 * const cat = emojiCatalogue();
 * cat.emoji.filter((e) => e.split === 'test').length; // 382 held-out emoji
 * ```
 */
export function emojiCatalogue(): EmojiCatalogue {
  if (catalogueCache) return catalogueCache;
  const version = packageVersion('google');
  const other = packageVersion('twitter');
  if (other !== version) {
    throw new Error(`emoji-datasource-google is ${version} but emoji-datasource-twitter is ${other}; install the same version of both (npm ci).`);
  }
  const raw = (JSON.parse(fs.readFileSync(path.join(EMOJI_SOURCES.google.dir(), 'emoji.json'), 'utf8')) as RawEmoji[])
    .filter((e) => !EXCLUDED_CATEGORIES.includes(e.category))
    .sort((a, b) => a.sort_order - b.sort_order);
  const emoji: EmojiCatalogue['emoji'] = [];
  const images: EmojiImage[] = [];
  for (const e of raw) {
    const category = EMOJI_CATEGORIES.indexOf(e.category);
    if (category < 0) throw new Error(`emoji.json ${version}: unknown category "${e.category}" of ${e.short_name}; update EMOJI_CATEGORIES in lib/data/emoji.ts.`);
    const k = emoji.push({ name: e.short_name, unified: e.unified, category, split: 'train' }) - 1;
    const variants: { image: string; has_img_google?: boolean; has_img_twitter?: boolean; skinTone: boolean }[] = [
      { image: e.image, has_img_google: e.has_img_google, has_img_twitter: e.has_img_twitter, skinTone: false }];
    for (const key of Object.keys(e.skin_variations ?? {}).sort()) variants.push({ ...e.skin_variations![key], skinTone: true });
    for (const v of variants) {
      if (!v.has_img_google || !v.has_img_twitter) continue; // none in 16.0.0; keep both styles aligned if one appears
      images.push({ emoji: k, category, file: v.image, skinTone: v.skinTone });
    }
  }
  EMOJI_CATEGORIES.forEach((_, c) => {
    const members = emoji.filter((e) => e.category === c);
    const order = permutation(members.length, EMOJI_SPLIT_SEED + c);
    const nTest = Math.round(members.length * EMOJI_TEST_FRACTION);
    for (let i = 0; i < nTest; i++) members[order[i]].split = 'test';
  });
  catalogueCache = { version, emoji, images };
  return catalogueCache;
}

/** `node_modules/.cache/ganbook`, next to the emoji packages. */
function cacheDir(): string {
  return path.join(path.dirname(EMOJI_SOURCES.google.dir()), '.cache', 'ganbook');
}

/**
 * All catalogue images of one style at `size`, composited over `rgb`: uint8 `[n, size, size, 3]`
 * in catalogue order. Each PNG is decoded as RGBA (palettes and tRNS expanded) and composited in
 * float ({@link compositeOver}); for 32 px each output pixel is the mean of a 2x2 block of
 * composited pixels (an exact area/box filter for a factor of 2); values are then rounded
 * (half to even, as `tf.round`).
 */
function decodeStyle(style: EmojiStyle, images: EmojiImage[], size: 32 | 64, rgb: [number, number, number]): Uint8Array {
  const dir = path.join(EMOJI_SOURCES[style].dir(), 'img', style, '64');
  const per = size * size * 3;
  const out = new Uint8ClampedArray(images.length * per);
  images.forEach((im, i) => {
    const file = path.join(dir, im.file);
    const img = decodeImageFile(file, 4);
    let rgba: Int32Array;
    try {
      if (img.shape[0] !== 64 || img.shape[1] !== 64) {
        throw new Error(`${file}: expected a 64x64 PNG, got ${img.shape[1]}x${img.shape[0]}; reinstall ${EMOJI_SOURCES[style].package} (npm ci).`);
      }
      rgba = img.dataSync() as Int32Array;
    } finally {
      img.dispose();
    }
    const x = compositeOver(rgba, 4, rgb);
    const o = i * per;
    if (size === 64) { out.set(x, o); return; }
    for (let y = 0; y < 32; y++) {
      for (let xx = 0; xx < 32; xx++) {
        const p = (2 * y * 64 + 2 * xx) * 3, q = p + 64 * 3;
        for (let k = 0; k < 3; k++) out[o + (y * 32 + xx) * 3 + k] = (x[p + k] + x[p + 3 + k] + x[q + k] + x[q + 3 + k]) / 4;
      }
    }
  });
  return new Uint8Array(out.buffer);
}

/**
 * One style's pixels of catalogue images `wanted` (in that order): sliced from the cache of all
 * the style's images when `useCache` (decoding and caching them all first if needed), else
 * decoded for `wanted` alone.
 */
function stylePixels(style: EmojiStyle, cat: EmojiCatalogue, wanted: number[], size: 32 | 64, rgb: [number, number, number], useCache: boolean): Uint8Array {
  if (!useCache) return decodeStyle(style, wanted.map((i) => cat.images[i]), size, rgb);
  const per = size * size * 3;
  const file = path.join(cacheDir(), `emoji-${style}-${cat.version}-${cat.images.length}-${size}px-bg${rgb.join('_')}.u8`);
  let all: Uint8Array;
  if (fs.existsSync(file) && fs.statSync(file).size === cat.images.length * per) {
    const buf = fs.readFileSync(file);
    all = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } else {
    all = decodeStyle(style, cat.images, size, rgb);
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, all);
      fs.renameSync(tmp, file); // atomic: concurrent loaders never read half a file
    } catch (err) {
      console.warn(`loadDataset('emoji'): could not write the pixel cache ${file} (${(err as Error).message}); loading still works, uncached.`);
    }
  }
  const out = new Uint8Array(wanted.length * per);
  wanted.forEach((i, j) => out.set(all.subarray(i * per, (i + 1) * per), j * per));
  return out;
}

/**
 * Warns when a `limit` of `n` images (in Unicode order) leaves categories empty that the whole
 * selection has (`available`: the category of each image it holds), naming them and the remedy.
 */
function warnEmptyCategories(n: number, labels: Int32Array, available: number[]): void {
  const present = new Set(labels), all = new Set(available);
  const empty = EMOJI_CATEGORIES.filter((_, k) => all.has(k) && !present.has(k));
  if (empty.length === 0) return;
  console.warn(`loadDataset('emoji'): limit ${n} keeps the first ${n} images in Unicode order, which leaves ${empty.length} of ${all.size} categories empty `
    + `(${empty.join(', ')}). For a sample across categories load without limit and take a seeded one: `
    + `(await loadDataset('emoji', …)).shuffle(seed).take(${n}).`);
}

/**
 * Loads the emoji dataset: images `[n, size, size, 3]` in [0, 1], labels = Unicode category
 * ({@link EMOJI_CATEGORIES}), `ds.attributes.style` = drawing style (`names` =
 * {@link EMOJI_STYLES}, fixed whatever `styles` holds) and `ds.attributes.emoji` = which emoji
 * (`names` = short names of all 1,906, `emoji-data` order). Order: emoji in Unicode's sort order,
 * then each variant (base image, then skin tones), then `styles` in the given order.
 *
 * Sizes (both styles, skin tones included): train 5,998 images of 1,524 emoji, test 1,564 images of
 * 382 emoji. Transparent pixels are composited in sRGB values (out = rgb·a + bg·(1 − a)).
 *
 * @throws for an unknown option name (with a "did you mean"), a size other than 32/64, an unknown
 *   or repeated style, an invalid background or split, a bad limit, or when the emoji packages are
 *   missing (`npm ci`).
 * @example
 * ```ts
 * const emoji = await loadEmoji({ size: 32 });              // 5,998 x 32x32x3, white background
 * emoji.classNames[emoji.labels![0]];                       // 'Smileys & Emotion'
 * emoji.attributes.style.names[emoji.attributes.style.values[1]]; // 'twitter'
 * const heldOut = await loadEmoji({ split: 'test', styles: ['twitter'], background: 'black' });
 * ```
 */
export async function loadEmoji(opts: EmojiOptions = {}): Promise<Dataset> {
  checkOptions(opts === null || typeof opts !== 'object' ? opts : { ...opts, background: undefined }, EMOJI_OPTIONS, "loadDataset('emoji') option");
  const size = opts.size ?? 64;
  if (size !== 32 && size !== 64) throw new Error(`loadDataset('emoji'): size must be 32 or 64; got ${showValue(opts.size)}. Resize afterwards for other sizes.`);
  const split = opts.split ?? 'train';
  if (split !== 'train' && split !== 'test') throw new Error(`loadDataset('emoji'): split must be 'train' or 'test'; got ${showValue(opts.split)}.`);
  const styles = opts.styles ?? [...EMOJI_STYLES];
  if (!Array.isArray(styles) || styles.length === 0) throw new Error(`loadDataset('emoji'): styles must be a non-empty array of ${EMOJI_STYLES.map((s) => `'${s}'`).join(', ')}; got ${showValue(opts.styles)}.`);
  for (const s of styles) {
    if (!(EMOJI_STYLES as readonly string[]).includes(s)) {
      const hint = ['apple', 'facebook'].includes(String(s)) ? ' (Apple and Facebook emoji images are not freely licensed and are not included)' : '';
      throw new Error(`loadDataset('emoji'): unknown style ${showValue(s)}; expected ${EMOJI_STYLES.map((x) => `'${x}'`).join(' or ')}${hint}.`);
    }
  }
  if (new Set(styles).size !== styles.length) throw new Error(`loadDataset('emoji'): styles lists a style twice (${showValue(styles)}); name each once.`);
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit > 0)) {
    throw new Error(`loadDataset('emoji'): limit must be a positive integer; got ${showValue(opts.limit)}.`);
  }
  const rgb = parseBackground(opts.background);
  const cat = emojiCatalogue();
  const wanted: number[] = [];
  cat.images.forEach((im, i) => {
    if (cat.emoji[im.emoji].split === split && !(opts.skinTones === false && im.skinTone)) wanted.push(i);
  });
  // Images interleave styles: variant 0 in each style, variant 1 in each style, …; limit applies to that order.
  const n = Math.min(wanted.length * styles.length, opts.limit ?? Infinity);
  const variants = wanted.slice(0, Math.ceil(n / styles.length));
  const stores = styles.map((s) => stylePixels(s, cat, variants, size, rgb, opts.cache ?? true));
  const per = size * size * 3;
  const pixels = new Uint8Array(n * per);
  const labels = new Int32Array(n), style = new Int32Array(n), emoji = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const v = Math.floor(j / styles.length), s = j % styles.length;
    const im = cat.images[variants[v]];
    pixels.set(stores[s].subarray(v * per, (v + 1) * per), j * per);
    labels[j] = im.category;
    style[j] = EMOJI_STYLES.indexOf(styles[s]);
    emoji[j] = im.emoji;
  }
  // A few images (limit 18 to look at the first smileys) are a choice; a limit big enough to train
  // on (10 per category and more) that still misses categories is the trap worth a warning.
  if (n < wanted.length * styles.length && n >= 10 * EMOJI_CATEGORIES.length) warnEmptyCategories(n, labels, wanted.map((i) => cat.images[i].category));
  return new Dataset({
    name: split === 'train' ? 'emoji' : 'emoji/test',
    pixels, shape: [n, size, size, 3], maxValue: 255, labels, classNames: EMOJI_CATEGORIES,
    attributes: {
      style: { names: [...EMOJI_STYLES], values: style },
      emoji: { names: cat.emoji.map((e) => e.name), values: emoji },
    },
  });
}
