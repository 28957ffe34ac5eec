#!/usr/bin/env node
// `npm run repl`: starts kernel/repl.ts (ts-node) with TensorFlow's C++ start-up notices filtered
// out of its stderr. TensorFlow ≥ 2.16 writes them (absl's "All log messages before
// absl::InitializeLog()" and oneDNN's "custom operations are on") straight to file descriptor 2
// before its logging is configured, so TF_CPP_MIN_LOG_LEVEL cannot hide them; everything else on
// stderr passes through unchanged. Ctrl+C reaches the REPL (same process group); this launcher
// ignores it and exits with the REPL's exit code.
'use strict';
const { spawn } = require('child_process');
const path = require('path');
const readline = require('readline');

const NOTICE = /^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR$|^I\d{4} [\d:.]+\s+\d+ port\.cc:\d+\] oneDNN custom operations are on/;

const root = path.resolve(__dirname, '..');
const child = spawn(process.execPath, [path.join(root, 'node_modules', 'ts-node', 'dist', 'bin.js'), '--transpile-only', path.join(root, 'kernel', 'repl.ts'), ...process.argv.slice(2)], {
  cwd: process.cwd(), stdio: ['inherit', 'inherit', 'pipe'], env: process.env,
});
readline.createInterface({ input: child.stderr }).on('line', (line) => { if (!NOTICE.test(line)) process.stderr.write(`${line}\n`); });
process.on('SIGINT', () => { /* the REPL handles Ctrl+C */ });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
