/**
 * `npm run gpu-check`: one prepared script for a machine with a GPU (WebGPU through Dawn).
 *
 * 1. correctness: the reference DCGAN step (same initial weights, same data and noise) for a few
 *    steps on the native CPU backend and on webgpu; the losses must agree within `--tol`;
 * 2. reports the platform, the Vulkan pieces it finds and the WebGPU adapter;
 * 3. speed: ms/step of the reference step on webgpu at each `--batches` size, for each flag
 *    variant (tfjs WebGPU flags; `--variants` picks a preset list or `NAME=v;NAME=v|...`), and of
 *    the fast step's plan written with tfjs ops (`createFastGanStep(..., { portable: true })`);
 *    optionally a `tf.profile` of one step (kernel count, top kernels);
 * 4. prints one JSON object (also with `--json` only that).
 *
 * Without a GPU adapter it prints "gpu-check: no GPU adapter ..." and exits with code 2
 * (0 with `--allow-missing`, for CI).
 *
 * Usage: npm run gpu-check -- [--allow-missing] [--json] [--batches 64,256] [--steps 10]
 *          [--check-steps 3] [--tol 0.01] [--variants default|all|"A=1;B=2|C=3"] [--profile] [--cpu]
 * `--cpu` also times the native CPU fast step at the same batches (for the GPU/CPU ratio).
 * `--save-reference FILE` computes the correctness check's CPU losses here (native TensorFlow) and
 * writes them, without a GPU; `--reference FILE` then uses them instead of computing them on the GPU
 * machine (where the binding is often not carried and pure-JS steps take minutes). Initial weights,
 * data and noise come from seeded tfjs-core random ops (JavaScript on every backend), so both
 * machines start from the same numbers.
 * `--dry-run-on tensorflow` skips WebGPU and runs everything else on that backend: how the
 * script itself is tested on machines without a GPU (test/speed/webgpu.test.ts).
 * Env: GANBOOK_DAWN_OPTIONS, GANBOOK_WEBGPU_FLAGS (see lib/backends/webgpu.ts), VK_DRIVER_FILES.
 */
import * as fs from 'fs';
import * as os from 'os';

// Native TensorFlow stays the default backend; webgpu is added next to it.
delete process.env.GANBOOK_BACKEND;

interface Args {
  allowMissing: boolean; json: boolean; batches: number[]; steps: number; checkSteps: number; tol: number;
  variants: string; profile: boolean; cpu: boolean;
  /** Write the CPU reference losses to this file and stop. */
  saveReference: string | null;
  /** Read the CPU reference losses from this file (written by `--save-reference`). */
  reference: string | null;
  /** Test hook: skip WebGPU and treat this backend as the device (exercises the script without a GPU). */
  dryRunOn: string | null;
}

function parseArgs(argv: string[]): Args {
  const has = (f: string) => argv.includes(f);
  const val = (f: string, d: string) => { const i = argv.indexOf(f); return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : d; };
  return {
    allowMissing: has('--allow-missing'), json: has('--json'),
    batches: val('--batches', '64,256').split(',').map(Number).filter((n) => n > 0),
    steps: Number(val('--steps', '10')), checkSteps: Number(val('--check-steps', '3')), tol: Number(val('--tol', '0.01')),
    variants: val('--variants', 'all'), profile: has('--profile'), cpu: has('--cpu'),
    dryRunOn: has('--dry-run-on') ? val('--dry-run-on', 'tensorflow') : null,
    saveReference: has('--save-reference') ? val('--save-reference', '') || null : null,
    reference: has('--reference') ? val('--reference', '') || null : null,
  };
}

/** Flag variants to time: tfjs WebGPU flags that change dispatch counts or conv kernels. */
function variantsOf(spec: string): { name: string; flags: Record<string, number | boolean> }[] {
  const presets: { name: string; flags: Record<string, number | boolean> }[] = [
    { name: 'default', flags: {} },
    { name: 'submit-batch-64', flags: { WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: 64 } },
    { name: 'conv2dT-matmul', flags: { WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE: false } },
    { name: 'im2col-shader', flags: { WEBGPU_CONV_SEPARATE_IM2COL_SHADER: true } },
    { name: 'combined', flags: { WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: 64, WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE: false } },
  ];
  if (spec === 'all') return presets;
  if (spec === 'default') return presets.slice(0, 1);
  return spec.split('|').map((v, i) => ({
    name: `v${i}:${v}`,
    flags: Object.fromEntries(v.split(';').filter(Boolean).map((kv) => {
      const [k, raw] = kv.split('=');
      return [k.trim(), raw === 'true' ? true : raw === 'false' ? false : Number(raw)];
    })),
  }));
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const report: Record<string, unknown> = {
    node: process.version, platform: `${process.platform}-${process.arch}`, cpus: os.cpus().length, time: new Date().toISOString(),
  };
  const say = (s: string) => { if (!args.json) console.error(s); };
  const { tf } = await import('../lib/backend');
  const { enableWebGPU, vulkanDiagnostics } = await import('../lib/backends/webgpu');
  const { referenceDcgan } = await import('../lib/train/fast-reference');
  const { referenceGanStep, createFastGanStep } = await import('../lib/train/fast-step');
  await tf.ready();
  const cpuBackend = tf.getBackend();
  report.cpuBackend = cpuBackend;
  report.vulkan = vulkanDiagnostics();

  // --- 1. correctness, CPU side: the same weights, data and noise for the CPU and the device; the
  // CPU's losses (computed here or read from --reference).
  const B0 = 16;
  tf.setBackend(cpuBackend);
  const init = referenceDcgan({ seed: 7 });
  const weightsG = init.g.getWeights().map((w) => ({ shape: w.shape, data: w.dataSync().slice() }));
  const weightsD = init.d.getWeights().map((w) => ({ shape: w.shape, data: w.dataSync().slice() }));
  init.g.dispose(); init.d.dispose();
  const realData = tf.tidy(() => tf.randomUniform([B0, 28, 28, 1], -1, 1, 'float32', 1).dataSync().slice());
  const zData = Array.from({ length: args.checkSteps }, (_, i) => tf.tidy(() => tf.randomNormal([B0, 100], 0, 1, 'float32', 100 + i).dataSync().slice()));
  const lossesOn = async (backend: string, portable = false): Promise<number[][]> => {
    await tf.setBackend(backend);
    const { g, d } = referenceDcgan({ seed: 7 });
    g.setWeights(weightsG.map((w) => tf.tensor(w.data, w.shape)));
    d.setWeights(weightsD.map((w) => tf.tensor(w.data, w.shape)));
    const opt = { generator: tf.train.adam(2e-4, 0.5), discriminator: tf.train.adam(2e-4, 0.5) };
    const real = tf.tensor4d(realData, [B0, 28, 28, 1]);
    const fastPortable = portable ? createFastGanStep({ generator: g, discriminator: d }, opt, { portable: true }) : null;
    const out: number[][] = [];
    for (const zd of zData) {
      const z = tf.tensor2d(zd, [B0, 100]);
      const r = fastPortable ? fastPortable.step({ real, z }) : referenceGanStep({ generator: g, discriminator: d }, opt, { real, z });
      out.push([(await r.dLoss.data())[0], (await r.gLoss.data())[0]]);
      tf.dispose([z, r.dLoss, r.gLoss]);
    }
    tf.dispose([real]); fastPortable?.dispose(); opt.generator.dispose(); opt.discriminator.dispose(); g.dispose(); d.dispose();
    return out;
  };
  let cpuLosses: number[][];
  if (args.reference) {
    const ref = JSON.parse(fs.readFileSync(args.reference, 'utf8')) as { cpuLosses?: number[][]; batch?: number; cpuBackend?: string };
    if (!Array.isArray(ref.cpuLosses) || ref.cpuLosses.length !== args.checkSteps || ref.batch !== B0) {
      throw new Error(`--reference ${args.reference}: expected ${args.checkSteps} steps of losses at batch ${B0} `
        + `(written by --save-reference with the same --check-steps), got ${JSON.stringify(ref).slice(0, 200)}`);
    }
    cpuLosses = ref.cpuLosses;
    report.referenceFrom = { file: args.reference, backend: ref.cpuBackend };
  } else {
    cpuLosses = await lossesOn(cpuBackend);
  }
  if (args.saveReference) {
    fs.writeFileSync(args.saveReference, JSON.stringify({ cpuBackend, batch: B0, checkSteps: args.checkSteps, cpuLosses }));
    say(`gpu-check: CPU reference losses (${cpuBackend}, ${args.checkSteps} steps) written to ${args.saveReference}`);
    return 0;
  }

  // --- 2. adapter
  const dev = args.dryRunOn ?? 'webgpu';
  if (args.dryRunOn) {
    // Registers the WEBGPU_* flags (the backend itself registers only with navigator.gpu).
    require('@tensorflow/tfjs-backend-webgpu');
    report.dryRunOn = args.dryRunOn;
    say(`gpu-check: DRY RUN on backend "${args.dryRunOn}" (no WebGPU)`);
  } else try {
    const info = await enableWebGPU(tf);
    report.adapter = info.adapter; report.dawnDir = info.dawnDir; report.envFlags = info.flags;
    say(`gpu-check: adapter ${JSON.stringify(info.adapter)}`);
  } catch (err) {
    const msg = (err as Error).message;
    report.ok = false;
    report.reason = `no GPU adapter: ${msg}`;
    console.error(`gpu-check: no GPU adapter — nothing to check on this machine.\n${msg}`);
    console.log(JSON.stringify(report));
    return args.allowMissing ? 0 : 2;
  }

  // --- correctness, device side.
  const gpuLosses = await lossesOn(dev);
  // The fast step's plan in portable mode (tfjs ops) on the device, same weights and data.
  let portableLosses: number[][] | string;
  try { portableLosses = await lossesOn(dev, true); } catch (err) { portableLosses = `failed: ${(err as Error).message.split('\n')[0]}`; }
  const diffTo = (other: number[][]) => Math.max(...cpuLosses.flatMap((row, i) => row.map((v, j) => Math.abs(v - other[i][j]))));
  const maxDiff = diffTo(gpuLosses);
  const portableDiff = typeof portableLosses === 'string' ? null : diffTo(portableLosses);
  const agree = maxDiff <= args.tol;
  report.correctness = {
    device: dev, batch: B0, steps: args.checkSteps, cpuLosses, gpuLosses, maxAbsDiff: maxDiff, tol: args.tol, agree,
    portableFastStep: { losses: portableLosses, maxAbsDiff: portableDiff, agree: portableDiff != null && portableDiff <= args.tol },
  };
  say(`gpu-check: portable fast step on ${dev}: max |diff| to the CPU reference ${portableDiff ?? String(portableLosses)}`);
  say(`gpu-check: losses CPU vs ${dev} max |diff| ${maxDiff.toExponential(2)} (tol ${args.tol}) → ${agree ? 'agree' : 'DISAGREE'}`);

  // --- 3. speed on webgpu per batch and flag variant (+ optional CPU fast step).
  const timeSteps = async (backend: string, B: number, fast: boolean, portable = false): Promise<number> => {
    await tf.setBackend(backend);
    const { g, d } = referenceDcgan();
    const opt = { generator: tf.train.adam(2e-4, 0.5), discriminator: tf.train.adam(2e-4, 0.5) };
    const stepper = fast ? createFastGanStep({ generator: g, discriminator: d }, opt, { portable }) : null;
    const real = tf.randomUniform([B, 28, 28, 1], -1, 1);
    let last: import('../lib/backend').Tensor | null = null;
    const one = () => {
      last?.dispose();
      const z = tf.randomNormal([B, 100]);
      const r = stepper ? stepper.step({ real, z }) : referenceGanStep({ generator: g, discriminator: d }, opt, { real, z });
      r.dLoss.dispose(); z.dispose(); last = r.gLoss;
    };
    for (let i = 0; i < 3; i++) one();
    await last!.data();
    const t0 = performance.now();
    for (let i = 0; i < args.steps; i++) one();
    await last!.data();
    const ms = (performance.now() - t0) / args.steps;
    last!.dispose(); real.dispose(); stepper?.dispose(); opt.generator.dispose(); opt.discriminator.dispose(); g.dispose(); d.dispose();
    return +ms.toFixed(2);
  };
  const speed: Record<string, unknown>[] = [];
  const base = Object.fromEntries(Object.entries((report.envFlags as Record<string, unknown>) ?? {}));
  for (const v of variantsOf(args.variants)) {
    await tf.setBackend(dev);
    const saved: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v.flags)) { saved[k] = tf.env().get(k); tf.env().set(k, x); }
    for (const B of args.batches) {
      try {
        const ms = await timeSteps(dev, B, false);
        speed.push({ backend: dev, variant: v.name, flags: { ...base, ...v.flags }, batch: B, msPerStep: ms });
        say(`gpu-check: ${dev} ${v.name} batch ${B}: ${ms} ms/step`);
      } catch (err) {
        speed.push({ backend: dev, variant: v.name, batch: B, error: (err as Error).message.split('\n')[0] });
      }
    }
    for (const [k, x] of Object.entries(saved)) tf.env().set(k, x as number | boolean);
  }
  for (const B of args.batches) {
    try {
      const ms = await timeSteps(dev, B, true, true);
      speed.push({ backend: dev, variant: 'fast-step-portable', batch: B, msPerStep: ms });
      say(`gpu-check: ${dev} portable fast step batch ${B}: ${ms} ms/step`);
    } catch (err) {
      speed.push({ backend: dev, variant: 'fast-step-portable', batch: B, error: (err as Error).message.split('\n')[0] });
    }
  }
  if (args.cpu) {
    for (const B of args.batches) {
      const ms = await timeSteps(cpuBackend, B, true);
      speed.push({ backend: cpuBackend, variant: 'fast-step', batch: B, msPerStep: ms });
      say(`gpu-check: ${cpuBackend} fast step batch ${B}: ${ms} ms/step`);
    }
  }
  report.speed = speed;

  // --- 4. optional kernel profile of one webgpu step (batch = first of --batches).
  if (args.profile) {
    await tf.setBackend(dev);
    const B = args.batches[0];
    const { g, d } = referenceDcgan();
    const opt = { generator: tf.train.adam(2e-4, 0.5), discriminator: tf.train.adam(2e-4, 0.5) };
    const real = tf.randomUniform([B, 28, 28, 1], -1, 1);
    const z = tf.randomNormal([B, 100]);
    const warm = referenceGanStep({ generator: g, discriminator: d }, opt, { real, z });
    await warm.gLoss.data(); tf.dispose([warm.dLoss, warm.gLoss]);
    const prof = await tf.profile(() => { const r = referenceGanStep({ generator: g, discriminator: d }, opt, { real, z }); tf.dispose([r.dLoss, r.gLoss]); });
    const by = new Map<string, { n: number; ms: number }>();
    for (const k of prof.kernels) {
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      const e = by.get(k.name) ?? { n: 0, ms: 0 }; e.n++; e.ms += ms; by.set(k.name, e);
    }
    report.profile = {
      batch: B, kernels: prof.kernels.length, newTensors: prof.newTensors,
      top: [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15).map(([name, e]) => ({ name, n: e.n, ms: +e.ms.toFixed(2) })),
    };
    tf.dispose([real, z]); opt.generator.dispose(); opt.discriminator.dispose(); g.dispose(); d.dispose();
  }

  report.ok = agree;
  console.log(JSON.stringify(report));
  return agree ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
    console.error(`gpu-check failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  });
}
