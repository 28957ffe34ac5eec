import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { tf } from '../../lib/backend';
import { dawnPlatformDir, enableWebGPU, parseFlags, vulkanDiagnostics } from '../../lib/backends/webgpu';

const root = path.resolve(__dirname, '..', '..');

describe('WebGPU backend (lib/backends/webgpu)', () => {
  it('maps platforms to the webgpu package\'s prebuilt folders', () => {
    expect(dawnPlatformDir('linux', 'x64')).toBe('linux-x64');
    expect(dawnPlatformDir('linux', 'arm64')).toBe('linux-arm64');
    expect(dawnPlatformDir('win32', 'x64')).toBe('win32-x64');
    expect(dawnPlatformDir('darwin', 'arm64')).toBe('darwin-universal');
    expect(dawnPlatformDir('linux', 'ia32')).toBeNull();
    expect(dawnPlatformDir('freebsd', 'x64')).toBeNull();
  });

  it('parses GANBOOK_WEBGPU_FLAGS with types, and rejects malformed entries', () => {
    expect(parseFlags('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=64, WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE=false'))
      .toEqual({ WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: 64, WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE: false });
    expect(parseFlags(undefined)).toEqual({});
    expect(() => parseFlags('WEBGPU_X')).toThrow(/NAME=value; got "WEBGPU_X"/);
  });

  it('without an adapter, fails with a message naming what is missing and leaves native TF in place', async () => {
    const result = await enableWebGPU(tf).then((info) => info, (err: Error) => err);
    if (result instanceof Error) {
      expect(result.message).toMatch(/^WebGPU: no GPU adapter found \(Dawn linux-x64\)/);
      expect(result.message).toMatch(/libvulkan\.so\.1|ICD|VK_DRIVER_FILES/);
      expect(result.message).toMatch(/Unset GANBOOK_BACKEND/);
      expect(tf.getBackend()).toBe('tensorflow');
      expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeUndefined();
    } else {
      // A machine with a GPU: the adapter was found and tfjs switched to webgpu.
      expect(tf.getBackend()).toBe('webgpu');
      await tf.setBackend('tensorflow');
    }
    expect(vulkanDiagnostics().length).toBeGreaterThan(0);
  });
});

describe('npm run gpu-check', () => {
  const run = (args: string[]) => spawnSync(process.execPath,
    [path.join(root, 'node_modules', 'ts-node', 'dist', 'bin.js'), '--transpile-only', 'scripts/gpu-check.ts', ...args],
    { cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
  const noGpu = !!vulkanDiagnostics().find((l) => /NOT FOUND|none in/.test(l));

  it.runIf(noGpu)('exits 2 with a clear "no GPU adapter" message and a JSON report', () => {
    const r = run(['--steps', '1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/gpu-check: no GPU adapter/);
    const report = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(report.ok).toBe(false);
    expect(report.reason).toMatch(/no GPU adapter/);
    expect(report.cpuBackend).toBe('tensorflow');
  });

  it('runs end to end in its dry-run mode (native TF standing in for the GPU): losses agree, JSON with timings', () => {
    const r = run(['--dry-run-on', 'tensorflow', '--batches', '4', '--steps', '1', '--check-steps', '2', '--variants', 'default', '--profile', '--cpu', '--json']);
    expect(r.status, r.stderr.slice(-500)).toBe(0);
    const report = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(report.ok).toBe(true);
    expect(report.correctness.agree).toBe(true);
    expect(report.correctness.cpuLosses).toHaveLength(2);
    expect(report.correctness.portableFastStep.agree).toBe(true);
    expect(report.speed.map((s: { variant: string }) => s.variant)).toEqual(['default', 'fast-step-portable', 'fast-step']);
    expect(report.speed[0].msPerStep).toBeGreaterThan(0);
    expect(report.profile.kernels).toBeGreaterThan(100);
  });

  it('carries the CPU reference losses in a file: --save-reference here, --reference on the GPU machine', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-ref-'));
    const file = path.join(dir, 'ref.json');
    try {
      const saved = run(['--save-reference', file, '--check-steps', '2']);
      expect(saved.status, saved.stderr.slice(-500)).toBe(0);
      const ref = JSON.parse(fs.readFileSync(file, 'utf8'));
      expect(ref).toMatchObject({ cpuBackend: 'tensorflow', batch: 16, checkSteps: 2 });
      expect(ref.cpuLosses).toHaveLength(2);
      // Non-saturating losses of an untrained DCGAN: D ≈ 2·ln 2, G ≈ ln 2.
      expect(ref.cpuLosses[0][0]).toBeCloseTo(2 * Math.LN2, 0);
      expect(ref.cpuLosses[0][1]).toBeCloseTo(Math.LN2, 0);
      const used = run(['--dry-run-on', 'tensorflow', '--reference', file, '--check-steps', '2', '--batches', '4', '--steps', '1', '--variants', 'default', '--json']);
      expect(used.status, used.stderr.slice(-500)).toBe(0);
      const report = JSON.parse(used.stdout.trim().split('\n').pop()!);
      expect(report.referenceFrom).toEqual({ file, backend: 'tensorflow' });
      expect(report.correctness.cpuLosses).toEqual(ref.cpuLosses);
      expect(report.correctness.maxAbsDiff).toBe(0);
      const mismatch = run(['--dry-run-on', 'tensorflow', '--reference', file, '--check-steps', '3', '--steps', '1']);
      expect(mismatch.status).toBe(1);
      expect(mismatch.stderr).toMatch(/expected 3 steps of losses at batch 16 \(written by --save-reference/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(noGpu)('exits 0 with --allow-missing', () => {
    const r = run(['--allow-missing', '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!).ok).toBe(false);
  });
});
