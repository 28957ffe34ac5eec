import * as fs from 'fs';
import * as path from 'path';

/** Reference values written by test/metrics/reference/make_reference.py (skimage, scipy, numpy). */
export function reference<T>(file: 'pixel' | 'distribution'): T {
  return JSON.parse(fs.readFileSync(path.join(__dirname, 'reference', `${file}.json`), 'utf8')) as T;
}

/** Decodes the script's base64 little-endian float32 arrays. */
export function f32(b64: string): Float32Array {
  const buf = Buffer.from(b64, 'base64');
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}
