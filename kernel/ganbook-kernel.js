#!/usr/bin/env node
// Entry point of the `ganbook` Jupyter kernel (started by kernel/jupyter/kernels/ganbook/kernel.json
// with the project root as cwd, so notebooks import ./lib with ordinary relative paths).
//
//   node kernel/ganbook-kernel.js --config-path CONNECTION_FILE   start the kernel
//   node kernel/ganbook-kernel.js --check                         verify tslab is the version the layer hooks,
//                                                                 and transpile lib/ for the kernel's loader (kernel/compile.js)
//
// kernel/layer.js holds the protocol layer over tslab; see kernel/README.md.
'use strict';
const layer = require('./layer');

if (process.argv.includes('--check')) {
  try {
    console.log(`tslab ${layer.checkTslab()}: the ganbook kernel layer applies`);
    const t0 = Date.now();
    const n = require('./compile').createCompilePath({ rootDir: process.cwd() }).prime();
    console.log(`kernel: ${n.files} library files ready as JavaScript (${n.transpiled} transpiled now) in ${Date.now() - t0} ms`);
    process.exit(0);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}

// Exit when the process that launched us is gone (jupyter_client sets JPY_PARENT_PID, as ipykernel
// honours it): a notebook runner or server killed without a shutdown request must not leave a
// kernel training in the background. Checked between event-loop turns, i.e. between training steps.
function watchParent(pid) {
  if (!(pid > 1)) return;
  setInterval(() => {
    try {
      process.kill(pid, 0);
    } catch (e) {
      if (e.code === 'ESRCH') {
        console.error(`ganbook kernel: parent process ${pid} is gone; exiting`);
        process.exit(0);
      }
    }
  }, 1000).unref();
}

layer.install();
watchParent(Number(process.env.JPY_PARENT_PID));
const i = process.argv.indexOf('--config-path');
const configPath = i >= 0 ? process.argv[i + 1] : '';
require('tslab/dist/main').startKernel({ configPath, enableFindLocal: false, jsKernel: false, globalVersion: '' });
layer.afterStart();
