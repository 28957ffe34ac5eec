// Shared paths and environment for the project's scripts (plain Node, no dependencies,
// so it works before `npm ci` has run).
'use strict';
const path = require('path');
const os = require('os');
const fs = require('fs');

const root = path.resolve(__dirname, '..');
const venv = path.join(root, '.venv');
const venvBin = path.join(venv, process.platform === 'win32' ? 'Scripts' : 'bin');
const jupyterHome = path.join(root, '.jupyter');

/** Where large downloads (the TensorFlow wheel, extracted libtensorflow) are cached. */
function cacheDir() {
  const base = process.env.GANBOOK_CACHE_DIR
    || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'ganbook');
  fs.mkdirSync(base, { recursive: true });
  return base;
}

/** Environment that keeps every Jupyter file inside the project (nothing written to ~). */
function jupyterEnv(extra = {}) {
  const dirs = {
    JUPYTER_CONFIG_DIR: path.join(jupyterHome, 'config'),
    JUPYTER_DATA_DIR: path.join(jupyterHome, 'data'),
    JUPYTER_RUNTIME_DIR: path.join(jupyterHome, 'runtime'),
    IPYTHONDIR: path.join(jupyterHome, 'ipython'),
  };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  return {
    ...process.env,
    ...dirs,
    // kernel/jupyter holds the committed, relocatable `ganbook` kernelspec.
    JUPYTER_PATH: path.join(root, 'kernel', 'jupyter'),
    JUPYTER_PLATFORM_DIRS: '1',
    TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL || '2',
    PATH: `${venvBin}${path.delimiter}${process.env.PATH}`,
    VIRTUAL_ENV: venv,
    ...extra,
  };
}

module.exports = { root, venv, venvBin, jupyterHome, cacheDir, jupyterEnv };
