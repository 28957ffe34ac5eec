#!/usr/bin/env node
// `npm run tensorboard [-- --logdir runs] [--port 6006]`: the real TensorBoard from the project's
// Python environment (.venv, installed by `npm run setup`) over the run folders, on 127.0.0.1, and
// prints the URL when it serves. Each run's `tb/` folder holds its scalars (losses, learning rate),
// weight histograms and the fixed-noise sample grid per sample step (Images tab). Ctrl+C stops it.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');
const { root, venvBin } = require('./env');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** The port, or (for 0) a free one: TensorBoard itself does not report a port it picked. */
function freePort(want) {
  if (want !== 0) return Promise.resolve(want);
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

async function main() {
  const logdir = path.resolve(arg('logdir', path.join(root, 'runs')));
  const want = Number(arg('port', '6006'));
  if (!Number.isInteger(want) || want < 0 || want > 65535) throw new Error(`Expected --port an integer 0-65535; got ${arg('port')}.`);
  const exe = path.join(venvBin, process.platform === 'win32' ? 'tensorboard.exe' : 'tensorboard');
  if (!fs.existsSync(exe)) throw new Error(`TensorBoard is not installed in ${path.dirname(venvBin)}: run \`npm run setup\` first.`);
  if (!fs.existsSync(logdir)) fs.mkdirSync(logdir, { recursive: true });
  const port = await freePort(want);
  const tb = spawn(exe, ['--logdir', logdir, '--host', '127.0.0.1', '--port', String(port), '--reload_interval', '5'], {
    cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
  });
  let said = false, log = '';
  const onData = (d) => {
    log += String(d);
    if (!said && /TensorBoard .* at http/.test(log)) {
      said = true;
      console.log(`TensorBoard over ${path.relative(process.cwd(), logdir) || '.'} at http://127.0.0.1:${port}/ (Ctrl+C stops it)`);
    }
  };
  tb.stdout.on('data', onData);
  tb.stderr.on('data', onData);
  tb.on('exit', (code) => {
    if (!said) console.error(`TensorBoard exited (${code}) before serving:\n${log.slice(-3000)}`);
    process.exit(code ?? 1);
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => tb.kill(sig));
}

main().catch((e) => { console.error(e.message); process.exit(1); });
