/**
 * Which TensorFlow.js runs underneath ganbook. Every other module imports `tf` from here,
 * so one environment variable switches the whole library.
 *
 * `GANBOOK_BACKEND`:
 * - `auto` (default): native TensorFlow — the GPU build (`@tensorflow/tfjs-node-gpu`) when it
 *   was provisioned (`npm run setup -- --gpu`), else the CPU build (`@tensorflow/tfjs-node`);
 *   the pure-JS CPU backend only as a last resort, with a loud warning.
 * - `tensorflow`, `tensorflow-gpu`: that native build, or a clear error.
 * - `webgpu`: native TensorFlow for I/O helpers plus the WebGPU backend for compute
 *   (call `await ready()` before the first op).
 * - `cpu`: the pure-JS backend (slow; for debugging only).
 *
 * @example
 * ```ts
 * import { tf, backendInfo } from './lib/backend';
 * tf.tensor([1, 2, 3]).square().print();
 * backendInfo(); // { backend: 'tensorflow', package: '@tensorflow/tfjs-node', libtensorflow: '2.21.0', ... }
 * ```
 */
import * as fs from 'fs';
import * as path from 'path';
import type * as TfNode from '@tensorflow/tfjs-node';
import { tfConfigFromEnv, tfConfigHex } from './tf-config';

/** The TensorFlow.js namespace, including the `tf.node` helpers of the native build. */
export type Tf = typeof TfNode;

export type BackendChoice = 'auto' | 'tensorflow' | 'tensorflow-gpu' | 'webgpu' | 'cpu';

export interface BackendInfo {
  /** The tfjs backend actually in use (`tensorflow`, `webgpu`, `cpu`). */
  backend: string;
  /** The npm package that provided it. */
  package: string;
  /** Version of libtensorflow behind the native binding, when there is one. */
  libtensorflow: string | null;
  tfjs: string;
  /** What `GANBOOK_BACKEND` asked for. */
  requested: BackendChoice;
  /** Why a preferred backend was skipped, if it was. */
  notes: string[];
}

// Quiet TensorFlow's C++ start-up logging unless the user asked otherwise.
process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';

const CHOICES: BackendChoice[] = ['auto', 'tensorflow', 'tensorflow-gpu', 'webgpu', 'cpu'];
const notes: string[] = [];

function requestedBackend(): BackendChoice {
  const raw = (process.env.GANBOOK_BACKEND || 'auto').trim().toLowerCase();
  if (!(CHOICES as string[]).includes(raw)) {
    throw new Error(`GANBOOK_BACKEND="${raw}" is not one of ${CHOICES.join(', ')}.`);
  }
  return raw as BackendChoice;
}

/** True when `npm run setup -- --gpu` built tfjs-node-gpu's binding (so requiring it is worth trying). */
function gpuBuildProvisioned(): boolean {
  try {
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-node-gpu/package.json'));
    return fs.existsSync(path.join(dir, 'deps', 'lib'));
  } catch {
    return false;
  }
}

function loadNative(pkg: string): Tf {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require(pkg) as Tf;
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0];
    throw new Error(`${pkg} could not load its native TensorFlow binding (${msg}). `
      + 'Run `npm run setup` (or `npm run doctor` to see what is missing).');
  }
}

function loadPureJs(): Tf {
  const core = require('@tensorflow/tfjs') as Tf;
  const warning = [
    '',
    '*** ganbook WARNING: running on the pure-JavaScript CPU backend. ***',
    '*** Convolutional GAN training is hundreds of times slower here. ***',
    '*** Run `npm run setup` to provision native TensorFlow.          ***',
    '',
  ].join('\n');
  process.emitWarning(warning);
  return core;
}

function pick(requested: BackendChoice): { tf: Tf; pkg: string } {
  switch (requested) {
    case 'tensorflow': return { tf: loadNative('@tensorflow/tfjs-node'), pkg: '@tensorflow/tfjs-node' };
    case 'tensorflow-gpu': return { tf: loadNative('@tensorflow/tfjs-node-gpu'), pkg: '@tensorflow/tfjs-node-gpu' };
    case 'cpu': {
      const tf = loadPureJs();
      return { tf, pkg: '@tensorflow/tfjs' };
    }
    case 'webgpu':
    case 'auto': {
      if (gpuBuildProvisioned()) {
        try {
          return { tf: loadNative('@tensorflow/tfjs-node-gpu'), pkg: '@tensorflow/tfjs-node-gpu' };
        } catch (err) {
          notes.push(`tfjs-node-gpu skipped: ${(err as Error).message}`);
        }
      }
      try {
        return { tf: loadNative('@tensorflow/tfjs-node'), pkg: '@tensorflow/tfjs-node' };
      } catch (err) {
        notes.push((err as Error).message);
        return { tf: loadPureJs(), pkg: '@tensorflow/tfjs' };
      }
    }
  }
}

const requested = requestedBackend();
// TensorFlow's context options (thread spinning off, thread counts), read by ganbook's patched
// binding when it creates the context (lib/tf-config.ts). A bad GANBOOK_THREAD_SPINNING /
// GANBOOK_*_OP_THREADS throws here, by name, like a bad GANBOOK_BACKEND.
process.env.GANBOOK_TF_CONFIG ??= tfConfigHex(tfConfigFromEnv());
const picked = pick(requested);

/** The TensorFlow.js namespace every ganbook module uses. */
export const tf: Tf = picked.tf;

if (requested === 'cpu') tf.setBackend('cpu');

// tfjs-node-gpu loads even when TensorFlow cannot dlopen CUDA (it then runs on the CPU): say so.
if (picked.pkg === '@tensorflow/tfjs-node-gpu') {
  try {
    const b = tf.backend() as unknown as { isUsingGpuDevice?: boolean; binding?: { isUsingGpuDevice?: () => boolean } };
    const onGpu = b.isUsingGpuDevice ?? b.binding?.isUsingGpuDevice?.();
    if (onGpu === false) {
      notes.push('tfjs-node-gpu loaded but TensorFlow found no GPU (CUDA 12 / cuDNN 9 libraries not on LD_LIBRARY_PATH? '
        + 'see `npm run setup -- --gpu` and docs/speed.md): running on the CPU.');
    }
  } catch { /* backend not initialised */ }
}

let readyPromise: Promise<BackendInfo> | null = null;

/**
 * Resolves once the chosen backend is initialised. Needed before the first op only for
 * `webgpu` (asynchronous adapter set-up); harmless and instant for the others.
 */
export function ready(): Promise<BackendInfo> {
  readyPromise ??= (async () => {
    if (requested === 'webgpu') {
      const { enableWebGPU } = await import('./backends/webgpu');
      await enableWebGPU(tf);
    }
    await tf.ready();
    return backendInfo();
  })();
  return readyPromise;
}

/** What is running underneath: backend, package, libtensorflow version. */
export function backendInfo(): BackendInfo {
  let libtensorflow: string | null = null;
  try {
    const b = tf.backend() as unknown as { binding?: { TF_Version?: string } };
    libtensorflow = b.binding?.TF_Version ?? null;
  } catch { /* backend not initialised yet */ }
  return {
    backend: tf.getBackend(),
    package: picked.pkg,
    libtensorflow,
    tfjs: tf.version.tfjs,
    requested,
    notes: [...notes],
  };
}

/** True when the native TensorFlow helpers (`tf.node.encodePng`, summary writers, ...) exist. */
export function hasNodeHelpers(): boolean {
  return typeof (tf as Partial<Tf>).node?.encodePng === 'function';
}

// Type-only re-exports, so modules write `import { tf, type Tensor } from './backend'`
// (no runtime import of a particular tfjs package).
export type {
  Tensor, Tensor1D, Tensor2D, Tensor3D, Tensor4D, Scalar, Rank, Variable, NamedTensorMap,
  TensorContainer, LayersModel, Sequential, SymbolicTensor, Optimizer, DataType,
} from '@tensorflow/tfjs-node';
