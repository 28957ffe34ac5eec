/**
 * WebGPU backend through Dawn's Node binding (npm `webgpu`, optional dependency). Loaded only
 * when `GANBOOK_BACKEND=webgpu` (`ready()` in `../backend` calls {@link enableWebGPU}) or by
 * `npm run gpu-check`.
 *
 * Needs a Vulkan driver on Linux (the Vulkan loader `libvulkan.so.1` plus the GPU vendor's ICD;
 * for NVIDIA point `VK_DRIVER_FILES` at `nvidia_icd.json`), Metal on macOS, D3D12 on Windows.
 * Without an adapter it fails with a message that lists what is missing.
 *
 * Environment knobs (read at {@link enableWebGPU}):
 * - `GANBOOK_DAWN_OPTIONS`: comma-separated Dawn `create()` options, e.g.
 *   `backend=vulkan,adapter=NVIDIA` or `enable-dawn-features=allow_unsafe_apis`.
 * - `GANBOOK_WEBGPU_FLAGS`: tfjs flags as `NAME=value,...`, e.g.
 *   `WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=64,WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE=false`.
 *
 * @example
 * ```ts
 * import { tf } from '../backend';
 * import { enableWebGPU } from './webgpu';
 * const info = await enableWebGPU(tf);   // throws "WebGPU: no GPU adapter found ..." without a GPU
 * console.log(info.adapter.description);
 * ```
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Tf } from '../backend';

/** What {@link enableWebGPU} found. */
export interface WebGPUInfo {
  /** `dist/<dir>/dawn.node` directory used (e.g. `linux-x64`). */
  dawnDir: string;
  adapter: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter?: boolean };
  /** tfjs flags that were set from `GANBOOK_WEBGPU_FLAGS`. */
  flags: Record<string, number | boolean | string>;
}

interface Dawn { create: (opts: string[]) => GPULike; globals: Record<string, unknown> }
interface AdapterLike { info?: Record<string, unknown>; isFallbackAdapter?: boolean; requestAdapterInfo?: () => Promise<Record<string, unknown>> }
interface GPULike { requestAdapter(opts?: { powerPreference?: string }): Promise<AdapterLike | null> }

/** The `webgpu` package's prebuilt folder for this platform, or null when it ships none. */
export function dawnPlatformDir(platform: string = process.platform, arch: string = process.arch): string | null {
  if (platform === 'darwin') return 'darwin-universal';
  if ((platform === 'linux' || platform === 'win32') && (arch === 'x64' || arch === 'arm64')) return `${platform}-${arch}`;
  return null;
}

/** Vulkan pieces a Linux adapter needs, for the no-adapter message (and `npm run gpu-check`). */
export function vulkanDiagnostics(): string[] {
  if (process.platform !== 'linux') return [];
  const out: string[] = [];
  const libDirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu',
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)];
  const loader = libDirs.map((d) => path.join(d, 'libvulkan.so.1')).find((p) => fs.existsSync(p));
  out.push(loader ? `Vulkan loader: ${loader}` : 'Vulkan loader libvulkan.so.1: NOT FOUND (Debian/Ubuntu: apt-get install libvulkan1; '
    + 'without root: `apt-get download libvulkan1 && dpkg -x libvulkan1_*.deb v` and add v/usr/lib/<arch> to LD_LIBRARY_PATH)');
  const envFiles = process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES;
  if (envFiles) {
    for (const f of envFiles.split(':').filter(Boolean)) out.push(`ICD from VK_DRIVER_FILES: ${f}${fs.existsSync(f) ? '' : ' (MISSING)'}`);
  } else {
    const icdDirs = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
    const icds = icdDirs.flatMap((d) => { try { return fs.readdirSync(d).map((f) => path.join(d, f)); } catch { return []; } });
    out.push(icds.length ? `Vulkan ICDs: ${icds.join(', ')}` : 'Vulkan ICDs: none in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d '
      + '(NVIDIA: set VK_DRIVER_FILES to the driver\'s nvidia_icd.json, e.g. /usr/share/vulkan/icd.d/nvidia_icd.json '
      + 'or <driver>/share/vulkan/icd.d/nvidia_icd.json; Mesa\'s lavapipe in Debian 12 is too old for Dawn)');
  }
  if (fs.existsSync('/proc/driver/nvidia/version')) out.push('NVIDIA kernel driver: present');
  return out;
}

function loadDawn(): { dawn: Dawn; dir: string } {
  const dir = dawnPlatformDir();
  if (!dir) {
    throw new Error(`WebGPU: the npm package \`webgpu\` ships no Dawn build for ${process.platform}-${process.arch}; `
      + 'unset GANBOOK_BACKEND to use native TensorFlow.');
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return { dawn: require(`webgpu/dist/${dir}/dawn.node`) as Dawn, dir };
  } catch (err) {
    throw new Error('WebGPU: GANBOOK_BACKEND=webgpu needs the optional npm package `webgpu` (Dawn) with its '
      + `dist/${dir}/dawn.node: npm install --save-exact webgpu@0.6.2 (${(err as Error).message.split('\n')[0]})`);
  }
}

/** Parses `NAME=value,...` into typed tfjs flag values. */
export function parseFlags(spec: string | undefined): Record<string, number | boolean | string> {
  const flags: Record<string, number | boolean | string> = {};
  for (const part of (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`Expected GANBOOK_WEBGPU_FLAGS entries as NAME=value; got "${part}".`);
    const name = part.slice(0, eq).trim(), raw = part.slice(eq + 1).trim();
    flags[name] = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
  }
  return flags;
}

let enabled: WebGPUInfo | null = null;

/**
 * Installs `navigator.gpu` from Dawn, checks that an adapter exists, registers
 * `@tensorflow/tfjs-backend-webgpu` and switches tfjs to it. Idempotent.
 *
 * @throws `WebGPU: no GPU adapter found ...` (with Vulkan diagnostics) when there is no GPU.
 * @example
 * ```ts
 * const info = await enableWebGPU(tf); // { dawnDir: 'linux-x64', adapter: { vendor: 'nvidia', ... }, flags: {} }
 * ```
 */
export async function enableWebGPU(tf: Tf): Promise<WebGPUInfo> {
  if (enabled && tf.getBackend() === 'webgpu') return enabled;
  const { dawn, dir } = loadDawn();
  const options = (process.env.GANBOOK_DAWN_OPTIONS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const flags = parseFlags(process.env.GANBOOK_WEBGPU_FLAGS);
  const g = globalThis as unknown as { navigator?: { gpu?: GPULike } };
  const hadNavigator = Object.prototype.hasOwnProperty.call(g, 'navigator');
  const previous = g.navigator;
  const gpu = dawn.create(options);
  const lowPower = flags.WEBGPU_USE_LOW_POWER_GPU === true;
  const adapter = await gpu.requestAdapter({ powerPreference: lowPower ? 'low-power' : 'high-performance' });
  if (!adapter) {
    const diag = vulkanDiagnostics();
    throw new Error('WebGPU: no GPU adapter found (Dawn '
      + `${dir}${options.length ? `, options ${options.join(',')}` : ''}). It needs a GPU and its driver`
      + `${process.platform === 'linux' ? ' through Vulkan' : ''}${diag.length ? `:\n  - ${diag.join('\n  - ')}` : '.'}\n`
      + 'Unset GANBOOK_BACKEND to use native TensorFlow on the CPU.');
  }
  let info: Record<string, unknown> = adapter.info ?? {};
  if (!adapter.info && adapter.requestAdapterInfo) info = await adapter.requestAdapterInfo();
  // tfjs-backend-webgpu registers itself only if navigator.gpu exists at import time.
  Object.assign(globalThis, dawn.globals);
  try {
    Object.defineProperty(globalThis, 'navigator', { value: { ...(previous ?? {}), gpu }, configurable: true, writable: true });
  } catch {
    g.navigator = { ...(previous ?? {}), gpu };
  }
  try {
    for (const [k, v] of Object.entries(flags)) tf.env().set(k, v);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    require('@tensorflow/tfjs-backend-webgpu');
    if (!tf.findBackendFactory('webgpu')) {
      throw new Error('WebGPU: @tensorflow/tfjs-backend-webgpu did not register (is it the same tfjs-core copy as @tensorflow/tfjs-node? `npm ls @tensorflow/tfjs-core`).');
    }
    if (!(await tf.setBackend('webgpu'))) throw new Error('WebGPU: tfjs could not initialise the webgpu backend (see the warnings above).');
  } catch (err) {
    if (hadNavigator) g.navigator = previous; else delete g.navigator;
    throw err;
  }
  enabled = {
    dawnDir: dir,
    adapter: {
      vendor: String(info.vendor ?? ''), architecture: String(info.architecture ?? ''), device: String(info.device ?? ''),
      description: String(info.description ?? ''), isFallbackAdapter: adapter.isFallbackAdapter,
    },
    flags,
  };
  return enabled;
}
