/**
 * Rich output outside Jupyter: a {@link FallbackSink} that writes each displayed bundle to files
 * (PNG, SVG, HTML, vega-lite JSON) and prints their paths, drawing images inline in terminals that
 * speak the kitty or iTerm2 graphics protocol. The REPL (`npm run repl`) installs it; scripts can too.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { FallbackSink, MimeBundle } from './sink';
import { svgToPng } from './raster';

/** Inline image protocol of a terminal. */
export type InlineProtocol = 'kitty' | 'iterm' | 'none';

/**
 * Which inline image protocol the terminal speaks: `GANBOOK_INLINE_IMAGES` (kitty|iterm|none)
 * wins; else kitty (KITTY_WINDOW_ID, TERM=xterm-kitty), iTerm2 / WezTerm (TERM_PROGRAM); else none.
 *
 * @example
 * ```ts
 * detectInlineProtocol({ TERM: 'xterm-kitty' }, true); // 'kitty'
 * ```
 */
export function detectInlineProtocol(env: NodeJS.ProcessEnv = process.env, isTTY = Boolean(process.stdout.isTTY)): InlineProtocol {
  const forced = env.GANBOOK_INLINE_IMAGES;
  if (forced === 'kitty' || forced === 'iterm' || forced === 'none') return forced;
  if (!isTTY) return 'none';
  if (env.KITTY_WINDOW_ID || env.TERM === 'xterm-kitty') return 'kitty';
  if (env.TERM_PROGRAM === 'iTerm.app' || env.TERM_PROGRAM === 'WezTerm' || env.LC_TERMINAL === 'iTerm2') return 'iterm';
  return 'none';
}

/**
 * The escape sequence that draws a PNG inline (kitty graphics protocol or iTerm2's OSC 1337).
 *
 * @example
 * ```ts
 * process.stdout.write(inlineImage(png, 'kitty') + '\n');
 * ```
 */
export function inlineImage(png: Uint8Array, protocol: Exclude<InlineProtocol, 'none'>): string {
  const b64 = Buffer.from(png).toString('base64');
  if (protocol === 'iterm') return `\x1b]1337;File=inline=1;size=${png.length};preserveAspectRatio=1:${b64}\x07`;
  const chunks: string[] = [];
  for (let i = 0; i < b64.length; i += 4096) {
    const more = i + 4096 < b64.length ? 1 : 0;
    chunks.push(`\x1b_G${i === 0 ? 'f=100,a=T,' : ''}m=${more};${b64.slice(i, i + 4096)}\x1b\\`);
  }
  return chunks.join('');
}

export interface FileSinkOptions {
  /** Folder for the files (default `out/repl` under the current directory). */
  dir?: string;
  /** Inline protocol (default: {@link detectInlineProtocol}). */
  inline?: InlineProtocol;
  /** Where paths and pictures are written (default process.stdout). */
  out?: NodeJS.WritableStream;
}

const EXT: Record<string, string> = {
  'image/png': 'png', 'image/svg+xml': 'svg', 'text/html': 'html', 'application/vnd.vegalite.v5+json': 'vl.json',
};

/**
 * A sink that writes files and prints their paths (and draws inline where the terminal can).
 * An output shown with a display id is rewritten in place on `update`.
 *
 * @example
 * ```ts
 * setFallbackSink(fileSink({ dir: 'out/figures' }));
 * await show(tf.randomUniform([16, 28, 28, 1])); // prints out/figures/show-1.png
 * ```
 */
export function fileSink(opts: FileSinkOptions = {}): FallbackSink {
  const dir = path.resolve(opts.dir ?? path.join('out', 'repl'));
  const inline = opts.inline ?? detectInlineProtocol();
  const out = opts.out ?? process.stdout;
  const names = new Map<string, string>();
  let n = 0;
  return (bundle: MimeBundle, { displayId, update }) => {
    fs.mkdirSync(dir, { recursive: true });
    let base = displayId ? names.get(displayId) : undefined;
    if (!base) {
      base = `show-${++n}`;
      while (fs.existsSync(path.join(dir, `${base}.png`)) || fs.existsSync(path.join(dir, `${base}.svg`))) base = `show-${++n}`;
      if (displayId) names.set(displayId, base);
    }
    const written: string[] = [];
    for (const [mime, ext] of Object.entries(EXT)) {
      const v = bundle[mime];
      if (v == null) continue;
      const file = path.join(dir, `${base}.${ext}`);
      if (mime === 'image/png') fs.writeFileSync(file, typeof v === 'string' ? Buffer.from(v, 'base64') : (v as Uint8Array));
      else fs.writeFileSync(file, typeof v === 'string' ? v : JSON.stringify(v, null, 2));
      written.push(path.relative(process.cwd(), file) || file);
    }
    const text = typeof bundle['text/plain'] === 'string' ? bundle['text/plain'] : '';
    if (written.length === 0) { out.write(`${text}\n`); return; }
    if (inline !== 'none') {
      const png = bundle['image/png'];
      const bytes = typeof png === 'string' ? Buffer.from(png, 'base64') : (png as Uint8Array | undefined)
        ?? (typeof bundle['image/svg+xml'] === 'string' ? svgToPngSync(bundle['image/svg+xml'] as string) : undefined);
      if (bytes) out.write(`${inlineImage(bytes, inline)}\n`);
    }
    const shown = bundle['text/html'] && text ? `${text}\n` : '';
    out.write(`${shown}${update ? 'updated' : 'wrote'} ${written.join(', ')}\n`);
  };
}

function svgToPngSync(svg: string): Uint8Array | undefined {
  try { return svgToPng(svg); } catch { return undefined; }
}
