#!/usr/bin/env node
// `npm run setup`: everything ganbook needs, idempotent. Plain Node with no dependencies,
// so it runs on a fresh clone before `npm ci`.
//
//   node scripts/setup.js [--quiet] [--gpu] [--rebuild-tf] [--skip-jupyter]
//
// Steps: npm dependencies from the lockfile → Python venv with Jupyter → native TensorFlow
// for @tensorflow/tfjs-node (keep a working binding; else tfjs-node's own download; else
// libtensorflow from the tensorflow-cpu wheel; a binding built here is patched to pass list
// attributes, for the fused kernels: scripts/binding-patch.js) → the `ganbook` kernelspec → datasets.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { spawnSync } = require('child_process');
const { findPostgresBin, findNginx } = require('./system-tools');
const { root, venv, venvBin, cacheDir, jupyterEnv } = require('./env');
const { patchBindingSource, bindingReadsConfig, LIST_ATTR_PROBE, SIGNALS_PROBE, FUNCTIONS_PROBE } = require('./binding-patch');

const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');
const wantGpu = args.has('--gpu') || process.env.GANBOOK_GPU === '1';
const started = Date.now();

const TF_WHEEL_VERSION = '2.21.0';

function log(msg) { if (!quiet) console.log(msg); }
function ok(msg) { console.log(`  \u2713 ${msg}`); }
function fail(step, what, fix) {
  console.error(`\n\u2717 setup failed at "${step}": ${what}\n  What to do: ${fix}\n`);
  process.exit(1);
}
function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, {
    cwd: opts.cwd || root,
    env: opts.env || process.env,
    stdio: opts.capture ? 'pipe' : (quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit'),
    encoding: 'utf8',
    timeout: opts.timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  const out = `${r.stdout || ''}${r.stderr || ''}`;
  return { ok: r.status === 0, status: r.status, out, timedOut: r.error && r.error.code === 'ETIMEDOUT', error: r.error };
}
function hashOf(...files) {
  const h = crypto.createHash('sha256');
  for (const f of files) h.update(fs.existsSync(f) ? fs.readFileSync(f) : '');
  return h.digest('hex').slice(0, 16);
}

// ---------------------------------------------------------------- npm dependencies
function npmDeps() {
  const stamp = path.join(root, 'node_modules', '.ganbook-lock');
  const want = hashOf(path.join(root, 'package-lock.json'));
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === want) return ok('npm dependencies (up to date)');
  // A fresh clone gets `npm ci`; an existing node_modules is updated in place by `npm install`,
  // which keeps the already compiled TensorFlow binding. (.npmrc sets ignore-scripts: tfjs-node's
  // own install script downloads from a dead CDN.)
  const fresh = !fs.existsSync(path.join(root, 'node_modules', '.package-lock.json'));
  log(`Installing npm dependencies from package-lock.json (npm ${fresh ? 'ci' : 'install'})...`);
  const r = run('npm', [fresh ? 'ci' : 'install', '--no-audit', '--no-fund'], { timeoutMs: 15 * 60e3 });
  if (!r.ok) fail('npm dependencies', `npm ci exited ${r.status}\n${r.out.slice(-2000)}`,
    'check that the npm registry is reachable (npm ping), then run `npm run setup` again.');
  fs.writeFileSync(stamp, want);
  ok('npm dependencies installed');
}

// ---------------------------------------------------------------- Python venv + Jupyter
function pythonExe() {
  for (const py of [process.env.GANBOOK_PYTHON, 'python3', 'python'].filter(Boolean)) {
    const r = run(py, ['-c', 'import sys; print(sys.version_info[0]*100+sys.version_info[1])'], { capture: true });
    if (r.ok && Number(r.out.trim()) >= 309) return py;
  }
  return null;
}
function pipInstall(argv, what) {
  // The first attempt fails fast where only a mirror is reachable; pip's own config decides the index.
  const r = run(path.join(venvBin, 'python'), ['-m', 'pip', 'install', '--retries', '0', '--disable-pip-version-check', ...argv],
    { timeoutMs: 20 * 60e3 });
  if (!r.ok) fail('Python packages', `pip could not install ${what}\n${r.out.slice(-2000)}`,
    'check `pip config list` / network access to your package index, then rerun `npm run setup`.');
}
function pythonVenv() {
  const req = path.join(root, 'requirements.txt');
  const stamp = path.join(venv, '.ganbook-requirements');
  const want = hashOf(req);
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === want
      && fs.existsSync(path.join(venvBin, 'jupyter'))) return ok('Python venv with JupyterLab (up to date)');
  const py = pythonExe();
  if (!py) fail('Python venv', 'no python3 >= 3.9 on PATH',
    'install Python 3 with venv support (Debian: apt-get install python3 python3-venv) or set GANBOOK_PYTHON.');
  if (!fs.existsSync(path.join(venvBin, 'python'))) {
    log(`Creating .venv with ${py}...`);
    const r = run(py, ['-m', 'venv', venv]);
    if (!r.ok) fail('Python venv', `\`${py} -m venv .venv\` failed\n${r.out}`, 'install python3-venv (Debian) and rerun.');
  }
  log('Installing JupyterLab, nbclient, jupyter_console into .venv...');
  pipInstall(['-r', req], 'requirements.txt');
  fs.writeFileSync(stamp, want);
  ok('Python venv with JupyterLab installed');
}

// ---------------------------------------------------------------- native TensorFlow
function tfPackageDir(pkg) { return path.join(root, 'node_modules', ...pkg.split('/')); }

/**
 * Loads the binding in a child process; returns {backend, tf, lists, signals, functions, config} (lists: list-valued
 * attributes pass; signals: it blocks signals inside kernels; functions: it registers function definitions;
 * config: it reads GANBOOK_TF_CONFIG) or {backend: null, error}.
 */
function probeBinding(pkg) {
  const code = `const tf=require(${JSON.stringify(pkg)});${LIST_ATTR_PROBE}${SIGNALS_PROBE}${FUNCTIONS_PROBE}`
    + `const b=tf.backend();console.log(JSON.stringify({backend:tf.getBackend(),tf:b.binding&&b.binding.TF_Version,lists,signals,functions}))`;
  const r = run(process.execPath, ['-e', code], { capture: true, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' }, timeoutMs: 120e3 });
  const line = r.out.split('\n').find((l) => l.startsWith('{"backend"'));
  if (!r.ok || !line) return { backend: null, error: r.out.trim().split('\n').slice(-6).join('\n') };
  // Does it read GANBOOK_TF_CONFIG (ganbook's context config: thread spinning)?
  return { ...JSON.parse(line), config: bindingReadsConfig(pkg, root), error: null };
}

/** Whether a probed binding has all of ganbook's patches (scripts/binding-patch.js). */
function patched(p) { return p.backend === 'tensorflow' && p.lists && p.signals && p.config && p.functions; }

function bindingPath(pkgDir) {
  const preGyp = require(path.join(root, 'node_modules', '@mapbox', 'node-pre-gyp'));
  return preGyp.find(path.join(pkgDir, 'package.json'));
}

function nodeGyp() {
  const candidates = [];
  if (process.env.npm_execpath) candidates.push(path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const g = run('npm', ['prefix', '-g'], { capture: true });
  if (g.ok) candidates.push(path.join(g.out.trim(), 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((c) => fs.existsSync(c)) || null;
}

/** Extracts libtensorflow (two .so.2 files + include/) from the Python wheel into the cache. */
function libtensorflowFromWheel(wheelName) {
  const dest = path.join(cacheDir(), `lib${wheelName}-${TF_WHEEL_VERSION}`);
  if (fs.existsSync(path.join(dest, '.complete'))) { ok(`libtensorflow from cache: ${dest}`); return dest; }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    fail('native TensorFlow', `the ${wheelName} wheel route is implemented for linux-x64 only (this is ${process.platform}-${process.arch})`,
      'set GANBOOK_LIBTENSORFLOW to a libtensorflow directory (with lib/ and include/) and rerun.');
  }
  const wheels = path.join(cacheDir(), 'wheels');
  fs.mkdirSync(wheels, { recursive: true });
  let wheel = fs.readdirSync(wheels).find((f) => f.startsWith(`${wheelName.replace(/-/g, '_')}-${TF_WHEEL_VERSION}-`) && f.endsWith('.whl'));
  if (!wheel) {
    const py = fs.existsSync(path.join(venvBin, 'python')) ? path.join(venvBin, 'python') : pythonExe();
    if (!py) fail('native TensorFlow', 'no Python to run `pip download` with', 'install python3 and rerun.');
    log(`Downloading the ${wheelName}==${TF_WHEEL_VERSION} wheel (~275 MB, once; cached in ${wheels})...`);
    // Pin platform/ABI so the same wheel is chosen whatever the local Python is;
    // libtensorflow inside it does not depend on the Python version.
    const r = run(py, ['-m', 'pip', 'download', '--retries', '0', '--disable-pip-version-check', '--no-deps',
      '--only-binary=:all:', '--python-version', '3.11', '--implementation', 'cp', '--platform', 'manylinux_2_27_x86_64',
      '-d', wheels, `${wheelName}==${TF_WHEEL_VERSION}`], { timeoutMs: 30 * 60e3 });
    wheel = fs.readdirSync(wheels).find((f) => f.startsWith(`${wheelName.replace(/-/g, '_')}-${TF_WHEEL_VERSION}-`) && f.endsWith('.whl'));
    if (!r.ok || !wheel) fail('native TensorFlow', `pip download ${wheelName}==${TF_WHEEL_VERSION} failed\n${r.out.slice(-1500)}`,
      'check access to your Python package index (`pip config list`), or point GANBOOK_LIBTENSORFLOW at an existing libtensorflow.');
  }
  log(`Extracting libtensorflow from ${wheel} (~800 MB unpacked)...`);
  const tmp = `${dest}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const py = pythonExe() || path.join(venvBin, 'python');
  const extract = [
    'import sys, zipfile, os, shutil',
    'whl, out = sys.argv[1], sys.argv[2]',
    'z = zipfile.ZipFile(whl)',
    'libs = ("tensorflow/libtensorflow_cc.so.2", "tensorflow/libtensorflow_framework.so.2")',
    'for n in z.namelist():',
    '    if n.startswith("tensorflow/include/") and not n.endswith("/"):',
    '        t = os.path.join(out, n[len("tensorflow/"):])',
    '    elif n in libs:',
    '        t = os.path.join(out, "lib", os.path.basename(n))',
    '    else:',
    '        continue',
    '    os.makedirs(os.path.dirname(t), exist_ok=True)',
    '    with z.open(n) as src, open(t, "wb") as dst: shutil.copyfileobj(src, dst, 1 << 20)',
  ].join('\n');
  const r = run(py, ['-c', extract, path.join(wheels, wheel), tmp], { timeoutMs: 20 * 60e3 });
  const libs = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'];
  if (!r.ok || !libs.every((l) => fs.existsSync(path.join(tmp, 'lib', l)))) {
    fs.rmSync(tmp, { recursive: true, force: true });
    // A truncated download is the usual cause: drop it so the next run fetches it again.
    fs.rmSync(path.join(wheels, wheel), { force: true });
    fail('native TensorFlow', `could not extract libtensorflow from ${wheel}\n${r.out.slice(-1500)}`,
      'the cached wheel was removed; rerun `npm run setup` to download it again (needs ~1.1 GB free disk).');
  }
  fs.symlinkSync('libtensorflow_cc.so.2', path.join(tmp, 'lib', 'libtensorflow.so'));
  fs.symlinkSync('libtensorflow_framework.so.2', path.join(tmp, 'lib', 'libtensorflow_framework.so'));
  fs.writeFileSync(path.join(tmp, '.complete'), `${wheel}\n`);
  fs.rmSync(dest, { recursive: true, force: true });
  fs.renameSync(tmp, dest);
  // The extraction is what is reused; the 275 MB wheel is not needed any more.
  fs.rmSync(path.join(wheels, wheel), { force: true });
  ok(`libtensorflow extracted to ${dest}`);
  return dest;
}

/** Points the package's deps/ at a libtensorflow dir (lib/ + include/) and compiles the binding. */
function buildBinding(pkg, libDir) {
  const pkgDir = tfPackageDir(pkg);
  const deps = path.join(pkgDir, 'deps');
  fs.rmSync(deps, { recursive: true, force: true });
  fs.mkdirSync(path.join(deps, 'lib'), { recursive: true });
  fs.symlinkSync(path.join(libDir, 'include'), path.join(deps, 'include'));
  const srcLib = path.join(libDir, 'lib');
  const main = ['libtensorflow_cc.so.2', 'libtensorflow.so.2'].find((f) => fs.existsSync(path.join(srcLib, f)));
  if (!main || !fs.existsSync(path.join(srcLib, 'libtensorflow_framework.so.2'))) {
    fail('native TensorFlow', `${srcLib} lacks libtensorflow(_cc).so.2 / libtensorflow_framework.so.2`,
      'point GANBOOK_LIBTENSORFLOW at a directory with lib/ and include/ from a libtensorflow 2.x release.');
  }
  for (const [name, target] of [[main, main], ['libtensorflow_framework.so.2', 'libtensorflow_framework.so.2'],
    ['libtensorflow.so', main], ['libtensorflow_framework.so', 'libtensorflow_framework.so.2']]) {
    fs.symlinkSync(path.join(srcLib, target), path.join(deps, 'lib', name));
  }
  if (main !== 'libtensorflow.so.2') fs.symlinkSync(path.join(srcLib, main), path.join(deps, 'lib', 'libtensorflow.so.2'));
  try {
    log(`  ${pkg} binding source: list attributes, signal blocking, context config and function definitions ${patchBindingSource(path.join(pkgDir, 'binding', 'tfjs_backend.cc'))} (fused kernels)`);
  } catch (e) {
    fail('native TensorFlow', e.message, `reinstall ${pkg} (\`npm ci\`) and rerun \`npm run setup\`.`);
  }
  const gyp = nodeGyp();
  if (!gyp) fail('native TensorFlow', 'node-gyp not found (it ships with npm)', 'reinstall npm, or `npm i -g node-gyp`, and rerun.');
  const target = bindingPath(pkgDir);
  const modulePath = path.relative(pkgDir, path.dirname(target));
  log(`Compiling ${pkg}'s binding against ${libDir} (node-gyp, ~10-60 s)...`);
  const gypArgs = [gyp, 'rebuild', '--module_name=tfjs_binding', `--module_path=${modulePath}`];
  // Build against the running Node's own headers when they are installed (no download needed).
  const nodeDir = process.env.npm_config_nodedir || path.resolve(path.dirname(process.execPath), '..');
  if (fs.existsSync(path.join(nodeDir, 'include', 'node', 'node_api.h'))) gypArgs.push(`--nodedir=${nodeDir}`);
  const r = run(process.execPath, gypArgs, { cwd: pkgDir, timeoutMs: 15 * 60e3 });
  if (!r.ok) fail('native TensorFlow', `node-gyp rebuild failed\n${r.out.slice(-2500)}`,
    'install a C++ toolchain (Debian: apt-get install build-essential python3); node-gyp also needs Node headers '
    + '(installed with Node, or downloaded from nodejs.org). Then rerun `npm run setup`.');
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // A new file renamed over the old one: a process that has the old binding loaded keeps its copy.
  const tmp = `${target}.${process.pid}.tmp`;
  fs.copyFileSync(path.join(pkgDir, 'build', 'Release', 'tfjs_binding.node'), tmp);
  fs.renameSync(tmp, target);
}

function tryOwnDownload(pkg) {
  const pkgDir = tfPackageDir(pkg);
  const timeoutMs = Number(process.env.GANBOOK_TF_DOWNLOAD_TIMEOUT || 45) * 1000;
  log(`Trying ${pkg}'s own libtensorflow download (timeout ${timeoutMs / 1000} s)...`);
  const r = run(process.execPath, ['scripts/install.js', pkg.endsWith('-gpu') ? 'gpu' : 'cpu', 'download'], { cwd: pkgDir, capture: true, timeoutMs });
  const p = r.ok ? probeBinding(pkg) : null;
  if (p && patched(p)) return true;
  if (p && p.backend === 'tensorflow') {
    console.log(`  \u2022 ${pkg}'s own download works, but its prebuilt binding lacks ganbook's patch (fused kernels, interrupts, thread spinning); building one instead.`);
    return false;
  }
  const why = r.timedOut ? 'timed out' : ((r.out.match(/^.*(error|ENOTFOUND|403|EAI_AGAIN).*$/im) || [`exit ${r.status}`])[0].trim());
  console.log(`  \u2022 ${pkg}'s own download failed (${why.slice(0, 300)}); its CDN has answered 403 since Aug 2026 (tfjs#8742).`);
  return false;
}

function nativeTensorflow(pkg, wheelName) {
  const force = args.has('--rebuild-tf');
  let stale = false;
  if (!force) {
    const p = probeBinding(pkg);
    if (patched(p)) return ok(`${pkg}: backend tensorflow, libtensorflow ${p.tf} (binding loads)`);
    // A binding without list attributes, signal blocking or the context config (tfjs-node's
    // prebuilt one, or one built before ganbook patched it) works but cannot run the fused
    // kernels, can crash on a notebook interrupt, or cannot turn thread spinning off: rebuild it
    // once, patched.
    stale = p.backend === 'tensorflow';
    if (stale) log(`${pkg}: the binding loads but lacks ganbook's patch (${[!p.lists && 'list attributes: fused kernels', !p.signals && 'signals blocked inside kernels: interrupts', !p.config && 'context config: thread spinning', !p.functions && 'function definitions: compiled steps'].filter(Boolean).join('; ')}); rebuilding it...`);
  }
  if (process.env.GANBOOK_LIBTENSORFLOW) {
    buildBinding(pkg, path.resolve(process.env.GANBOOK_LIBTENSORFLOW));
  } else if (force || stale || process.env.GANBOOK_SKIP_TF_DOWNLOAD === '1' || !tryOwnDownload(pkg)) {
    buildBinding(pkg, libtensorflowFromWheel(wheelName));
  }
  const p = probeBinding(pkg);
  if (p.backend !== 'tensorflow') {
    fail('native TensorFlow', `the rebuilt ${pkg} binding does not load:\n${p.error}`,
      'run `npm run setup -- --rebuild-tf`; if it persists, delete the cache folder printed above and rerun.');
  }
  ok(`${pkg}: backend tensorflow, libtensorflow ${p.tf}`);
}

/**
 * GPU route: libtensorflow from the `tensorflow` wheel loads CUDA 12 / cuDNN 9 at run time from the
 * nvidia-*-cu12 wheels (in Python their RUNPATH finds them beside tensorflow/; our extracted copy
 * does not). They must be on LD_LIBRARY_PATH *before* node starts (the dynamic loader reads it at
 * process start; lib/backend.ts cannot set it). Prints what to export, or how to get them.
 * Not verified on the project machines (no CUDA 12 there); see docs/speed.md.
 */
function cudaRuntimeHint() {
  const dirs = [];
  for (const lib of [path.join(venv, 'lib'), path.join(venv, 'lib64')]) {
    let pys = [];
    try { pys = fs.readdirSync(lib).filter((d) => d.startsWith('python')); } catch { continue; }
    for (const py of pys) {
      const nv = path.join(lib, py, 'site-packages', 'nvidia');
      let subs = [];
      try { subs = fs.readdirSync(nv); } catch { continue; }
      for (const sub of subs) if (fs.existsSync(path.join(nv, sub, 'lib'))) dirs.push(path.join(nv, sub, 'lib'));
    }
  }
  if (dirs.length) {
    console.log('  \u2022 GPU: CUDA libraries from the nvidia-*-cu12 wheels found. Before `npm start` / node, run:\n'
      + `      export LD_LIBRARY_PATH=${dirs.join(':')}\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}`);
  } else {
    console.log('  \u2022 GPU: no nvidia-*-cu12 wheels in .venv. TensorFlow loads CUDA 12 + cuDNN 9 at run time; get them with\n'
      + `      ${path.join(venvBin, 'pip')} install --retries 0 "tensorflow[and-cuda]==${TF_WHEEL_VERSION}"\n`
      + '    then rerun `npm run setup -- --gpu` to print the LD_LIBRARY_PATH to export. Without them tfjs-node-gpu '
      + 'still loads but runs on the CPU (backendInfo().notes says so).');
  }
}

// ---------------------------------------------------------------- better-sqlite3 (study storage)
/**
 * better-sqlite3 is a native addon and .npmrc's ignore-scripts skips its install script, so it is
 * compiled here (SQLite's amalgamation ships in the package; ~1 min once), against the running
 * Node's headers, and cached per version and Node ABI so other clones just copy it.
 */
function sqliteAddon() {
  const pkgDir = path.join(root, 'node_modules', 'better-sqlite3');
  if (!fs.existsSync(pkgDir)) return;
  const probe = () => run(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"], { capture: true });
  if (probe().ok) return ok('better-sqlite3 (SQLite study storage) loads');
  const version = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;
  const cached = path.join(cacheDir(), `better-sqlite3-${version}-abi${process.versions.modules}-${process.arch}`, 'better_sqlite3.node');
  const target = path.join(pkgDir, 'build', 'Release', 'better_sqlite3.node');
  if (!fs.existsSync(cached)) {
    const gyp = nodeGyp();
    if (!gyp) fail('better-sqlite3', 'node-gyp not found (it ships with npm)', 'reinstall npm, or `npm i -g node-gyp`, and rerun.');
    log(`Compiling better-sqlite3 ${version} (SQLite, node-gyp, ~1 min once)...`);
    const gypArgs = [gyp, 'rebuild', '--release'];
    const nodeDir = process.env.npm_config_nodedir || path.resolve(path.dirname(process.execPath), '..');
    if (fs.existsSync(path.join(nodeDir, 'include', 'node', 'node_api.h'))) gypArgs.push(`--nodedir=${nodeDir}`);
    const r = run(process.execPath, gypArgs, { cwd: pkgDir, timeoutMs: 15 * 60e3 });
    if (!r.ok) fail('better-sqlite3', `node-gyp rebuild failed\n${r.out.slice(-2500)}`,
      'install a C++ toolchain (Debian: apt-get install build-essential python3), then rerun `npm run setup`.');
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    fs.copyFileSync(target, `${cached}.tmp`);
    fs.renameSync(`${cached}.tmp`, cached);
  } else {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(cached, target);
  }
  const p = probe();
  if (!p.ok) fail('better-sqlite3', `the compiled addon does not load:\n${p.out.slice(-1500)}`, `delete ${path.dirname(cached)} and rerun \`npm run setup\`.`);
  ok(`better-sqlite3 ${version} (SQLite study storage) compiled and loads`);
}

// ---------------------------------------------------------------- kernelspec
function kernelspec() {
  const r = run(path.join(venvBin, 'jupyter'), ['kernelspec', 'list', '--json'], { capture: true, env: jupyterEnv() });
  let specs = {};
  try { specs = JSON.parse(r.out.slice(r.out.indexOf('{'))).kernelspecs; } catch { /* reported below */ }
  if (!specs.ganbook) fail('kernelspec', `Jupyter does not list the ganbook kernel\n${r.out.slice(-1000)}`,
    'check kernel/jupyter/kernels/ganbook/kernel.json exists (git checkout), then rerun.');
  ok(`Jupyter kernelspec "ganbook" -> ${path.relative(root, specs.ganbook.resource_dir)}`);
  // kernel/layer.js hooks tslab internals: refuse a tslab it was not written for.
  const layer = run(process.execPath, [path.join(root, 'kernel', 'ganbook-kernel.js'), '--check'], { capture: true, cwd: root });
  if (!layer.ok) fail('kernelspec', layer.out.trim(), 'reinstall the pinned tslab (`npm ci`), or update kernel/layer.js for the new tslab.');
  ok(layer.out.trim());
}

// ---------------------------------------------------------------- system packages (apt)
/** Installs Debian packages when apt is there and we may use it; returns whether it worked. */
function aptInstall(pkgs, why) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = !isRoot && run('sudo', ['-n', 'true'], { capture: true }).ok;
  if (!(isRoot || sudo) || !run('sh', ['-c', 'command -v apt-get'], { capture: true }).ok) return false;
  log(`Installing ${pkgs.join(', ')} with apt-get (${why})...`);
  // RUNLEVEL=1: Debian's invoke-rc.d then does not start the services it installs (nginx would
  // take port 80, PostgreSQL its system cluster); the tests start their own private instances.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', RUNLEVEL: '1' };
  const apt = (argv) => (sudo ? run('sudo', ['-n', 'apt-get', ...argv], { env, capture: true, timeoutMs: 600e3 })
    : run('apt-get', argv, { env, capture: true, timeoutMs: 600e3 }));
  const install = ['install', '-y', '-q', '--no-install-recommends', ...pkgs];
  let r = apt(install);
  if (!r.ok) { apt(['update', '-q']); r = apt(install); }
  return r.ok;
}

function systemPackages() {
  const fashion = process.env.FASHION_MNIST_DIR || '/usr/share/datasets/fashion-mnist';
  const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find((b) => run('sh', ['-c', `command -v ${b}`], { capture: true }).ok);
  const missing = [];
  if (!fs.existsSync(fashion)) missing.push('dataset-fashion-mnist');
  if (!chromium && !process.env.GANBOOK_CHROMIUM) missing.push('chromium');
  const pgBin = findPostgresBin(), nginx = findNginx();
  if (!pgBin) missing.push('postgresql');
  if (!nginx) missing.push('nginx-light');
  if (missing.length) aptInstall(missing, 'Fashion-MNIST data; headless Chromium for the browser demo tests; PostgreSQL and nginx for the shared-study and replica tests');
  if (fs.existsSync(fashion)) ok(`Fashion-MNIST at ${fashion}`);
  else console.log('  \u2022 Fashion-MNIST not installed (optional): `sudo apt-get install dataset-fashion-mnist`, '
    + 'or set FASHION_MNIST_DIR to a folder with the four official *-ubyte.gz files. MNIST works without it.');
  const browser = process.env.GANBOOK_CHROMIUM || ['chromium', 'chromium-browser', 'google-chrome']
    .find((b) => run('sh', ['-c', `command -v ${b}`], { capture: true }).ok);
  if (findPostgresBin()) ok(`PostgreSQL server binaries in ${findPostgresBin()}`);
  else console.log('  \u2022 PostgreSQL not found (needed by the shared-study tests): `sudo apt-get install postgresql`.');
  if (findNginx()) ok(`nginx: ${findNginx()}`);
  else console.log('  \u2022 nginx not found (needed by the replica test): `sudo apt-get install nginx-light`.');
  if (browser) ok(`headless browser: ${browser}`);
  else console.log('  \u2022 Chromium not found (needed by the browser-demo tests): `sudo apt-get install chromium`, '
    + 'or set GANBOOK_CHROMIUM to a Chrome/Chromium binary.');
}

// ---------------------------------------------------------------- main
function main() {
  log(`ganbook setup in ${root}`);
  npmDeps();
  if (!args.has('--skip-jupyter')) pythonVenv();
  nativeTensorflow('@tensorflow/tfjs-node', 'tensorflow-cpu');
  if (wantGpu) {
    console.log('  \u2022 GPU variant: building @tensorflow/tfjs-node-gpu from the `tensorflow` wheel '
      + '(needs CUDA 12 + cuDNN 9 libraries at run time; not verified on the project machines).');
    nativeTensorflow('@tensorflow/tfjs-node-gpu', 'tensorflow');
    cudaRuntimeHint();
  }
  sqliteAddon();
  if (!args.has('--skip-jupyter')) kernelspec();
  systemPackages();
  console.log(`ganbook setup complete in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

main();
