#!/usr/bin/env node
// Entry point of the `ganbook` Jupyter kernel (started by kernel/jupyter/kernels/ganbook/kernel.json
// with the project root as cwd, so notebooks import ./lib with ordinary relative paths).
//
//   node kernel/ganbook-kernel.js --config-path CONNECTION_FILE   start the kernel
//   node kernel/ganbook-kernel.js --check                         verify tslab is the version the layer hooks
//
// kernel/layer.js holds the protocol layer over tslab; see kernel/README.md.
'use strict';
const layer = require('./layer');

if (process.argv.includes('--check')) {
  try {
    console.log(`tslab ${layer.checkTslab()}: the ganbook kernel layer applies`);
    process.exit(0);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}

layer.install();
const i = process.argv.indexOf('--config-path');
const configPath = i >= 0 ? process.argv[i + 1] : '';
require('tslab/dist/main').startKernel({ configPath, enableFindLocal: false, jsKernel: false, globalVersion: '' });
layer.afterStart();
