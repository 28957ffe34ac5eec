import { describe, expect, it } from 'vitest';
import { encodeGif, gifInfo } from '../../lib/plot/gif';

describe('encodeGif', () => {
  it('encodes gray and RGB frames into a GIF with the right size and frame count', () => {
    const gray = (v: number) => ({ width: 4, height: 3, channels: 1 as const, data: new Uint8Array(12).fill(v) });
    const bytes = encodeGif([gray(0), gray(128), gray(255)], { delayMs: 100 });
    expect(String.fromCharCode(...bytes.subarray(0, 6))).toBe('GIF89a');
    expect(gifInfo(bytes)).toEqual({ width: 4, height: 3, frames: 3 });
    const rgb = { width: 2, height: 2, channels: 3 as const, data: new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]) };
    expect(gifInfo(encodeGif([rgb, rgb]))).toEqual({ width: 2, height: 2, frames: 2 });
  });

  it('rejects mismatched frames with a clear message', () => {
    const a = { width: 2, height: 2, channels: 1 as const, data: new Uint8Array(4) };
    const b = { width: 3, height: 2, channels: 1 as const, data: new Uint8Array(6) };
    expect(() => encodeGif([a, b])).toThrow(/frame 1 is 3x2/);
    expect(() => encodeGif([])).toThrow(/at least one frame/);
  });
});
