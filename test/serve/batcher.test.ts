import { describe, expect, it } from 'vitest';
import { Batcher, QueueFullError, QueueTimeoutError, type BatchInfer } from '../../lib/serve/batcher';

const DIM = 2;
const PX = 3;

/** A fake generator: image i is [z0, z1, label] of row i (as bytes), and each call is recorded. */
function fake(calls: number[], gate?: () => Promise<void>): BatchInfer {
  const compute = (z: Float32Array, labels: Float32Array | null, n: number) => {
    const out = new Uint8Array(n * PX);
    for (let i = 0; i < n; i++) out.set([z[i * DIM], z[i * DIM + 1], labels ? labels[i] : 255], i * PX);
    return out;
  };
  return (z, labels, n) => {
    calls.push(n);
    return gate ? gate().then(() => compute(z, labels, n)) : compute(z, labels, n);
  };
}

/** `count` latent rows [first + i, 255 - first - i] (byte values, so the fake can return them). */
function rows(first: number, count: number): Float32Array {
  return Float32Array.from({ length: count * DIM }, (_, k) => (k % DIM ? 255 - first - Math.floor(k / DIM) : first + Math.floor(k / DIM)));
}

function expected(first: number, count: number, label = 255): number[] {
  return Array.from({ length: count }, (_, i) => [first + i, 255 - first - i, label]).flat();
}

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

describe('Batcher', () => {
  it('runs concurrent requests as one call and hands each its own images', async () => {
    const calls: number[] = [];
    const b = new Batcher(fake(calls), { latentDim: DIM, pixelsPerImage: PX, batchTimeoutMs: 5 });
    const out = await Promise.all([
      b.submit({ z: rows(0, 1), count: 1 }),
      b.submit({ z: rows(10, 3), count: 3, label: 2 }),
      b.submit({ z: rows(20, 2), count: 2 }),
    ]);
    expect(calls).toEqual([6]);
    expect(Array.from(out[0])).toEqual(expected(0, 1, 0)); // a batch with labels: unlabelled rows get 0
    expect(Array.from(out[1])).toEqual(expected(10, 3, 2));
    expect(Array.from(out[2])).toEqual(expected(20, 2, 0));
    expect(b.stats()).toMatchObject({ batches: 1, images: 6, completed: 3, queuedImages: 0, queuedRequests: 0, largestBatch: 6 });
  });

  it('flushes at maxBatchSize without waiting for the timeout, and splits a request larger than a batch', async () => {
    const calls: number[] = [];
    const b = new Batcher(fake(calls), { latentDim: DIM, pixelsPerImage: PX, maxBatchSize: 4, batchTimeoutMs: 60_000 });
    const big = await b.submit({ z: rows(0, 10), count: 10 });
    expect(calls).toEqual([4, 4, 2]);
    expect(Array.from(big)).toEqual(expected(0, 10));
  });

  it('lets small requests go ahead of large ones while the oldest keeps a quarter of each batch', async () => {
    const calls: number[] = [];
    const order: string[] = [];
    const b = new Batcher(fake(calls), { latentDim: DIM, pixelsPerImage: PX, maxBatchSize: 8, batchTimeoutMs: 5 });
    const track = (name: string, p: Promise<Uint8Array>) => p.then((px) => { order.push(name); return px; });
    const results = await Promise.all([
      track('large1', b.submit({ z: rows(0, 16), count: 16 })),
      track('large2', b.submit({ z: rows(100, 16), count: 16 })),
      track('small1', b.submit({ z: rows(200, 1), count: 1 })),
      track('small2', b.submit({ z: rows(210, 2), count: 2 })),
    ]);
    // Batch 1: large1's quarter (2), then small1 (1), small2 (2), then large1 again (3): both small ones done first.
    expect(order.slice(0, 2)).toEqual(['small1', 'small2']);
    expect(calls.every((n) => n <= 8)).toBe(true);
    expect(calls.reduce((s, n) => s + n, 0)).toBe(35);
    expect(Array.from(results[0])).toEqual(expected(0, 16));
    expect(Array.from(results[1])).toEqual(expected(100, 16));
    expect(Array.from(results[3])).toEqual(expected(210, 2));
  });

  it('refuses a request past maxQueuedImages with QueueFullError and a Retry-After estimate', async () => {
    const calls: number[] = [];
    const b = new Batcher(fake(calls), { latentDim: DIM, pixelsPerImage: PX, maxQueuedImages: 5, batchTimeoutMs: 5 });
    const accepted = b.submit({ z: rows(0, 4), count: 4 });
    const refused = b.submit({ z: rows(0, 2), count: 2 });
    await expect(refused).rejects.toBeInstanceOf(QueueFullError);
    await expect(refused).rejects.toThrow('The generation queue is full (4 of 5 images waiting; this request adds 2). Retry after the Retry-After seconds, or ask for fewer images.');
    expect(((await refused.catch((e: QueueFullError) => e)) as QueueFullError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    await accepted;
    expect(b.stats()).toMatchObject({ rejected: 1, completed: 1 });
    await b.submit({ z: rows(0, 2), count: 2 }); // room again once the queue has drained
  });

  it('drops a request still waiting after timeoutMs with QueueTimeoutError, and the generator moves on', async () => {
    const gate = deferred();
    const calls: number[] = [];
    const b = new Batcher(fake(calls, () => gate.promise), { latentDim: DIM, pixelsPerImage: PX, maxBatchSize: 2, batchTimeoutMs: 0, timeoutMs: 50 });
    // The first request holds the generator until the gate opens; both time out meanwhile.
    const first = b.submit({ z: rows(0, 2), count: 2 }).catch((e: Error) => e);
    const second = b.submit({ z: rows(10, 2), count: 2 });
    const err = await second.catch((e: Error) => e);
    expect(err).toBeInstanceOf(QueueTimeoutError);
    expect((err as Error).message).toBe('Generation did not finish within 50 ms (the server is busy; 0 of 2 images were done). Retry after the Retry-After seconds, or ask for fewer images.');
    expect(await first).toBeInstanceOf(QueueTimeoutError);
    expect(b.stats()).toMatchObject({ timedOut: 2, queuedImages: 0 });
    gate.resolve();
    expect(calls).toEqual([2]); // the dropped request never reached the generator
    const third = await b.submit({ z: rows(20, 1), count: 1 });
    expect(Array.from(third)).toEqual(expected(20, 1));
  });

  it('passes a generator error to every request of the batch and keeps serving', async () => {
    let fail = true;
    const b = new Batcher((z, labels, n) => {
      if (fail) throw new Error('out of memory');
      return new Uint8Array(n * PX);
    }, { latentDim: DIM, pixelsPerImage: PX, batchTimeoutMs: 5 });
    const both = await Promise.allSettled([b.submit({ z: rows(0, 1), count: 1 }), b.submit({ z: rows(0, 1), count: 1 })]);
    expect(both.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((both[0] as PromiseRejectedResult).reason.message).toBe('out of memory');
    fail = false;
    expect((await b.submit({ z: rows(0, 1), count: 1 })).length).toBe(PX);
    expect(b.stats().queuedImages).toBe(0);
  });

  it('checks its options and jobs', async () => {
    expect(() => new Batcher(fake([]), { latentDim: DIM, pixelsPerImage: PX, maxBatchSize: 0 })).toThrow('Expected maxBatchSize to be an integer >= 1; got 0.');
    expect(() => new Batcher(fake([]), { latentDim: DIM, pixelsPerImage: PX, batchTimeoutMs: -1 })).toThrow('Expected batchTimeoutMs to be an integer >= 0; got -1.');
    const b = new Batcher(fake([]), { latentDim: DIM, pixelsPerImage: PX });
    await expect(b.submit({ z: rows(0, 1), count: 2 })).rejects.toThrow('Expected count >= 1 and count * 2 latent values; got count 2 and 2 values.');
  });
});
