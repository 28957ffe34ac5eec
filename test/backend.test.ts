import { describe, expect, it } from 'vitest';
import { spawnSync } from 'child_process';
import { root } from './helpers/notebooks';
import { tf, backendInfo, hasNodeHelpers } from '../lib/backend';
import { tfConfigFromEnv, tfConfigHex } from '../lib/tf-config';

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

describe('TensorFlow context config (lib/tf-config, GANBOOK_TF_CONFIG through the patched binding)', () => {
  // Expected bytes: Python's tensorflow.core.protobuf.config_pb2.ConfigProto(...).SerializeToString().hex()
  // with TensorFlow 2.21 (the bench venv), for the same fields.
  it('serializes the fields as TensorFlow\'s own protobuf does', () => {
    expect(tfConfigHex({ threadSpinning: false, intraOpThreads: 0, interOpThreads: 0 })).toBe('8201024801');
    expect(tfConfigHex({ threadSpinning: true, intraOpThreads: 1, interOpThreads: 0 })).toBe('1001');
    expect(tfConfigHex({ threadSpinning: false, intraOpThreads: 0, interOpThreads: 1 })).toBe('28018201024801');
    expect(tfConfigHex({ threadSpinning: false, intraOpThreads: 300, interOpThreads: 2 })).toBe('10ac0228028201024801');
    expect(tfConfigHex({ threadSpinning: true, intraOpThreads: 0, interOpThreads: 0 })).toBe('');
    expect(() => tfConfigHex({ threadSpinning: true, intraOpThreads: 1.5, interOpThreads: 0 })).toThrow('Expected intraOpThreads to be an integer ≥ 0; got 1.5.');
  });

  it('reads the environment, spinning off by default, and names a bad variable', () => {
    expect(tfConfigFromEnv({})).toEqual({ threadSpinning: false, intraOpThreads: 0, interOpThreads: 0 });
    expect(tfConfigFromEnv({ GANBOOK_THREAD_SPINNING: '1', GANBOOK_INTER_OP_THREADS: '3' })).toEqual({ threadSpinning: true, intraOpThreads: 0, interOpThreads: 3 });
    expect(() => tfConfigFromEnv({ GANBOOK_THREAD_SPINNING: 'yes' })).toThrow('GANBOOK_THREAD_SPINNING must be 0 or 1; got "yes".');
    expect(() => tfConfigFromEnv({ GANBOOK_INTRA_OP_THREADS: '-2' })).toThrow('GANBOOK_INTRA_OP_THREADS must be a whole number of threads (0 = one per core); got "-2".');
    expect(() => tfConfigFromEnv({ GANBOOK_INTER_OP_THREADS: 'two' })).toThrow(/GANBOOK_INTER_OP_THREADS must be a whole number/);
  });

  it('this process\'s context was created with it', () => {
    expect(process.env.GANBOOK_TF_CONFIG).toBe(tfConfigHex(tfConfigFromEnv()));
  });

  // A child process on lib/backend; this process's GANBOOK_TF_CONFIG is not passed on, so the
  // child builds its own from the GANBOOK_* variables given (or takes the one given).
  const child = (env: Record<string, string>) => {
    const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
    if (!('GANBOOK_TF_CONFIG' in env)) delete childEnv.GANBOOK_TF_CONFIG;
    const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e',
      "const {tf,backendInfo}=require('./lib/backend'); const a=tf.randomNormal([256,256]); tf.matMul(a,a).dataSync();"
      + "console.log(JSON.stringify({backend:backendInfo().backend,notes:backendInfo().notes,threads:require('fs').readdirSync('/proc/self/task').length}))"],
    { cwd: root, encoding: 'utf8', env: childEnv });
    expect(r.status, r.stderr.slice(-400)).toBe(0);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { backend: string; notes: string[]; threads: number };
  };

  it.runIf(process.platform === 'linux')('reaches TensorFlow: GANBOOK_INTRA_OP_THREADS sizes its thread pool', () => {
    const one = child({ GANBOOK_INTRA_OP_THREADS: '1' }), seven = child({ GANBOOK_INTRA_OP_THREADS: '7' });
    expect([one.backend, seven.backend]).toEqual(['tensorflow', 'tensorflow']);
    expect(seven.threads - one.threads).toBe(6);
  });

  it('a bad GANBOOK_THREAD_SPINNING stops the import with its name, like a bad GANBOOK_BACKEND', () => {
    const env: Record<string, string | undefined> = { ...process.env, GANBOOK_THREAD_SPINNING: 'off' };
    delete env.GANBOOK_TF_CONFIG;
    const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', "require('./lib/backend')"], { cwd: root, encoding: 'utf8', env });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('GANBOOK_THREAD_SPINNING must be 0 or 1; got "off".');
  });

  it('a GANBOOK_TF_CONFIG that is not a ConfigProto is refused with a message naming it', () => {
    const r = child({ GANBOOK_TF_CONFIG: 'zz' });
    expect(r.backend).toBe('cpu');
    expect(r.notes.join('\n')).toContain('GANBOOK_TF_CONFIG is not a hex-encoded serialized tensorflow.ConfigProto (not hex); unset it.');
  });
});
