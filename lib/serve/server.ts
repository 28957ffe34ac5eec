/**
 * The HTTP API and browser demo for an exported generator, on fastify.
 *
 * - `POST /v1/generate` `{count, seed?, label?, format, truncation?}` → PNG grid or JSON pixels
 *   (same seed → byte-identical bytes);
 * - `GET /v1/model` metadata, `GET /healthz`, `GET /openapi.json`;
 * - `GET /` the browser demo, `/model/*` the exported files, `/vendor/tf.min.js` TensorFlow.js.
 *
 * Every body is validated against a schema built from the model (400 with a message naming the
 * field and what it accepts); bodies are size-limited.
 *
 * Under load, concurrent requests are coalesced into one generator call ({@link Batcher}: up to
 * `maxBatchSize` images, waiting at most `batchTimeoutMs`); each request still gets exactly the
 * bytes it gets alone. Past `maxQueuedImages` queued images, or after `timeoutMs`, a request gets
 * `503` with `Retry-After` and a JSON message. Every response names its server in
 * `x-ganbook-replica`. Closing (SIGTERM in `npm run serve`) drains: new requests and `/healthz`
 * get `503` with `Connection: close`, the listener stops accepting, requests in flight finish,
 * then the model is disposed. docs/serving.md has the recipe for replicas behind nginx.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import { tf } from '../backend';
import { encodePng, tilePixels } from '../plot/grid-png';
import { Batcher, QueueFullError, QueueTimeoutError, type BatchInfer } from './batcher';
import { loadExport, predictLatents, type ExportMeta } from './export';
import { sampleLatent } from './latent';
import { fieldHints, generateBodySchema, openApiDocument } from './openapi';

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** Folder written by `exportGenerator` (or `saveGenerator`). */
  modelDir: string;
  /** Most images per request (default 256). */
  maxCount?: number;
  /** Largest request body in bytes (default 16 KiB). */
  bodyLimit?: number;
  /** Serve the browser demo at `/` (default true). */
  web?: boolean;
  /** fastify logger (default off; the CLI turns it on). */
  logger?: boolean;
  /**
   * Most images in one generator call: concurrent requests are coalesced up to this many
   * images, and larger requests are split across calls (default 64).
   */
  maxBatchSize?: number;
  /** Milliseconds a partial batch waits for more requests before it runs (default 2; 0: run at once). */
  batchTimeoutMs?: number;
  /**
   * Most images waiting to be generated. A request that would go past it gets `503` with
   * `Retry-After` at once (default 4096; must be at least `maxCount`, else construction throws).
   */
  maxQueuedImages?: number;
  /**
   * Milliseconds a generation request may wait and run; past it the request is dropped and gets
   * `503` with `Retry-After` (default 10,000).
   */
  timeoutMs?: number;
  /** The `x-ganbook-replica` header on every response, to tell replicas apart (default: the process id). */
  replica?: string;
  /**
   * Milliseconds between the start of closing and the listener closing (default 0). Meanwhile
   * every request, `/healthz` included, gets `503`: a load balancer that polls `/healthz` takes
   * the replica out before its port closes. Requests in flight finish either way.
   */
  drainDelayMs?: number;
}

/** The body of `POST /v1/generate` after validation (defaults applied). */
export interface GenerateRequest {
  count: number;
  seed?: number;
  label?: number;
  format: 'png' | 'json';
  truncation?: number;
}

interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  data?: unknown;
  message?: string;
}

/** Where the demo page lives (next to this file; the project root's copy when compiled elsewhere). */
export function webDir(): string {
  const here = path.join(__dirname, 'web');
  return fs.existsSync(path.join(here, 'index.html')) ? here : path.resolve(process.cwd(), 'lib', 'serve', 'web');
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Turns an ajv error into "Expected <field> to be <what it accepts>; got <value>." */
function explain(e: AjvError, meta: ExportMeta, maxCount: number): string {
  const hints = fieldHints(meta, maxCount);
  const allowed = Object.keys(generateBodySchema(meta, maxCount).properties as object).join(', ');
  if (e.keyword === 'additionalProperties') {
    const prop = String(e.params.additionalProperty);
    if (prop === 'label' && meta.numClasses === 0) {
      return 'Unexpected field "label": this model is unconditional. Remove "label".';
    }
    return `Unexpected field "${prop}". Allowed fields: ${allowed}.`;
  }
  if (e.keyword === 'required') {
    const prop = String(e.params.missingProperty);
    return `Missing field "${prop}": this model is conditional on ${meta.numClasses} classes. `
      + `Send "${prop}" as ${hints[prop] ?? 'a value'}.`;
  }
  const field = e.instancePath.replace(/^\//, '');
  if (!field) {
    return `Expected the body to be a JSON object such as {"count": 4, "format": "png"}; got ${describeValue(e.data)}.`;
  }
  return `Expected "${field}" to be ${hints[field] ?? e.message}; got ${describeValue(e.data)}.`;
}

/**
 * Loads the exported generator in `modelDir` and returns a fastify instance serving it
 * (not yet listening: call `app.listen`, or use `app.inject` in tests).
 *
 * @example
 * ```ts
 * const app = await createServer({ modelDir: 'exports/mnist' });
 * await app.listen({ host: '127.0.0.1', port: 0 });
 * const res = await fetch(`http://127.0.0.1:${app.server.address().port}/v1/generate`, {
 *   method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: 16, seed: 1 }),
 * });
 * await app.close(); // waits for requests in flight, disposes the model
 * ```
 */
export async function createServer(opts: ServerOptions): Promise<FastifyInstance> {
  const maxCount = opts.maxCount ?? 256;
  const bodyLimit = opts.bodyLimit ?? 16 * 1024;
  const modelDir = path.resolve(opts.modelDir);
  const maxQueuedImages = opts.maxQueuedImages ?? 4096;
  if (maxQueuedImages < maxCount) {
    throw new Error(`Expected maxQueuedImages (${maxQueuedImages}) to be at least maxCount (${maxCount}): `
      + 'a request of maxCount images could never be queued. Raise maxQueuedImages or lower maxCount.');
  }
  const replica = opts.replica ?? String(process.pid);
  const { model, meta } = await loadExport(modelDir);
  const [h, w, c] = meta.imageShape as [number, number, 1 | 3 | 4];
  // One generator call for the whole batch, converted to uint8 there ([-1, 1] → 0..255, as toPng does).
  const infer: BatchInfer = (z, labels, n) => {
    const px = tf.tidy(() => predictLatents(model, meta, z, n, labels ?? undefined).add(1).div(2).clipByValue(0, 1).mul(255).round().toInt());
    try {
      return Uint8Array.from(px.dataSync());
    } finally {
      px.dispose();
    }
  };
  let batcher: Batcher;
  try {
    batcher = new Batcher(infer, {
      latentDim: meta.latentDim, pixelsPerImage: h * w * c, maxBatchSize: opts.maxBatchSize,
      batchTimeoutMs: opts.batchTimeoutMs, maxQueuedImages, timeoutMs: opts.timeoutMs,
    });
  } catch (err) {
    model.dispose();
    throw err;
  }

  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit,
    return503OnClosing: false, // the onRequest hook below answers while draining
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false, verbose: true } },
  });

  // JSON only: other content types get a 415 instead of being parsed as text.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  let inFlight = 0;
  let requests = 0;
  let idle: (() => void) | null = null;
  let disposed = false;
  let draining = false;

  const unavailable = (reply: FastifyReply, retryAfterSeconds: number, message: string) =>
    reply.code(503).header('retry-after', String(retryAfterSeconds)).send({ statusCode: 503, error: 'Service Unavailable', message });

  // Every response names its replica; once closing has begun, everything gets 503 (fastify
  // already sent `Connection: close`), so a load balancer retries it on another replica.
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-ganbook-replica', replica);
    if (!draining) return;
    if (req.url === '/healthz') return reply.code(503).send({ status: 'draining', inFlight });
    return unavailable(reply, 1, 'This server is shutting down and finishing the requests in flight; retry on another replica.');
  });
  // fastify runs preClose before it closes the listener and the idle connections.
  app.addHook('preClose', async () => {
    draining = true;
    if (opts.drainDelayMs) await new Promise((resolve) => setTimeout(resolve, opts.drainDelayMs));
  });

  app.setErrorHandler((err: FastifyError & { validation?: AjvError[] }, req, reply) => {
    if (err.validation?.length) {
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: explain(err.validation[0], meta, maxCount) });
    }
    const status = err.statusCode ?? 500;
    let message = err.message;
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        message = `Expected a body of at most ${bodyLimit} bytes; got more. Send only the documented fields.`; break;
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        message = `Expected Content-Type: application/json; got ${describeValue(req.headers['content-type'] ?? null)}.`; break;
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        message = 'Expected a JSON object body such as {"count": 4}; got an empty body.'; break;
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        message = `Expected a valid JSON body; got invalid JSON (${err.message}).`; break;
      default:
        if (status === 400 && err instanceof SyntaxError) message = `Expected a valid JSON body; got invalid JSON (${err.message}).`;
    }
    if (status >= 500) {
      req.log.error(err);
      return reply.code(status).send({ statusCode: status, error: 'Internal Server Error', message: 'Generation failed; see the server log.' });
    }
    return reply.code(status).send({ statusCode: status, error: status === 413 ? 'Payload Too Large' : status === 415 ? 'Unsupported Media Type' : 'Bad Request', message });
  });

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({
      statusCode: 404, error: 'Not Found',
      message: `No route ${req.method} ${req.url.split('?')[0]}. See GET /openapi.json for the API.`,
    });
  });

  app.post<{ Body: GenerateRequest }>('/v1/generate', {
    schema: { body: generateBodySchema(meta, maxCount) },
  }, async (req, reply) => {
    const { count, label, format, truncation } = req.body;
    const seed = req.body.seed ?? crypto.randomBytes(4).readUInt32LE(0);
    inFlight++;
    requests++;
    try {
      let pixels: Uint8Array;
      try {
        pixels = await batcher.submit({ z: sampleLatent(seed, count, meta.latentDim, truncation), count, label });
      } catch (err) {
        if (err instanceof QueueFullError || err instanceof QueueTimeoutError) return unavailable(reply, err.retryAfterSeconds, err.message);
        throw err;
      }
      reply.header('x-ganbook-seed', String(seed));
      if (draining) reply.header('connection', 'close'); // started before closing: let the client go too
      if (format === 'json') {
        return { seed, count, ...(label !== undefined ? { label } : {}), ...(truncation !== undefined ? { truncation } : {}), shape: [count, h, w, c], pixels: Array.from(pixels) };
      }
      return reply.type('image/png').send(encodePng(tilePixels(pixels, count, h, w, c, { pad: count > 1 ? 2 : 0 })));
    } finally {
      inFlight--;
      if (inFlight === 0 && idle) idle();
    }
  });

  app.get('/v1/model', async () => ({
    ...meta,
    conditional: meta.numClasses > 0,
    maxCount,
    bodyLimit,
    batching: { maxBatchSize: batcher.maxBatchSize, batchTimeoutMs: batcher.batchTimeoutMs, maxQueuedImages, timeoutMs: batcher.timeoutMs },
  }));

  app.get('/healthz', async () => ({
    status: 'ok', replica, uptimeSeconds: Math.round(process.uptime()), requests, inFlight, numTensors: tf.memory().numTensors,
    rssMB: Math.round(process.memoryUsage.rss() / 2 ** 20), batching: batcher.stats(),
  }));

  const openapi = openApiDocument(meta, maxCount, bodyLimit);
  app.get('/openapi.json', async () => openapi);

  if (opts.web !== false) {
    const tfjsPath = require.resolve('@tensorflow/tfjs/dist/tf.min.js');
    app.get('/vendor/tf.min.js', (req, reply) => {
      reply.type('application/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400');
      return reply.send(fs.createReadStream(tfjsPath));
    });
    await app.register(fastifyStatic, { root: webDir(), prefix: '/', index: 'index.html', wildcard: false });
    await app.register(fastifyStatic, { root: modelDir, prefix: '/model/', decorateReply: false, wildcard: false });
  }

  // Graceful shutdown: the listener stops accepting, new requests get 503 (hook above); wait
  // for generations in flight, then free the weights.
  app.addHook('onClose', async () => {
    if (inFlight > 0) await new Promise<void>((resolve) => { idle = resolve; });
    if (!disposed) {
      disposed = true;
      model.dispose();
    }
  });

  return app;
}

/** A listening server and how to reach it. */
export interface RunningServer {
  app: FastifyInstance;
  /** Base URL, e.g. `http://127.0.0.1:43121`. */
  url: string;
  port: number;
  /** Stops accepting, finishes requests in flight, disposes the model. */
  close(): Promise<void>;
}

/**
 * {@link createServer} plus `listen`, on 127.0.0.1 and a free port by default.
 *
 * @example
 * ```ts
 * const server = await startServer({ modelDir: 'exports/mnist' });
 * const png = await (await fetch(`${server.url}/v1/generate`, { method: 'POST',
 *   headers: { 'content-type': 'application/json' }, body: '{"count":16,"seed":7}' })).arrayBuffer();
 * await server.close();
 * ```
 */
export async function startServer(opts: ServerOptions & { host?: string; port?: number }): Promise<RunningServer> {
  const app = await createServer(opts);
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ host, port: opts.port ?? 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : Number(opts.port ?? 0);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { app, port, url: `http://${shownHost}:${port}`, close: () => app.close() };
}
