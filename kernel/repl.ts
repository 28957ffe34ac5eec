/**
 * `npm run repl`: a TypeScript REPL (ts-node) with the ganbook library preloaded: `tf`, `show`
 * and every export of lib/index. Top-level `await` and Tab completion work; `show(x)` writes
 * PNG/SVG/HTML files under out/repl/, prints their paths, and draws pictures inline in kitty and
 * iTerm2-compatible terminals. Ctrl+C while a command runs aborts `interruptSignal()` (training
 * loops stop at the next step); Ctrl+C at an empty prompt twice, or `.exit`, leaves.
 *
 *   npm run repl
 *   ganbook> const x = tf.randomUniform([16, 28, 28, 1]);
 *   ganbook> await show(x)
 *   wrote out/repl/show-1.png
 */
import * as path from 'path';
import * as repl from 'repl';
import { createRepl, create } from 'ts-node';
import * as lib from '../lib/index';
import { fileSink, detectInlineProtocol } from '../lib/display/file-sink';
import { requestInterrupt, resetInterrupt } from '../lib/display/interrupt';

const root = path.resolve(__dirname, '..');
const outDir = process.env.GANBOOK_REPL_OUT || path.join(root, 'out', 'repl');
lib.setFallbackSink(fileSink({ dir: outDir }));

const service = createRepl();
service.setService(create({ ...service.evalAwarePartialHost, transpileOnly: true, compilerOptions: { module: 'commonjs', target: 'es2022' } }));

const inline = detectInlineProtocol();
if (process.stdin.isTTY) {
  console.log(`ganbook REPL: TypeScript with the library preloaded (tf, show, table, ...); top-level await works.\n`
    + `show() writes to ${path.relative(process.cwd(), outDir) || outDir}${inline !== 'none' ? ` and draws inline (${inline})` : ''}. .help for commands.`);
}

const server = repl.start({
  prompt: process.stdin.isTTY ? 'ganbook> ' : '',
  useGlobal: true,
  ignoreUndefined: true,
  eval(code, context, file, cb) {
    resetInterrupt();
    service.nodeEval(code, context, file, cb);
  },
});
Object.assign(globalThis, lib);
// Ctrl+C while a command is pending: abort the signal library loops honour.
server.on('SIGINT', () => requestInterrupt());
process.on('SIGINT', () => requestInterrupt());
