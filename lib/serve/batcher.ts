/**
 * Dynamic batching for the generator server, as TensorFlow Serving's batcher does it: requests
 * that arrive within a short window are run as one generator call, and the images are handed
 * back to each request.
 *
 * - A batch is flushed when `maxBatchSize` images are queued, or `batchTimeoutMs` after the
 *   first request of the batch arrived (TF Serving's `max_batch_size` / `batch_timeout_micros`).
 * - Requests larger than what is left of a batch are split across batches (their latents are
 *   drawn per request from its seed before queueing, so the split does not change any image).
 * - Small requests are not stuck behind large ones: a batch first gives the oldest request up to
 *   a quarter of the batch (so every request progresses), then fills the rest with the requests
 *   that have the fewest images left. A `count: 1` request therefore waits about one batch even
 *   while many `count: 64` requests are queued.
 * - Past `maxQueuedImages` queued images, {@link Batcher.submit} rejects with
 *   {@link QueueFullError}; a request not finished `timeoutMs` after it was queued is dropped
 *   and rejects with {@link QueueTimeoutError}. Both carry a `retryAfterSeconds` estimate.
 *
 * The batcher knows nothing about HTTP or TensorFlow: it is given an `infer` function that turns
 * `n` latent rows (and labels) into `n` images of `pixelsPerImage` values.
 */

/** Turns `n` latent rows `[n, latentDim]` (and `[n]` labels for a conditional model) into `n` images. */
export type BatchInfer = (z: Float32Array, labels: Float32Array | null, n: number) => Uint8Array | Promise<Uint8Array>;

/** Options of {@link Batcher}. */
export interface BatcherOptions {
  /** Values per latent row (the generator's `latentDim`). */
  latentDim: number;
  /** Values per generated image (`h * w * c`). */
  pixelsPerImage: number;
  /** Most images in one generator call (default 64). */
  maxBatchSize?: number;
  /** Milliseconds a partial batch waits for more requests before it runs (default 2). */
  batchTimeoutMs?: number;
  /** Most images waiting in the queue; a request that would go past it is refused (default 4096). */
  maxQueuedImages?: number;
  /** Milliseconds a request may spend queued and generating before it is dropped (default 10,000). */
  timeoutMs?: number;
}

/** One request: `count` images from `z` (`count * latentDim` values), with one label for all. */
export interface BatchJob {
  z: Float32Array;
  count: number;
  label?: number;
}

/** Counters of a {@link Batcher} (also served in `GET /healthz` as `batching`). */
export interface BatcherStats {
  /** Generator calls so far. */
  batches: number;
  /** Images generated so far. */
  images: number;
  /** Requests answered with images. */
  completed: number;
  /** Requests refused because the queue was full. */
  rejected: number;
  /** Requests dropped after `timeoutMs`. */
  timedOut: number;
  /** Images waiting now. */
  queuedImages: number;
  /** Requests waiting now (some of their images may be done). */
  queuedRequests: number;
  /** The largest batch so far, in images. */
  largestBatch: number;
  /** Moving average of generator milliseconds per image (null before the first batch). */
  msPerImage: number | null;
}

/** A request refused because the queue holds `maxQueuedImages` images already (HTTP 503). */
export class QueueFullError extends Error {
  constructor(readonly retryAfterSeconds: number, message: string) {
    super(message);
    this.name = 'QueueFullError';
  }
}

/** A request dropped because it did not finish within `timeoutMs` (HTTP 503). */
export class QueueTimeoutError extends Error {
  constructor(readonly retryAfterSeconds: number, message: string) {
    super(message);
    this.name = 'QueueTimeoutError';
  }
}

interface Entry {
  job: BatchJob;
  seq: number;
  /** Images handed to a batch so far. */
  next: number;
  /** Images generated so far. */
  done: number;
  out: Uint8Array | null;
  settled: boolean;
  timer: ReturnType<typeof setTimeout>;
  resolve(pixels: Uint8Array): void;
  reject(err: Error): void;
}

interface Part { entry: Entry; from: number; n: number }

function positiveInt(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new Error(`Expected ${name} to be an integer >= ${min}; got ${v}.`);
  return v;
}

/**
 * Queues generation requests and runs them in batches through `infer`.
 *
 * @example
 * ```ts
 * const batcher = new Batcher((z, labels, n) => runGenerator(z, n), { latentDim: 100, pixelsPerImage: 784 });
 * const [a, b] = await Promise.all([
 *   batcher.submit({ z: sampleLatent(1, 1, 100), count: 1 }),   // both run in one generator call
 *   batcher.submit({ z: sampleLatent(2, 4, 100), count: 4 }),
 * ]);
 * batcher.stats().batches; // 1
 * ```
 */
export class Batcher {
  readonly maxBatchSize: number;
  readonly batchTimeoutMs: number;
  readonly maxQueuedImages: number;
  readonly timeoutMs: number;
  private readonly latentDim: number;
  private readonly pixelsPerImage: number;
  private queue: Entry[] = [];
  private seq = 0;
  private running = false;
  private scheduled: 'none' | 'timer' | 'immediate' = 'none';
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly counters = { batches: 0, images: 0, completed: 0, rejected: 0, timedOut: 0, largestBatch: 0 };
  private queuedImages = 0;
  private msPerImage: number | null = null;

  constructor(private readonly infer: BatchInfer, opts: BatcherOptions) {
    this.latentDim = positiveInt('latentDim', opts.latentDim, 1);
    this.pixelsPerImage = positiveInt('pixelsPerImage', opts.pixelsPerImage, 1);
    this.maxBatchSize = positiveInt('maxBatchSize', opts.maxBatchSize ?? 64, 1);
    this.batchTimeoutMs = positiveInt('batchTimeoutMs', opts.batchTimeoutMs ?? 2, 0);
    this.maxQueuedImages = positiveInt('maxQueuedImages', opts.maxQueuedImages ?? 4096, 1);
    this.timeoutMs = positiveInt('timeoutMs', opts.timeoutMs ?? 10_000, 1);
  }

  /**
   * Queues `job`; resolves with its `count * pixelsPerImage` values, the same as `infer` gives
   * for `job.z` alone. Rejects with {@link QueueFullError} at once when the queue is full, or
   * with {@link QueueTimeoutError} after `timeoutMs`.
   */
  submit(job: BatchJob): Promise<Uint8Array> {
    if (!Number.isInteger(job.count) || job.count < 1 || job.z.length !== job.count * this.latentDim) {
      return Promise.reject(new Error(`Expected count >= 1 and count * ${this.latentDim} latent values; got count ${job.count} and ${job.z.length} values.`));
    }
    if (this.queuedImages + job.count > this.maxQueuedImages) {
      this.counters.rejected++;
      return Promise.reject(new QueueFullError(this.retryAfterSeconds(),
        `The generation queue is full (${this.queuedImages} of ${this.maxQueuedImages} images waiting; this request adds ${job.count}). `
        + 'Retry after the Retry-After seconds, or ask for fewer images.'));
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      const entry: Entry = {
        job, seq: this.seq++, next: 0, done: 0, out: null, settled: false, resolve, reject,
        timer: setTimeout(() => this.expire(entry), this.timeoutMs),
      };
      this.queue.push(entry);
      this.queuedImages += job.count;
      this.schedule();
    });
  }

  /** Counters and the queue's current length. */
  stats(): BatcherStats {
    return { ...this.counters, queuedImages: this.queuedImages, queuedRequests: this.queue.length, msPerImage: this.msPerImage };
  }

  /** Seconds a refused client should wait: the queued work at the measured speed (1 to 60). */
  retryAfterSeconds(): number {
    return Math.min(60, Math.max(1, Math.ceil((this.queuedImages * (this.msPerImage ?? 1)) / 1000)));
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    if (this.queuedImages >= this.maxBatchSize || this.batchTimeoutMs === 0) {
      if (this.scheduled === 'immediate') return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.scheduled = 'immediate';
      setImmediate(() => this.flush());
    } else if (this.scheduled === 'none') {
      this.scheduled = 'timer';
      this.timer = setTimeout(() => this.flush(), this.batchTimeoutMs);
    }
  }

  private settle(entry: Entry, err: Error | null): void {
    if (entry.settled) return;
    entry.settled = true;
    clearTimeout(entry.timer);
    if (err) entry.reject(err);
    else {
      this.counters.completed++;
      entry.resolve(entry.out!);
    }
  }

  private expire(entry: Entry): void {
    if (entry.settled) return;
    const i = this.queue.indexOf(entry);
    if (i >= 0) {
      this.queue.splice(i, 1);
      this.queuedImages -= entry.job.count - entry.next;
    }
    this.counters.timedOut++;
    this.settle(entry, new QueueTimeoutError(this.retryAfterSeconds(),
      `Generation did not finish within ${this.timeoutMs} ms (the server is busy; ${entry.done} of ${entry.job.count} images were done). `
      + 'Retry after the Retry-After seconds, or ask for fewer images.'));
  }

  /** Picks the parts of the next batch: the oldest request's share, then the fewest images left first. */
  private pick(): Part[] {
    const parts: Part[] = [];
    let room = this.maxBatchSize;
    const take = (entry: Entry, n: number) => {
      parts.push({ entry, from: entry.next, n });
      entry.next += n;
      this.queuedImages -= n;
      room -= n;
    };
    const head = this.queue[0];
    take(head, Math.min(head.job.count - head.next, Math.ceil(this.maxBatchSize / 4)));
    const rest = this.queue.filter((e) => e.next < e.job.count)
      .sort((a, b) => (a.job.count - a.next) - (b.job.count - b.next) || a.seq - b.seq);
    for (const e of rest) {
      if (room === 0) break;
      take(e, Math.min(e.job.count - e.next, room));
    }
    // Requests fully handed to this batch leave the queue; the rest of a split one stays.
    this.queue = this.queue.filter((e) => e.next < e.job.count);
    return parts;
  }

  private flush(): void {
    this.scheduled = 'none';
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running || this.queue.length === 0) return;
    const parts = this.pick();
    const n = parts.reduce((s, p) => s + p.n, 0);
    const dim = this.latentDim;
    const z = new Float32Array(n * dim);
    const labels = parts.some((p) => p.entry.job.label !== undefined) ? new Float32Array(n) : null;
    let row = 0;
    for (const p of parts) {
      z.set(p.entry.job.z.subarray(p.from * dim, (p.from + p.n) * dim), row * dim);
      if (labels) labels.fill(p.entry.job.label ?? 0, row, row + p.n);
      row += p.n;
    }
    this.running = true;
    const started = performance.now();
    const fail = (err: unknown) => {
      for (const p of parts) this.settle(p.entry, err instanceof Error ? err : new Error(String(err)));
      this.queue = this.queue.filter((e) => !e.settled);
      this.queuedImages = this.queue.reduce((s, e) => s + e.job.count - e.next, 0);
      this.finished();
    };
    const done = (pixels: Uint8Array) => {
      const ppi = this.pixelsPerImage;
      if (pixels.length !== n * ppi) return fail(new Error(`Expected the generator to return ${n} images of ${ppi} values; got ${pixels.length} values.`));
      const ms = performance.now() - started;
      this.msPerImage = this.msPerImage === null ? ms / n : 0.8 * this.msPerImage + 0.2 * (ms / n);
      this.counters.batches++;
      this.counters.images += n;
      this.counters.largestBatch = Math.max(this.counters.largestBatch, n);
      let at = 0;
      for (const p of parts) {
        const e = p.entry;
        if (!e.settled) {
          e.out ??= new Uint8Array(e.job.count * ppi);
          e.out.set(pixels.subarray(at * ppi, (at + p.n) * ppi), p.from * ppi);
          e.done += p.n;
          if (e.done === e.job.count) this.settle(e, null);
        }
        at += p.n;
      }
      this.finished();
    };
    let result: Uint8Array | Promise<Uint8Array>;
    try {
      result = this.infer(z, labels, n);
    } catch (err) {
      fail(err);
      return;
    }
    if (result instanceof Uint8Array) done(result);
    else result.then(done, fail);
  }

  private finished(): void {
    this.running = false;
    // What is left has waited already: run it as soon as the requests now arriving are read.
    if (this.queue.length > 0) {
      this.scheduled = 'immediate';
      setImmediate(() => this.flush());
    }
  }
}
