/**
 * WebGPU backend through Dawn's Node binding (npm `webgpu`). Optional: loaded only when
 * `GANBOOK_BACKEND=webgpu`.
 */
import type { Tf } from '../backend';

/** Installs `navigator.gpu` from Dawn, registers tfjs-backend-webgpu and switches to it. */
export async function enableWebGPU(tf: Tf): Promise<void> {
  let dawn: { create: (opts: string[]) => unknown; globals: Record<string, unknown> };
  try {
    dawn = require('webgpu/dist/linux-x64/dawn.node');
  } catch (err) {
    throw new Error('GANBOOK_BACKEND=webgpu needs the optional npm package `webgpu` (Dawn): '
      + `npm install webgpu@0.6.2 (${(err as Error).message.split('\n')[0]})`);
  }
  Object.assign(globalThis, dawn.globals);
  (globalThis as unknown as { navigator: unknown }).navigator = { gpu: dawn.create([]) };
  const gpu = (globalThis as unknown as { navigator: { gpu: { requestAdapter(): Promise<unknown> } } }).navigator.gpu;
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new Error('WebGPU: no GPU adapter found. It needs a Vulkan driver (libvulkan1 and the GPU vendor\'s ICD; '
      + 'check `vulkaninfo --summary`). Unset GANBOOK_BACKEND to use native TensorFlow.');
  }
  require('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('WebGPU: tfjs could not initialise the webgpu backend.');
}
