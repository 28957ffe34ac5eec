/**
 * A run folder: `runs/<name>-<time>/` with `config.json`, `metrics.jsonl`, `samples/` (PNG per
 * sample step + `samples.gif`), `checkpoints/`, `tb/` (TensorBoard events) and `summary.json`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createCanvas, Image } from '@napi-rs/canvas';
import { tf, hasNodeHelpers, type Tensor, type Tensor3D } from '../backend';
import { encodeGif, type GifFrame } from '../plot/gif';
import { encodePng } from '../plot/grid-png';
import { processAlive, RunWriteError } from './checkpoint';
import { truncateEventsAfter } from './tb-events';
import { writeImageSummary, type SummaryWriterHandle } from './tb-images';

type SummaryWriter = ReturnType<typeof tf.node.summaryFileWriter>;

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Writes a run's files. */
export class RunTracker {
  readonly dir: string;
  private writer: SummaryWriter | null = null;
  private tensorboard: boolean;
  /** Sample frames of this session, by step. */
  private frames = new Map<number, GifFrame>();
  private readonly resumed: boolean;
  private lock: string | null;
  private superseded = false;

  /**
   * Creates `<root>/<name>-<time>` (or reuses an existing folder when `existing` is given).
   *
   * @example
   * ```ts
   * const run = new RunTracker({ root: 'runs', name: 'dcgan', config });
   * run.log({ step: 1, dLoss: 1.3 });
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
    this.lock = acquireRunLock(this.dir);
    // One writer in this process too: a newer tracker of the same folder (a re-run resume cell)
    // takes it over, and the older one refuses to write.
    const prev = owners.get(this.lock);
    if (prev && prev !== this) prev.superseded = true;
    owners.set(this.lock, this);
    fs.mkdirSync(this.checkpointsDir, { recursive: true });
    if (opts.config !== undefined && !opts.existing) fs.writeFileSync(path.join(this.dir, 'config.json'), JSON.stringify(opts.config, null, 2));
    this.tensorboard = opts.tensorboard !== false && hasNodeHelpers();
    this.resumed = Boolean(opts.existing); // frames of earlier sessions live in samples/*.png
  }

  /** Releases the run folder's lock (another process may then resume it). Idempotent. */
  close(): void {
    this.writer?.flush();
    if (this.lock && owners.get(this.lock) === this) {
      owners.delete(this.lock);
      releaseRunLock(this.lock);
    }
    this.lock = null;
  }

  /**
   * @throws Error when a newer trainer in this process has taken the folder over.
   */
  assertWritable(): void {
    if (this.superseded) {
      throw new Error(`Expected this trainer to write ${this.dir}; got the folder taken over by a newer trainer in this process `
        + '(GanTrainer.resume of the same run). Use the newer trainer, and dispose this one.');
    }
  }

  get checkpointsDir(): string { return path.join(this.dir, 'checkpoints'); }
  get tensorboardDir(): string { return path.join(this.dir, 'tb'); }

  get metricsFile(): string { return path.join(this.dir, 'metrics.jsonl'); }

  /**
   * Appends one metrics row to metrics.jsonl at once (a killed run's log reaches its last
   * logged step; one small append per logged step).
   */
  log(row: Record<string, unknown>): void {
    this.assertWritable();
    try {
      fs.appendFileSync(this.metricsFile, JSON.stringify(row) + '\n');
    } catch (err) {
      throw new RunWriteError(`the metrics row of step ${String(row.step)}`, this.metricsFile, Number(row.step), err as NodeJS.ErrnoException);
    }
  }

  /**
   * Drops the metric rows after `step` (atomically: a rewritten copy renamed into place). Called
   * when training continues from a checkpoint of that step — a resume after a kill, a NaN
   * restore — so that the steps redone are logged once. Event rows (`event` field) are kept.
   */
  truncateAfter(step: number): void {
    const lines = fs.existsSync(this.metricsFile) ? fs.readFileSync(this.metricsFile, 'utf8').split('\n').filter((l) => l.trim()) : [];
    const keep = lines.filter((l) => {
      try {
        const r = JSON.parse(l) as { step?: number; event?: string };
        return r.event !== undefined || !(typeof r.step === 'number' && r.step > step);
      } catch {
        return false; // a row cut short by a kill mid-append
      }
    });
    if (keep.length !== lines.length) {
      const tmp = `${this.metricsFile}.tmp-${process.pid}`;
      fs.writeFileSync(tmp, keep.length ? keep.join('\n') + '\n' : '');
      fs.renameSync(tmp, this.metricsFile);
    }
    // TensorBoard's files too, unless this process has them open (tfjs-node keeps one writer per
    // folder for the life of the process): a resume in a new process is exact; a NaN restore or a
    // resume in the same process leaves TensorBoard's later events in place (metrics.jsonl is exact).
    if (!openedTbDirs.has(path.resolve(this.tensorboardDir))) truncateEventsAfter(this.tensorboardDir, step);
  }

  /** Flushes TensorBoard's event file (metrics rows are written as they come). */
  flush(): void {
    this.writer?.flush();
  }

  /**
   * The TensorBoard writer, opened on first use: a resumed run first drops the events of the
   * steps it will redo (see {@link truncateAfter}), then appends.
   */
  private tb(): SummaryWriter | null {
    if (!this.writer && this.tensorboard) {
      if (tf.getBackend() !== 'tensorflow') { // tfjs-node's writer runs its ops on the native backend only
        this.tensorboard = false;
        if (!tbBackendWarned) {
          tbBackendWarned = true;
          console.warn(`ganbook: no TensorBoard events on the "${tf.getBackend()}" backend (tfjs-node's writer needs native TensorFlow); metrics.jsonl, samples and checkpoints are written as usual.`);
        }
        return null;
      }
      this.writer = tf.node.summaryFileWriter(this.tensorboardDir);
      openedTbDirs.add(path.resolve(this.tensorboardDir));
    }
    return this.writer;
  }

  /** TensorBoard scalar. */
  scalar(name: string, value: number, step: number): void {
    if (Number.isFinite(value)) this.tb()?.scalar(name, value, step);
  }

  /** TensorBoard image (an `imageGrid` result: uint8 values `[h, w, 1|3|4]`), beside the scalars. */
  image(name: string, grid: Tensor3D, step: number): void {
    const w = this.tb();
    if (w) writeImageSummary(w as unknown as SummaryWriterHandle, name, grid, step);
  }

  /** TensorBoard histogram of a tensor's values. */
  histogram(name: string, t: Tensor, step: number): void {
    this.tb()?.histogram(name, t, step);
  }

  /** Saves a sample grid (uint8 `[h, w, c]`) as `samples/step-XXXXXXXX.png` and keeps it as a GIF frame. */
  async sample(step: number, grid: Tensor3D): Promise<string> {
    const [h, w, c] = grid.shape;
    const file = path.join(this.dir, 'samples', `step-${String(step).padStart(8, '0')}.png`);
    // One asynchronous read (WebGPU in Node cannot read synchronously), then a PNG encoder in plain
    // JavaScript: the same file on every backend, none needing tfjs-node.
    const data = Uint8Array.from(await grid.data());
    fs.writeFileSync(file, encodePng({ data, width: w, height: h, channels: c as 1 | 3 | 4 }));
    this.frames.set(step, { width: w, height: h, channels: c as 1 | 3, data });
    return file;
  }

  /**
   * Writes `samples.gif` (returns its path, or null without frames). In a resumed run the frames
   * of earlier sessions are read back from `samples/step-*.png`, up to `upToStep` (samples past
   * it belong to an abandoned continuation), so the GIF covers the whole training history.
   */
  writeGif(opts: { delayMs?: number; upToStep?: number } = {}): string | null {
    const frames = new Map(this.frames);
    if (this.resumed) {
      const unreadable: string[] = [];
      for (const { step, file } of sampleGrids(this.dir)) {
        if (frames.has(step) || (opts.upToStep !== undefined && step > opts.upToStep)) continue;
        const frame = readPngFrame(file);
        if (frame) frames.set(step, frame); else unreadable.push(path.basename(file));
      }
      if (unreadable.length) {
        console.warn(`ganbook: samples.gif leaves out ${unreadable.length} sample grid(s) that are not readable PNGs: ${unreadable.slice(0, 5).join(', ')}${unreadable.length > 5 ? ', …' : ''}`);
      }
    }
    if (!frames.size) return null;
    const ordered = [...frames.entries()].sort((a, b) => a[0] - b[0]).map(([, f]) => f);
    const file = path.join(this.dir, 'samples.gif');
    fs.writeFileSync(file, encodeGif(ordered, { delayMs: opts.delayMs ?? 150 }));
    return file;
  }


  /** Writes `summary.json` (what the runs table reads). */
  writeSummary(summary: Record<string, unknown>): void {
    this.assertWritable();
    const file = path.join(this.dir, 'summary.json'), tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(summary, null, 2));
    fs.renameSync(tmp, file); // atomic: a reader never sees half a summary
  }
}

/**
 * Decodes a saved sample grid (any backend: @napi-rs/canvas, not TensorFlow) to an RGBA frame;
 * null when the file is not a readable PNG (e.g. cut short by a kill while it was written).
 */
function readPngFrame(file: string): GifFrame | null {
  try {
    const bytes = fs.readFileSync(file);
    // Skia decodes a PNG cut short as far as it goes (black below): require its end chunk.
    if (bytes.length < 12 || bytes.toString('latin1', bytes.length - 8, bytes.length - 4) !== 'IEND') return null;
    const img = new Image();
    img.src = bytes;
    if (!img.complete || !img.width || !img.height) return null;
    const canvas = createCanvas(img.width, img.height), g = canvas.getContext('2d');
    g.drawImage(img, 0, 0);
    return { width: img.width, height: img.height, channels: 4, data: g.getImageData(0, 0, img.width, img.height).data };
  } catch {
    return null;
  }
}

/** A run folder's saved sample grids (`samples/step-XXXXXXXX.png`) with their steps, ascending; [] without the folder. */
export function sampleGrids(runDir: string): { step: number; file: string }[] {
  const dir = path.join(runDir, 'samples');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).flatMap((f) => {
    const m = /^step-(\d+)\.png$/.exec(f);
    return m ? [{ step: Number(m[1]), file: path.join(dir, f) }] : [];
  }).sort((a, b) => a.step - b.step);
}

/** TensorBoard folders this process has a writer open on. */
const openedTbDirs = new Set<string>();
/** The no-TensorBoard-on-this-backend note is printed once per process. */
let tbBackendWarned = false;

/** Contents of a run folder's `.lock` file. */
interface RunLock { pid: number; host: string; since: string }

const held = new Set<string>();
/** The tracker that owns each lock this process holds. */
const owners = new Map<string, RunTracker>();
let exitHook = false;

/**
 * Takes `<dir>/.lock` for this process: one writer per run folder. A lock of a live process on
 * this machine is refused with its pid; a stale one (dead process) or one of this process (a
 * re-run notebook cell) is taken over. Released by `close()` or when the process exits.
 *
 * @throws Error naming the process that holds the folder and what to do.
 */
export function acquireRunLock(dir: string): string {
  const file = path.join(dir, '.lock');
  const me: RunLock = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let other: Partial<RunLock> = {};
      try { other = JSON.parse(fs.readFileSync(file, 'utf8')) as RunLock; } catch { /* unreadable: stale */ }
      const live = typeof other.pid === 'number' && other.pid !== process.pid && other.host === me.host && processAlive(other.pid);
      if (live) {
        throw new Error(`Expected the run folder ${dir} free; got it in use by process ${other.pid} on ${other.host} (since ${other.since}). `
          + 'Stop that process (or wait for it), or resume a copy of the folder.');
      }
      fs.rmSync(file, { force: true }); // stale (its process is gone) or ours: take it over
    }
  }
  held.add(file);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => { for (const f of held) fs.rmSync(f, { force: true }); });
  }
  return file;
}

function releaseRunLock(file: string): void {
  held.delete(file);
  try {
    const l = JSON.parse(fs.readFileSync(file, 'utf8')) as RunLock;
    if (l.pid === process.pid) fs.rmSync(file, { force: true });
  } catch { /* already gone */ }
}
