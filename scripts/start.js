#!/usr/bin/env node
// `npm start [-- --port N] [-- --no-browser]`: set up if needed, then JupyterLab on 127.0.0.1
// with notebooks/ open and the ganbook TypeScript kernel.
'use strict';
const path = require('path');
const crypto = require('crypto');
const { spawn, spawnSync } = require('child_process');
const { root, venvBin, jupyterEnv } = require('./env');

const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : dflt; };
const port = Number(opt('--port', process.env.GANBOOK_PORT || 8888));
const host = opt('--host', process.env.GANBOOK_HOST || '127.0.0.1');

const setup = spawnSync(process.execPath, [path.join(__dirname, 'setup.js'), '--quiet'], { cwd: root, stdio: 'inherit' });
if (setup.status !== 0) process.exit(setup.status || 1);

const token = process.env.GANBOOK_TOKEN || crypto.randomBytes(24).toString('hex');
const args = ['lab', `--ServerApp.ip=${host}`, `--ServerApp.port=${port}`, `--ServerApp.root_dir=${path.join(root, 'notebooks')}`,
  `--IdentityProvider.token=${token}`, '--ServerApp.port_retries=20'];
if (argv.includes('--no-browser') || !process.env.DISPLAY) args.push('--no-browser');
if (typeof process.getuid === 'function' && process.getuid() === 0) args.push('--allow-root');

const lab = spawn(path.join(venvBin, 'jupyter'), args, { cwd: root, env: jupyterEnv(), stdio: ['inherit', 'inherit', 'pipe'] });
let announced = false;
lab.stderr.on('data', (buf) => {
  const text = buf.toString();
  process.stderr.write(text);
  // Jupyter may move to another port if ours is taken: announce the URL it actually serves.
  const m = !announced && text.match(/http:\/\/[\w.:\[\]-]+?:(\d+)\/lab/);
  if (m) {
    announced = true;
    console.log(`\n  ganbook is running. Open this URL in your browser:\n\n    http://${host}:${m[1]}/lab?token=${token}\n\n  (Ctrl-C to stop.)\n`);
  }
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    // Jupyter asks for confirmation on one SIGINT; stop it with SIGTERM, then force after 10 s.
    lab.kill('SIGTERM');
    setTimeout(() => lab.kill('SIGKILL'), 10e3).unref();
  });
}
lab.on('exit', (code) => process.exit(code ?? 0));
