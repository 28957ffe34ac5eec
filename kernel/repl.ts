/**
 * `npm run repl`: a TypeScript REPL (ts-node) with the ganbook library preloaded: `tf`, `show`
 * and every export of lib/index. Top-level `await` and Tab completion work; `show(x)` writes
 * PNG/SVG/HTML files under out/repl/, prints their paths, and draws pictures inline in kitty and
 * iTerm2-compatible terminals. Ctrl+C while a command runs stops it: a synchronous statement
 * (`while (true) { n++ }`) is broken off where it is, awaited work sees `interruptSignal()` abort
 * (training loops stop at the next step and write a checkpoint); either way the prompt returns and
 * every variable is kept. Ctrl+C at an empty prompt twice, or `.exit`, leaves. Input is type-checked
 * (GANBOOK_REPL_TYPECHECK=0: transpile only, a faster start).
 *
 *   npm run repl
 *   ganbook> const x = tf.randomUniform([16, 28, 28, 1]);
 *   ganbook> await show(x)
 *   wrote out/repl/show-1.png
 */
import * as path from 'path';
import * as repl from 'repl';
import * as vm from 'vm';
import { createRepl, create } from 'ts-node';
import * as lib from '../lib/index';
import { fileSink, detectInlineProtocol } from '../lib/display/file-sink';
import { requestInterrupt, resetInterrupt } from '../lib/display/interrupt';

const root = path.resolve(__dirname, '..');
const outDir = process.env.GANBOOK_REPL_OUT || path.join(root, 'out', 'repl');
lib.setFallbackSink(fileSink({ dir: outDir }));

const service = createRepl();
// Type-checked like the kernel's cells: `const x: number = 'a'` is an error, not silently accepted.
// GANBOOK_REPL_TYPECHECK=0 goes back to transpile-only (faster start).
const typeCheck = process.env.GANBOOK_REPL_TYPECHECK !== '0';
service.setService(create({
  ...service.evalAwarePartialHost, transpileOnly: !typeCheck, project: path.join(root, 'tsconfig.json'),
  compilerOptions: { module: 'commonjs', target: 'es2022' },
}));

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
    // As Node's own REPL with breakEvalOnSigint (not available with a custom eval): while the code
    // runs synchronously, Ctrl+C must be a real SIGINT (a terminal in raw mode turns it into a
    // keypress nobody reads while the event loop is blocked) and the script must break on it.
    const stdin = process.stdin as NodeJS.ReadStream & { isRaw?: boolean };
    const raw = Boolean(stdin.isTTY && stdin.isRaw);
    if (raw) stdin.setRawMode(false);
    const run = vm.Script.prototype.runInThisContext;
    vm.Script.prototype.runInThisContext = function (this: vm.Script, opts?: vm.RunningScriptOptions) {
      return run.call(this, { ...opts, breakOnSigint: true });
    };
    try {
      service.nodeEval(code, context, file, cb);
    } finally {
      vm.Script.prototype.runInThisContext = run;
      if (raw) stdin.setRawMode(true);
    }
  },
});
Object.assign(globalThis, lib);
// The preloaded names, declared to the type checker too (and bound, from the module already loaded).
const names = Object.keys(lib).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));
const g = globalThis as unknown as { exports?: unknown; module?: { exports: unknown } };
g.exports ??= g.module?.exports ?? {}; // what ts-node's own REPL start sets up for CommonJS output
service.evalCode(`import { ${names.join(', ')} } from ${JSON.stringify(path.join(root, 'lib', 'index'))};\n`);
// Ctrl+C while a command is pending: abort the signal library loops honour.
server.on('SIGINT', () => requestInterrupt());
process.on('SIGINT', () => requestInterrupt());
