import { describe, expect, it } from 'vitest';
import { spawnSync } from 'child_process';
import { root } from './helpers/notebooks';
import { tf, backendInfo, hasNodeHelpers } from '../lib/backend';

describe('lib/backend', () => {
  it('runs on native TensorFlow from the wheel-provisioned libtensorflow', () => {
    const info = backendInfo();
    expect(info.backend).toBe('tensorflow');
    expect(info.package).toBe('@tensorflow/tfjs-node');
    expect(info.libtensorflow).toMatch(/^2\.\d+/);
    expect(hasNodeHelpers()).toBe(true);
    expect(tf.tensor2d([[1, 2], [3, 4]]).matMul(tf.tensor2d([[5, 6], [7, 8]])).arraySync()).toEqual([[19, 22], [43, 50]]);
  });

  it('rejects an unknown GANBOOK_BACKEND with the list of choices', () => {
    const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', "require('./lib/backend')"],
      { cwd: root, encoding: 'utf8', env: { ...process.env, GANBOOK_BACKEND: 'tpu' } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('GANBOOK_BACKEND="tpu" is not one of auto, tensorflow, tensorflow-gpu, webgpu, cpu');
  });

  it('warns loudly when forced onto the pure-JS CPU backend', () => {
    const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e',
      "const b=require('./lib/backend'); console.log(b.backendInfo().backend)"],
    { cwd: root, encoding: 'utf8', env: { ...process.env, GANBOOK_BACKEND: 'cpu' } });
    expect(r.stdout.trim()).toBe('cpu');
    expect(r.stderr).toContain('hundreds of times slower');
  });
});
