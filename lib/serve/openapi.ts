/**
 * The HTTP API's request schema and its OpenAPI 3.1 document, built from the model's metadata
 * (so a conditional model's schema requires `label` and an unconditional one rejects it).
 */
import { MAX_SEED } from './latent';
import type { ExportMeta } from './export';

/** Largest `truncation` accepted (beyond ~6 it changes nothing). */
export const MAX_TRUNCATION = 10;

/** JSON schema of the `POST /v1/generate` body for this model. */
export function generateBodySchema(meta: Pick<ExportMeta, 'numClasses'>, maxCount: number): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    count: { type: 'integer', minimum: 1, maximum: maxCount, default: 1, description: 'Number of images.' },
    seed: {
      type: 'integer', minimum: 0, maximum: MAX_SEED,
      description: 'Latent seed; the same seed gives byte-identical output. Random when omitted (returned in x-ganbook-seed).',
    },
    format: { type: 'string', enum: ['png', 'json'], default: 'png', description: 'A PNG grid, or JSON pixels (uint8, [n,h,w,c] row-major).' },
    truncation: {
      type: 'number', exclusiveMinimum: 0, maximum: MAX_TRUNCATION,
      description: 'Truncation trick: latent values with |z| > truncation are redrawn.',
    },
  };
  if (meta.numClasses > 0) {
    properties.label = { type: 'integer', minimum: 0, maximum: meta.numClasses - 1, description: 'Class index to generate.' };
  }
  return {
    type: 'object',
    additionalProperties: false,
    required: meta.numClasses > 0 ? ['label'] : [],
    properties,
  };
}

/** What each field accepts, in words (used in 400 messages). */
export function fieldHints(meta: Pick<ExportMeta, 'numClasses'>, maxCount: number): Record<string, string> {
  return {
    count: `an integer from 1 to ${maxCount}`,
    seed: `an integer from 0 to ${MAX_SEED}`,
    format: '"png" or "json"',
    truncation: `a number > 0 and <= ${MAX_TRUNCATION} (e.g. 0.7)`,
    label: meta.numClasses > 0 ? `an integer class index from 0 to ${meta.numClasses - 1}` : 'absent (this model is unconditional)',
  };
}

const errorSchema = {
  type: 'object',
  properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' } },
};

/** The OpenAPI 3.1 document served at `GET /openapi.json`. */
export function openApiDocument(meta: ExportMeta, maxCount: number, bodyLimit: number): Record<string, unknown> {
  const err = (description: string) => ({ description, content: { 'application/json': { schema: errorSchema } } });
  return {
    openapi: '3.1.0',
    info: {
      title: 'ganbook generator API',
      version: '1.0.0',
      description: `Generates ${meta.imageShape.join('x')} images from a GAN generator`
        + `${meta.dataset ? ` trained on ${meta.dataset}` : ''}${meta.numClasses ? ` (conditional, ${meta.numClasses} classes)` : ''}.`,
    },
    paths: {
      '/v1/generate': {
        post: {
          summary: 'Generate images',
          requestBody: {
            required: true,
            description: `JSON, at most ${bodyLimit} bytes.`,
            content: { 'application/json': { schema: generateBodySchema(meta, maxCount) } },
          },
          responses: {
            200: {
              description: 'A PNG grid (format "png") or pixels (format "json"). Header x-ganbook-seed holds the seed used.',
              content: {
                'image/png': { schema: { type: 'string', format: 'binary' } },
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      seed: { type: 'integer' }, count: { type: 'integer' }, label: { type: 'integer' },
                      truncation: { type: 'number' },
                      shape: { type: 'array', items: { type: 'integer' }, description: '[n, h, w, c]' },
                      pixels: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 255 } },
                    },
                  },
                },
              },
            },
            400: err('Invalid body: the message says which field and what it accepts.'),
            413: err('Body larger than the limit.'),
            415: err('Content-Type is not application/json.'),
            503: err('Busy (the generation queue is full, or the request timed out in it) or shutting down; '
              + 'retry after the Retry-After header\'s seconds (another replica may answer at once).'),
          },
        },
      },
      '/v1/model': { get: { summary: 'Model metadata (latent size, image shape, classes, dataset, metrics, compression)', responses: { 200: { description: 'Metadata' } } } },
      '/healthz': { get: { summary: 'Liveness, tensor count, memory and batching counters', responses: { 200: { description: 'OK' }, 503: { description: 'Draining: shutting down, finishing requests in flight' } } } },
      '/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } } },
      '/': { get: { summary: 'Browser demo: the model runs client-side with TensorFlow.js', responses: { 200: { description: 'HTML' } } } },
    },
  };
}
