#!/usr/bin/env node
// Entry point of the `ganbook` Jupyter kernel (started by kernel/jupyter/kernels/ganbook/kernel.json
// with the project root as cwd, so notebooks import ./lib with ordinary relative paths).
'use strict';
const fs = require('fs');
const path = require('path');
const executor = require('tslab/dist/executor');

// tslab resolves a cell's local import `./x` only as the file `x.ts`; map a folder import
// (`./lib`) to its `index.ts`, as TypeScript and Node do.
const createExecutor = executor.createExecutor;
executor.createExecutor = (rootDir, ...rest) => {
  const ex = createExecutor(rootDir, ...rest);
  const hook = globalThis.__tslab__;
  const req = hook.require;
  hook.require = new Proxy(req, {
    apply(target, thisArg, args) {
      const [id] = args;
      if (args.length === 1 && typeof id === 'string' && id.startsWith('.')) {
        const abs = path.resolve(rootDir, id);
        if (!fs.existsSync(`${abs}.ts`) && fs.existsSync(path.join(abs, 'index.ts'))) args = [`${id.replace(/\/$/, '')}/index`];
      }
      return Reflect.apply(target, thisArg, args);
    },
  });
  return ex;
};

const i = process.argv.indexOf('--config-path');
const configPath = i >= 0 ? process.argv[i + 1] : '';
require('tslab/dist/main').startKernel({ configPath, enableFindLocal: false, jsKernel: false, globalVersion: '' });
