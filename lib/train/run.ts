/**
 * A run folder: `runs/<name>-<time>/` with `config.json`, `metrics.jsonl`, `samples/` (PNG per
 * sample step + `samples.gif`), `checkpoints/`, `tb/` (TensorBoard events) and `summary.json`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf, hasNodeHelpers, type Tensor, type Tensor3D } from '../backend';
import { encodeGif, type GifFrame } from '../plot/gif';

type SummaryWriter = ReturnType<typeof tf.node.summaryFileWriter>;

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Writes a run's files. */
export class RunTracker {
  readonly dir: string;
  private pending: string[] = [];
  private writer: SummaryWriter | null = null;
  /** Sample frames of this session, by step. */
  private frames = new Map<number, GifFrame>();
  private readonly resumed: boolean;

  /**
   * Creates `<root>/<name>-<time>` (or reuses an existing folder when `existing` is given).
   *
   * @example
   * ```ts
   * const run = new RunTracker({ root: 'runs', name: 'dcgan', config });
   * run.log({ step: 1, dLoss: 1.3 }); run.flush();
   * ```
   */
  constructor(opts: { root?: string; name?: string; config?: unknown; existing?: string; tensorboard?: boolean }) {
    if (opts.existing) {
      this.dir = opts.existing;
    } else {
      const root = opts.root ?? 'runs';
      let dir = path.join(root, `${opts.name ?? 'run'}-${stamp()}`);
      for (let i = 2; fs.existsSync(dir); i++) dir = path.join(root, `${opts.name ?? 'run'}-${stamp()}-${i}`);
      this.dir = dir;
    }
    fs.mkdirSync(path.join(this.dir, 'samples'), { recursive: true });
    fs.mkdirSync(this.checkpointsDir, { recursive: true });
    if (opts.config !== undefined && !opts.existing) fs.writeFileSync(path.join(this.dir, 'config.json'), JSON.stringify(opts.config, null, 2));
    if (opts.tensorboard !== false && hasNodeHelpers()) this.writer = tf.node.summaryFileWriter(path.join(this.dir, 'tb'));
    this.resumed = Boolean(opts.existing); // frames of earlier sessions live in samples/*.png
  }

  get checkpointsDir(): string { return path.join(this.dir, 'checkpoints'); }
  get tensorboardDir(): string { return path.join(this.dir, 'tb'); }

  /** Buffers one metrics row (written by {@link flush}). */
  log(row: Record<string, unknown>): void {
    this.pending.push(JSON.stringify(row));
  }

  /** Appends buffered rows to metrics.jsonl and flushes TensorBoard. */
  flush(): void {
    if (this.pending.length) {
      fs.appendFileSync(path.join(this.dir, 'metrics.jsonl'), this.pending.join('\n') + '\n');
      this.pending = [];
    }
    this.writer?.flush();
  }

  /** TensorBoard scalar. */
  scalar(name: string, value: number, step: number): void {
    if (this.writer && Number.isFinite(value)) this.writer.scalar(name, value, step);
  }

  /** TensorBoard histogram of a tensor's values. */
  histogram(name: string, t: Tensor, step: number): void {
    this.writer?.histogram(name, t, step);
  }

  /** Saves a sample grid (uint8 `[h, w, c]`) as `samples/step-XXXXXXXX.png` and keeps it as a GIF frame. */
  async sample(step: number, grid: Tensor3D): Promise<string> {
    const [h, w, c] = grid.shape;
    const file = path.join(this.dir, 'samples', `step-${String(step).padStart(8, '0')}.png`);
    if (hasNodeHelpers()) fs.writeFileSync(file, await tf.node.encodePng(grid));
    const data = await grid.data();
    this.frames.set(step, { width: w, height: h, channels: c as 1 | 3, data: Uint8Array.from(data) });
    return file;
  }

  /**
   * Writes `samples.gif` (returns its path, or null without frames). In a resumed run the frames
   * of earlier sessions are read back from `samples/step-*.png`, up to `upToStep` (samples past
   * it belong to an abandoned continuation), so the GIF covers the whole training history.
   */
  writeGif(opts: { delayMs?: number; upToStep?: number } = {}): string | null {
    const frames = new Map(this.frames);
    if (this.resumed && hasNodeHelpers()) {
      for (const { step, file } of this.sampleFiles()) {
        if (frames.has(step) || (opts.upToStep !== undefined && step > opts.upToStep)) continue;
        const img = tf.node.decodePng(fs.readFileSync(file)) as Tensor3D;
        const [h, w, c] = img.shape;
        frames.set(step, { width: w, height: h, channels: c as 1 | 3, data: Uint8Array.from(img.dataSync()) });
        img.dispose();
      }
    }
    if (!frames.size) return null;
    const ordered = [...frames.entries()].sort((a, b) => a[0] - b[0]).map(([, f]) => f);
    const file = path.join(this.dir, 'samples.gif');
    fs.writeFileSync(file, encodeGif(ordered, { delayMs: opts.delayMs ?? 150 }));
    return file;
  }

  /** The sample PNGs on disk with their steps. */
  private sampleFiles(): { step: number; file: string }[] {
    const dir = path.join(this.dir, 'samples');
    return fs.readdirSync(dir).flatMap((f) => {
      const m = /^step-(\d+)\.png$/.exec(f);
      return m ? [{ step: Number(m[1]), file: path.join(dir, f) }] : [];
    });
  }

  /** Writes `summary.json` (what the runs table reads). */
  writeSummary(summary: Record<string, unknown>): void {
    fs.writeFileSync(path.join(this.dir, 'summary.json'), JSON.stringify(summary, null, 2));
  }
}
