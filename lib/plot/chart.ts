/**
 * Vega-lite charts: specs are plain objects (`VegaLiteSpec`); rendering to SVG happens in
 * Node with no browser, so charts also show in nbconvert exports, GitHub and the REPL.
 */

/** A vega-lite v5 specification (plain JSON object). */
export type VegaLiteSpec = Record<string, unknown> & { $schema?: string };

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
export const VEGA_LITE_MIME = 'application/vnd.vegalite.v5+json';

/** True for objects that look like a vega-lite spec (have mark/layer/concat/... or the v5 schema). */
export function isVegaLiteSpec(x: unknown): x is VegaLiteSpec {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return false;
  const o = x as Record<string, unknown>;
  if (typeof o.$schema === 'string') return o.$schema.includes('vega-lite');
  return ['mark', 'layer', 'hconcat', 'vconcat', 'concat', 'facet', 'repeat'].some((k) => k in o);
}

/** Adds the v5 `$schema` when missing (JupyterLab picks the renderer by it). */
export function withSchema(spec: VegaLiteSpec): VegaLiteSpec {
  return spec.$schema ? spec : { $schema: VEGA_LITE_SCHEMA, ...spec };
}

/** Renders a vega-lite spec to an SVG string, in Node, without a canvas. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const vl = require('vega-lite') as typeof import('vega-lite');
  const vega = require('vega') as typeof import('vega');
  const compiled = vl.compile(withSchema(spec) as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
