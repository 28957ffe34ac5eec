/**
 * Training checkpoints: named tensors (weights of both networks, EMA weights, optimizer slots)
 * in one binary file plus a JSON manifest with the training state (step, RNG state, history).
 * Writes are atomic: everything goes to a temporary folder that is renamed into place, so a
 * crash mid-write never leaves a half checkpoint behind.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf, type Tensor } from '../backend';

/** A tensor with a name, as stored in a checkpoint. */
export interface NamedTensors { [name: string]: Tensor }

export interface CheckpointManifest<S = unknown> {
  format: 'ganbook-checkpoint/1';
  step: number;
  state: S;
  tensors: { name: string; shape: number[]; dtype: 'float32' | 'int32'; offset: number; bytes: number }[];
}

const DIR_RE = /^step-(\d+)$/;

/** Folder name of the checkpoint of `step` (sortable). */
export function checkpointName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}

/**
 * Writes a checkpoint to `<root>/step-XXXXXXXX/` atomically and returns its path. Tensors are
 * read, not disposed.
 *
 * @example
 * ```ts
 * await saveCheckpoint('runs/r1/checkpoints', 100, { 'g/0': w }, { step: 100 });
 * ```
 */
export async function saveCheckpoint<S>(root: string, step: number, tensors: NamedTensors, state: S): Promise<string> {
  fs.mkdirSync(root, { recursive: true });
  removeStaleTemps(root);
  const final = path.join(root, checkpointName(step));
  const tmp = path.join(root, `.tmp-${checkpointName(step)}-${process.pid}-${Date.now()}`);
  const entries: CheckpointManifest['tensors'] = [];
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
    const data = await (dtype === 'float32' && t.dtype !== 'float32' ? tf.tidy(() => t.toFloat()) : t).data();
    const buf = Buffer.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    entries.push({ name, shape: [...t.shape], dtype, offset, bytes: buf.length });
    chunks.push(buf);
    offset += buf.length;
  }
  const manifest: CheckpointManifest<S> = { format: 'ganbook-checkpoint/1', step, state, tensors: entries };
  try {
    fs.mkdirSync(tmp);
    fs.writeFileSync(path.join(tmp, 'tensors.bin'), Buffer.concat(chunks));
    fs.writeFileSync(path.join(tmp, 'manifest.json'), JSON.stringify(manifest));
    if (fs.existsSync(final)) fs.rmSync(final, { recursive: true, force: true });
    fs.renameSync(tmp, final);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true }); // a failed write removes its own partial folder
    throw new CheckpointWriteError(root, step, offset, err as NodeJS.ErrnoException);
  }
  return final;
}

/** Why a write failed, in words, from its error code. */
function writeFailure(cause: NodeJS.ErrnoException): string {
  return cause.code === 'ENOSPC' || cause.code === 'EDQUOT' ? 'the disk is full'
    : cause.code === 'EROFS' ? 'the file system is read-only'
      : cause.code === 'EACCES' || cause.code === 'EPERM' ? 'no permission to write there' : cause.message;
}

/**
 * A run file could not be written (disk full, read-only, no permission, ...): the message says
 * what, where, at which step, and what to do. `fit()` ends with `stopped: 'write-failed'`
 * (`'checkpoint-failed'` for a checkpoint) and this message.
 */
export class RunWriteError extends Error {
  readonly code: string | undefined;
  constructor(what: string, where: string, readonly step: number, cause: NodeJS.ErrnoException) {
    super(`Expected to write ${what} to ${where}; got ${cause.code ?? 'an error'}: ${writeFailure(cause)}. `
      + 'The last good checkpoint is untouched and resumable. Free space, keep fewer checkpoints (keepCheckpoints), '
      + 'or train into another folder (runsDir).');
    this.name = 'RunWriteError';
    this.code = cause.code;
  }
}

/** A checkpoint could not be written; its partial folder is already removed. */
export class CheckpointWriteError extends RunWriteError {
  constructor(readonly root: string, step: number, readonly bytes: number, cause: NodeJS.ErrnoException) {
    super(`the checkpoint of step ${step} (${(bytes / 1e6).toFixed(1)} MB)`, root, step, cause);
    this.name = 'CheckpointWriteError';
  }
}

const TMP_RE = /^\.tmp-step-\d+-(\d+)-\d+$/;

/** Whether a process with this pid runs on this machine. */
export function processAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

/**
 * Removes temporary checkpoint folders (`.tmp-step-…`) left by processes that no longer run (a
 * kill or a crash mid-write). Returns the removed paths.
 */
export function removeStaleTemps(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  const removed: string[] = [];
  for (const n of fs.readdirSync(root)) {
    const m = TMP_RE.exec(n);
    if (m && !processAlive(Number(m[1]))) {
      fs.rmSync(path.join(root, n), { recursive: true, force: true });
      removed.push(path.join(root, n));
    }
  }
  return removed;
}

/**
 * Reads a checkpoint folder: its manifest and its tensors (the caller owns and disposes them).
 *
 * @example
 * ```ts
 * const { manifest, tensors } = loadCheckpoint(latestCheckpoint('runs/r1/checkpoints')!);
 * ```
 */
export function loadCheckpoint<S = unknown>(dir: string): { manifest: CheckpointManifest<S>; tensors: NamedTensors } {
  const mpath = path.join(dir, 'manifest.json');
  if (!fs.existsSync(mpath)) throw new Error(`Expected a checkpoint in ${dir} (manifest.json); got none. Pass a folder returned by saveCheckpoint/latestCheckpoint.`);
  const manifest = JSON.parse(fs.readFileSync(mpath, 'utf8')) as CheckpointManifest<S>;
  const bin = fs.readFileSync(path.join(dir, 'tensors.bin'));
  const tensors: NamedTensors = {};
  for (const e of manifest.tensors) {
    const bytes = new Uint8Array(bin.buffer, bin.byteOffset + e.offset, e.bytes).slice();
    const arr = e.dtype === 'int32' ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
    tensors[e.name] = tf.tensor(arr, e.shape, e.dtype);
  }
  return { manifest, tensors };
}

/** Checkpoint folders under `root`, oldest first. */
export function listCheckpoints(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).filter((n) => DIR_RE.test(n)).sort().map((n) => path.join(root, n));
}

/**
 * The newest checkpoint folder under `root`, or null.
 *
 * @example
 * ```ts
 * const last = latestCheckpoint('runs/r1/checkpoints');
 * ```
 */
export function latestCheckpoint(root: string): string | null {
  const all = listCheckpoints(root);
  return all.length ? all[all.length - 1] : null;
}

/** Deletes all but the newest `keep` checkpoints. */
export function pruneCheckpoints(root: string, keep: number): void {
  const all = listCheckpoints(root);
  for (const dir of all.slice(0, Math.max(0, all.length - keep))) fs.rmSync(dir, { recursive: true, force: true });
}
