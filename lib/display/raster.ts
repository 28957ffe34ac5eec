/**
 * SVG to PNG in Node with @napi-rs/canvas (prebuilt Skia, no system libraries): the PNG fallback
 * for charts (`show(spec, { pngFallback: true })`) and inline pictures in terminals.
 */

/**
 * Rasterises an SVG string to PNG bytes on a white background, at `scale` x its size.
 *
 * @example
 * ```ts
 * const png = svgToPng(await renderSvg(spec), 2);
 * ```
 */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const { createCanvas, Image } = require('@napi-rs/canvas') as typeof import('@napi-rs/canvas');
  const img = new Image();
  img.src = Buffer.from(svg);
  const w = Math.max(1, Math.round((img.width || 1) * scale));
  const h = Math.max(1, Math.round((img.height || 1) * scale));
  const canvas = createCanvas(w, h);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = 'white';
  ctx.fillRect(0, 0, w, h);
  ctx.drawImage(img, 0, 0, w, h);
  return canvas.toBuffer('image/png');
}
