#!/usr/bin/env node
// `npm run notebooks [-- --inplace] [notebooks/NN-name.ipynb ...]`: execute notebooks headless
// through the ganbook kernel, in order, stopping at the first failing cell.
// GANBOOK_SMOKE=1 makes every notebook shrink its data and epochs (the test suite uses it).
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { root, venvBin, jupyterEnv } = require('./env');

const argv = process.argv.slice(2);
const flags = argv.filter((a) => a.startsWith('--'));
let notebooks = argv.filter((a) => !a.startsWith('--'));
if (notebooks.length === 0) {
  const dir = path.join(root, 'notebooks');
  notebooks = fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort().map((f) => path.join('notebooks', f));
}
const python = path.join(venvBin, 'python');
if (!fs.existsSync(python)) {
  console.error('No .venv found: run `npm run setup` first.');
  process.exit(1);
}
const r = spawnSync(python, [path.join(root, 'scripts', 'execute_notebooks.py'), ...flags, ...notebooks], {
  cwd: root, stdio: 'inherit', env: jupyterEnv(),
});
process.exit(r.status ?? 1);
