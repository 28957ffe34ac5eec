// The ganbook layer over tslab 1.0.22: a wrapper, not a patch and not a copy of tslab's source.
//
// tslab supplies the TypeScript part (compiling cells and local .ts modules, running them,
// completion, inspection, is_complete, the zeromq sockets). This layer replaces the parts where
// tslab falls short of the Jupyter messaging protocol 5.3, by hooking tslab's public-in-practice
// module exports before `startKernel` uses them:
//
//  1. `executor.createExecutor` is wrapped: the `console` tslab's executor prints to is replaced by
//     a capture, so the last expression's value and uncaught errors become data (→ `execute_result`
//     and `error` messages) instead of text on stdout/stderr. The cell `require` is wrapped to map
//     folder imports (`./lib` → `./lib/index`) and to send bare package ids straight to Node.
//  2. `Module.prototype._compile` is wrapped for tslab's side modules (local .ts files tslab
//     compiles): their `require('vega')` goes to Node's resolution, not to a sibling `vega.js`
//     (tslab bug: every id was first looked up as a local file). Only ids starting with '.' or '/'
//     go to tslab's side outputs.
//  3. `vm.runInThisContext` is observed for tslab's cell wrapper only, to keep the promise of an
//     async cell: after an interrupt the kernel waits (bounded) for it to settle, so work that
//     keeps running cannot write into, or race with, the next cell.
//  4. `ZmqServer.handleShellMessage` (the dispatcher) is replaced: execute with execute_input /
//     execute_result / error / execution counts / stop_on_error aborts, history, interrupt_request,
//     a complete kernel_info_reply and comm_info_reply; other requests go to tslab's handler.
//
// The interrupt reaches library code through an AbortController kept on
// `globalThis[Symbol.for('ganbook.interrupt')]` (see lib/display/interrupt.ts), and rich results
// through `globalThis[Symbol.for('ganbook.display')].resultBundle` (registered by
// lib/display/show.ts when a cell imports the library). lib/ never imports from kernel/.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const util = require('util');
const vm = require('vm');
const Module = require('module');
const { createCompilePath, lazyConverters, warm } = require('./compile');
const { DELIM, sign, parseMessage, sender, toUtf16Offset, toCodePointOffset } = require('./protocol');
const { resultBundle, hidesValue } = require('./results');
const { CommManager } = require('./comms');
const { sources, cleanFrames, describeFailure, isInterrupt } = require('./traceback');
const KERNEL_KEY = Symbol.for('ganbook.kernel');

/** The kernel's own log (the process' real stderr, i.e. Jupyter's server log), never a cell's output. */
const rawStderrWrite = process.stderr.write.bind(process.stderr);
function kernelLog(text) { rawStderrWrite(`ganbook kernel: ${text}\n`); }

/** The tslab version this layer was written and tested against. */
const TSLAB_VERSION = '1.0.22';
const PROTOCOL_VERSION = '5.3';
const CELL_PREFIX = /^\((async )?function\(exports, require\) \{ /;
const INTERRUPT_KEY = Symbol.for('ganbook.interrupt');
/** How long an interrupted async cell may take to return on its own (honouring interruptSignal()). */
const GRACE_MS = Number(process.env.GANBOOK_INTERRUPT_GRACE_MS || 10000);

/** Fails loudly when tslab is not the version whose internals this layer hooks. */
function checkTslab() {
  const version = require('tslab/package.json').version;
  const problems = [];
  if (version !== TSLAB_VERSION) problems.push(`tslab ${version} is installed; this layer hooks tslab ${TSLAB_VERSION}`);
  const executor = require('tslab/dist/executor');
  const jupyter = require('tslab/dist/jupyter');
  if (typeof executor.createExecutor !== 'function') problems.push('tslab/dist/executor has no createExecutor');
  if (typeof jupyter.ZmqServer !== 'function' || typeof jupyter.ZmqServer.prototype.handleShellMessage !== 'function') problems.push('tslab/dist/jupyter has no ZmqServer.handleShellMessage');
  if (typeof jupyter.JupyterHandlerImpl !== 'function') problems.push('tslab/dist/jupyter has no JupyterHandlerImpl');
  if (!fs.readFileSync(require.resolve('tslab/dist/executor'), 'utf8').includes('"(async function(exports, require) { "')) problems.push('tslab\'s cell wrapper changed');
  if (problems.length) {
    throw new Error(`ganbook kernel: ${problems.join('; ')}. `
      + `Install the pinned version (npm ci), or re-verify kernel/layer.js against the new tslab and update TSLAB_VERSION.`);
  }
  return version;
}

// ------------------------------------------------------------------ interrupt state (shared with lib)
function interruptSlot() {
  const g = globalThis;
  if (!g[INTERRUPT_KEY]) g[INTERRUPT_KEY] = { controller: new AbortController() };
  return g[INTERRUPT_KEY];
}
function abortCurrent() {
  const slot = interruptSlot();
  if (!slot.controller.signal.aborted) {
    const reason = new Error('Interrupted by the kernel');
    reason.name = 'KeyboardInterrupt';
    slot.controller.abort(reason);
  }
}
function resetInterrupt() {
  const slot = interruptSlot();
  if (slot.controller.signal.aborted) slot.controller = new AbortController();
}

// ------------------------------------------------------------------ executor hooks
/** What the current cell produced; set by the capture console and the vm hook. */
const state = { current: null, executor: null, convs: null, server: null, compile: null, rootDir: process.cwd() };

function isSideModuleCandidate(mod, rootDir) {
  return Object.prototype.hasOwnProperty.call(mod, 'require') && typeof mod.filename === 'string'
    && mod.filename.startsWith(rootDir + path.sep) && !mod.filename.includes(`${path.sep}node_modules${path.sep}`);
}

/** `./x` (a folder with index.ts and no x.ts) → `./x/index`, as TypeScript and Node resolve it. */
function mapFolderImport(id, dir) {
  const abs = path.resolve(dir, id);
  if (!fs.existsSync(`${abs}.ts`) && fs.existsSync(path.join(abs, 'index.ts'))) return `${id.replace(/\/$/, '')}/index`;
  return id;
}
function isBareId(id) {
  return typeof id === 'string' && id !== 'tslab' && !id.startsWith('.') && !id.startsWith('/');
}

function installExecutorHooks() {
  const executor = require('tslab/dist/executor');
  const createExecutor = executor.createExecutor;
  executor.createExecutor = (rootDir, convs) => {
    state.rootDir = rootDir;
    state.convs = convs;
    const ex = createExecutor(rootDir, convs, {
      // tslab calls log() only with the value of the cell's last expression.
      log: (value) => { if (state.current) { state.current.value = value; state.current.hasValue = true; } else console.log(value); },
      // error() gets a thrown value, or printf-style TypeScript diagnostics.
      error: (...args) => {
        const cur = state.current;
        if (!cur) return console.error(...args);
        if (args.length > 1 && typeof args[0] === 'string' && args[0].includes('%')) cur.diagnostics.push(util.format(...args));
        else cur.thrown.push(args[0]);
      },
    });
    state.executor = ex;
    const hook = globalThis.__tslab__;
    const tslabRequire = hook.require;
    const nodeRequire = Module.createRequire(path.join(rootDir, 'src.js'));
    hook.require = new Proxy(tslabRequire, {
      apply(target, thisArg, args) {
        const [id] = args;
        if (args.length === 1 && isBareId(id)) return nodeRequire(id);
        if (args.length === 1 && typeof id === 'string' && id.startsWith('.')) args = [mapFolderImport(id, rootDir)];
        return Reflect.apply(target, thisArg, args);
      },
    });
    return ex;
  };

  // Side modules: tslab gives each one its own `require` (a Proxy that looks every id up in its
  // compiled outputs first), then calls _compile. Re-wrap it there.
  const compile = Module.prototype._compile;
  Module.prototype._compile = function ganbookCompile(content, filename, ...rest) {
    if (isSideModuleCandidate(this, state.rootDir) && !this.require.__ganbook) {
      const mod = this;
      const tslabRequire = this.require;
      const dir = path.dirname(filename);
      const wrapped = function require(id) {
        if (isBareId(id)) return Module.prototype.require.call(mod, id);
        if (typeof id === 'string' && id.startsWith('.')) id = mapFolderImport(id, dir);
        return tslabRequire.call(mod, id);
      };
      wrapped.__ganbook = true;
      Object.assign(wrapped, { resolve: Module.prototype.require.resolve, cache: Module._cache });
      this.require = wrapped;
    }
    if (isSideModuleCandidate(this, state.rootDir) && filename.endsWith('.js')) {
      const ts = filename.replace(/\.js$/, '.ts');
      try { sources.set(filename, { compiled: content, source: fs.readFileSync(ts, 'utf8'), display: path.relative(state.rootDir, ts) }); } catch { /* not from a .ts file */ }
    }
    return compile.call(this, content, filename, ...rest);
  };

  const runInThisContext = vm.runInThisContext;
  vm.runInThisContext = function ganbookRunInThisContext(code, options) {
    const cur = state.current;
    if (!cur || typeof code !== 'string' || !CELL_PREFIX.test(code)) return runInThisContext.call(this, code, options);
    // Name the cell in stack traces (`<cell 3>`) and remember its compiled code to map lines back.
    const filename = `<cell ${cur.count}>`;
    sources.set(filename, { compiled: code, source: cur.code });
    const ret = runInThisContext.call(this, code, { ...options, filename });
    if (code.startsWith('(async')) cur.promise = ret;
    return ret;
  };
}

/**
 * tslab's converter gives TypeScript's watch program a fake timer with room for one pending
 * callback, run at the next cell. When a local .ts file changes on disk while the kernel runs
 * (editing lib/ next to a notebook), TypeScript asks for a second timer and the next cell fails
 * with "Unexpected pending rebuildTimer". Multiplex any number of timers onto tslab's one slot.
 */
function installCompilerTimerFix() {
  // tslab does `sys = Object.create(ts.sys); sys.setTimeout = ...; sys.clearTimeout = ...` inside
  // createConverter (closure-private). Accessors on the prototype (ts.sys) receive those
  // assignments, so each converter's `sys` gets a multiplexer in front of tslab's one-slot timer.
  const ts = require('@tslab/typescript-for-tslab');
  const real = ts.sys;
  const orig = { setTimeout: real.setTimeout, clearTimeout: real.clearTimeout };
  const muxes = new WeakMap();
  const muxOf = (sys) => {
    if (!muxes.has(sys)) {
      const m = { tslabSet: null, tslabClear: null, timers: new Set(), slot: null, running: false };
      m.arm = () => {
        if (m.running) return; // tslab empties its slot after the callback; the next cell re-arms it
        if (m.slot) { m.tslabClear(m.slot); m.slot = null; }
        if (m.timers.size === 0) return;
        m.slot = m.tslabSet(() => {
          const due = [...m.timers];
          m.timers.clear();
          m.slot = null;
          m.running = true;
          try { for (const t of due) t.run(); } finally { m.running = false; }
        });
      };
      m.set = (cb, _ms, ...args) => { const h = { run: () => cb(...args) }; m.timers.add(h); m.arm(); return h; };
      m.clear = (h) => { if (m.timers.delete(h)) m.arm(); };
      muxes.set(sys, m);
    }
    return muxes.get(sys);
  };
  for (const [name, slotName, api] of [['setTimeout', 'tslabSet', 'set'], ['clearTimeout', 'tslabClear', 'clear']]) {
    Object.defineProperty(real, name, {
      configurable: true,
      enumerable: true,
      get() { return this === real || !muxes.has(this) ? orig[name] : muxes.get(this)[api]; },
      set(fn) { if (this === real) orig[name] = fn; else muxOf(this)[slotName] = fn; },
    });
  }
}

// ------------------------------------------------------------------ errors → ename/evalue/traceback: kernel/traceback.js

// ------------------------------------------------------------------ wire protocol: kernel/protocol.js
function tsVersion() {
  try { return require('@tslab/typescript-for-tslab').version; } catch { return ''; }
}

// ------------------------------------------------------------------ the server
function installServer(jupyter, version) {
  const kernelSession = crypto.randomUUID();
  const ganbookVersion = (() => { try { return require(path.resolve(__dirname, '..', 'package.json')).version; } catch { return '0.0.0'; } })();

  class GanbookServer extends jupyter.ZmqServer {
    constructor(handler, configPath) {
      super(handler, configPath);
      this.execCount = 0;
      this.arrivals = 0;
      this.abortThrough = 0;
      this.queue = Promise.resolve();
      this.history = [];
      this.pending = null; // promise of an interrupted cell that had not settled
      state.server = this;
      this.runningMsg = null; // the execute_request of the running cell (stdin goes to its client)
      this.pendingInput = null;
      this.commParent = null; // parent header of kernel-originated comm messages
      this.comms = new CommManager({
        publish: (type, content, metadata, buffers) => this.send(this.iopub, this.commParent || { header: {} }, type, content, { metadata, buffers }),
        log: kernelLog,
      });
      // What kernel code (lib/widgets, prompt/input) reaches; lib/ never imports kernel/.
      globalThis[KERNEL_KEY] = { comms: this.comms, input: (message, options) => this.input(message, options) };
      for (const name of ['prompt', 'input']) {
        Object.defineProperty(globalThis, name, { configurable: true, writable: true, value: (message, options) => this.input(message, options) });
      }
      // tslab's own SIGINT listener (added after this) is removed by the entry point; see install().
      const onSigint = () => this.interrupt();
      onSigint.__ganbook = true;
      process.on('SIGINT', onSigint);
    }

    async init() {
      await super.init();
      this.readStdin();
    }

    /** input_reply messages from the front-end's stdin channel resolve the pending input(). */
    readStdin() {
      (async () => {
        for await (const frames of this.stdin) {
          let msg;
          try { msg = parseMessage(this.connInfo.key, frames); } catch (e) { kernelLog(`dropped a stdin message: ${e.message}`); continue; }
          const pending = this.pendingInput;
          if (msg.header.msg_type === 'input_reply' && pending) {
            this.pendingInput = null;
            pending.resolve(String(msg.content.value ?? ''));
          } else kernelLog(`unexpected stdin message ${msg.header.msg_type}`);
        }
      })().catch((e) => kernelLog(`stdin reader stopped: ${e && e.message}`));
    }

    /** Python's input(): an input_request to the running cell's front-end, resolved by its input_reply. */
    input(message = '', { password = false } = {}) {
      const msg = this.runningMsg;
      if (!msg) return Promise.reject(new Error('prompt()/input() ask through the front-end while a cell runs; call it from a cell.'));
      if (!msg.content.allow_stdin) {
        return Promise.reject(new Error('This front-end does not accept input (allow_stdin is false, e.g. a notebook run by nbconvert or `npm run notebooks`): put the value in the code instead.'));
      }
      if (this.pendingInput) return Promise.reject(new Error('Another prompt()/input() is already waiting for an answer; await it first.'));
      return new Promise((resolve, reject) => {
        this.pendingInput = { resolve, reject };
        this.send(this.stdin, msg, 'input_request', { prompt: String(message), password: Boolean(password) }, { identities: msg.identities });
      });
    }

    send(sock, parent, msgType, content, { metadata = {}, identities, buffers = [] } = {}) {
      if (!this.senders) this.senders = new Map();
      if (!this.senders.has(sock)) this.senders.set(sock, sender(sock, kernelLog));
      const header = {
        msg_id: crypto.randomUUID(), msg_type: msgType, username: parent.header.username || 'ganbook',
        session: kernelSession, date: new Date().toISOString(), version: PROTOCOL_VERSION,
      };
      const parts = [header, parent.header, metadata, content].map((p) => JSON.stringify(p));
      const ids = identities ?? (sock === this.iopub ? [Buffer.from(`kernel.${kernelSession}.${msgType}`)] : parent.identities);
      const bufs = (buffers || []).map((b) => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : b)));
      return this.senders.get(sock)([...ids, DELIM, sign(this.connInfo.key, parts), ...parts, ...bufs]);
    }
    pub(parent, msgType, content) { return this.send(this.iopub, parent, msgType, content); }
    reply(sock, parent, content) { return this.send(sock, parent, parent.header.msg_type.replace(/_request$/, '_reply'), content); }

    async handleShellMessage(sock, ...frames) {
      let msg;
      try { msg = parseMessage(this.connInfo.key, frames); } catch (e) { kernelLog(`dropped a message: ${e.message}`); return; }
      const type = msg.header.msg_type;
      this.pub(msg, 'status', { execution_state: 'busy' });
      let terminated = false;
      try {
        switch (type) {
          case 'kernel_info_request': this.reply(sock, msg, this.kernelInfo()); break;
          case 'execute_request': await this.execute(sock, msg); break;
          case 'is_complete_request': this.reply(sock, msg, this.safe(() => this.handler.handleIsComplete(msg.content))); break;
          case 'inspect_request': this.reply(sock, msg, this.safe(() => this.inspect(utf16Request(msg.content)))); break;
          case 'complete_request': this.reply(sock, msg, this.safe(() => codePointReply(msg.content.code, this.handler.handleComplete(utf16Request(msg.content))))); break;
          case 'history_request': this.reply(sock, msg, this.historyReply(msg.content)); break;
          case 'comm_info_request': this.reply(sock, msg, this.comms.info(msg.content.target_name)); break;
          case 'comm_open': this.commParent = msg; this.comms.handleOpen(msg); break;
          case 'comm_msg': this.commParent = msg; this.comms.handleMsg(msg); break;
          case 'comm_close': this.commParent = msg; this.comms.handleClose(msg); break;
          case 'interrupt_request': this.interrupt(); this.reply(sock, msg, { status: 'ok' }); break;
          case 'shutdown_request':
            this.reply(sock, msg, { status: 'ok', restart: Boolean(msg.content.restart) });
            terminated = true;
            break;
          default: kernelLog(`unsupported msg_type ${type}`);
        }
      } finally {
        await this.pub(msg, 'status', { execution_state: 'idle' });
      }
      if (terminated) {
        try { this.close(); } finally { setTimeout(() => process.exit(0), 200).unref(); }
      }
    }

    /**
     * tslab's inspection, plus: inside a call's parentheses (`new GanTrainer(|`) the callee is
     * inspected, as IPython's Shift+Tab does; and the documentation also comes as text/markdown
     * (signature in a TypeScript code block), so front-ends render its code examples.
     */
    inspect(c) {
      let r = this.handler.handleInspect(c);
      if (!r.found && typeof c.code === 'string') {
        const callee = calleeBefore(c.code, c.cursor_pos);
        if (callee >= 0) r = this.handler.handleInspect({ ...c, cursor_pos: callee });
      }
      const text = r.data && r.data['text/plain'];
      if (r.found && typeof text === 'string') {
        const [signature, ...doc] = text.split('\n\n');
        r = { ...r, data: { ...r.data, 'text/markdown': `\`\`\`ts\n${signature}\n\`\`\`\n\n${doc.join('\n\n')}`.trimEnd() } };
      }
      return r;
    }

    /** Runs a request handler; an exception becomes an error reply (a reply is always sent). */
    safe(fn) {
      try { return { status: 'ok', ...fn() }; } catch (e) {
        return { status: 'error', ename: e.name || 'Error', evalue: String(e.message), traceback: [] };
      }
    }

    kernelInfo() {
      const base = this.handler.handleKernel();
      return {
        ...base,
        status: 'ok',
        protocol_version: PROTOCOL_VERSION,
        implementation: 'ganbook',
        implementation_version: `${ganbookVersion} (tslab ${version})`,
        language_info: {
          ...base.language_info,
          name: 'typescript', version: tsVersion(), mimetype: 'text/typescript', file_extension: '.ts',
          pygments_lexer: 'typescript',
          // A mode name string: strict clients (e.g. the Rust runtimelib) reject tslab's `{ mode }` object.
          codemirror_mode: 'typescript',
        },
        banner: `ganbook TypeScript kernel (tslab ${version}, TypeScript ${tsVersion()}, Node ${process.versions.node})`,
        help_links: [{ text: 'ganbook kernel', url: 'https://github.com/yunabe/tslab' }],
        debugger: false,
      };
    }

    /**
     * Aborts interruptSignal() at once; a synchronous cell is stopped by tslab (breakOnSigint).
     * An async cell gets GRACE_MS to return on its own (keeping its declarations, as the loop
     * saves and stops at a step boundary); only then does tslab stop waiting for it.
     */
    interrupt() {
      abortCurrent();
      if (this.pendingInput) {
        const p = this.pendingInput;
        this.pendingInput = null;
        p.reject(Object.assign(new Error('Interrupted while waiting for input'), { name: 'KeyboardInterrupt' }));
      }
      const cur = this.running;
      if (!cur || !state.executor) return;
      cur.interrupted = true;
      if (!cur.promise) { state.executor.interrupt(); return; }
      if (cur.forceTimer) return;
      cur.forceTimer = setTimeout(() => {
        if (this.running === cur) { cur.forced = true; state.executor.interrupt(); }
      }, GRACE_MS);
    }

    historyReply(c) {
      const entries = this.history.map(([n, input, output]) => [1, n, c.output ? [input, output ?? null] : input]);
      let out = entries;
      if (c.hist_access_type === 'range') {
        const start = c.start ?? 0, stop = c.stop ?? Infinity;
        out = (c.session === 0 || c.session === 1 || c.session == null) ? entries.filter(([, n]) => n >= start && n < stop) : [];
      } else if (c.hist_access_type === 'search') {
        const re = new RegExp(`^${String(c.pattern ?? '*').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
        out = entries.filter((e) => re.test(c.output ? e[2][0] : e[2]));
        if (c.unique) { const seen = new Set(); out = out.reverse().filter((e) => { const k = c.output ? e[2][0] : e[2]; if (seen.has(k)) return false; seen.add(k); return true; }).reverse(); }
        if (c.n) out = out.slice(-c.n);
      } else if (c.n != null) {
        out = entries.slice(-c.n);
      }
      return { status: 'ok', history: out };
    }

    /** Routes stdout/stderr and display_data of whatever runs now to `msg`'s cell. */
    route(msg) {
      const stream = (name) => (chunk, encoding, cb) => {
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        if (text) this.pub(msg, 'stream', { name, text });
        if (typeof encoding === 'function') encoding(); else if (typeof cb === 'function') cb();
        return true;
      };
      process.stdout.write = stream('stdout');
      process.stderr.write = stream('stderr');
      jupyter.lastWriteDisplayData = (data, update) => {
        this.pub(msg, update ? 'update_display_data' : 'display_data', { data: data.data, metadata: data.metadata || {}, transient: data.transient || {} });
      };
    }

    async execute(sock, msg) {
      const c = msg.content;
      const silent = Boolean(c.silent);
      const storeHistory = c.store_history ?? !silent;
      const arrival = ++this.arrivals;
      const previous = this.queue;
      let release;
      this.queue = new Promise((r) => { release = r; });
      await previous;
      let replied = false;
      const answer = (content) => { replied = true; return this.reply(sock, msg, content); };
      try {
        if (arrival <= this.abortThrough) {
          await answer({ status: 'aborted', execution_count: null });
          return;
        }
        if (storeHistory) this.execCount += 1;
        const count = this.execCount;
        if (!silent) this.pub(msg, 'execute_input', { code: c.code, execution_count: count });
        const entry = [count, c.code, null];
        if (storeHistory) this.history.push(entry);
        this.route(msg);
        if (this.pending) {
          const done = await settle(this.pending, 1000);
          if (!done) process.stderr.write('ganbook: an interrupted cell is still running in the background (it does not check interruptSignal()); its output may appear here.\n');
          this.pending = null;
        }
        resetInterrupt();
        const edited = state.compile ? state.compile.refresh() : [];
        if (edited.length) kernelLog(`library edited (${edited.map((f) => path.relative(state.rootDir, f)).join(', ')}): reloading lib/ at the next import`);
        await new Promise((r) => setImmediate(r)); // flush execute_input before a long synchronous cell
        this.runningMsg = msg;
        this.commParent = msg;
        let cur;
        try { cur = await this.run(c.code); } finally { this.runningMsg = null; }
        for (const d of cur.ok ? cur.diagnostics : []) process.stderr.write(`${d}\n`);
        if (cur.ok && !cur.interrupted) {
          if (cur.hasValue && !silent && !hidesValue(c.code)) {
            const notes = [];
            const data = await resultBundle(cur.value, notes);
            for (const n of notes) process.stderr.write(`ganbook: ${n}\n`);
            entry[2] = data['text/plain'];
            this.pub(msg, 'execute_result', { execution_count: count, data, metadata: {} });
          }
          await answer({ status: 'ok', execution_count: count, user_expressions: {}, payload: [] });
          return;
        }
        const err = cur.interrupted && !(cur.thrown.length && !isInterrupt(cur.thrown[0]))
          ? describeFailure({ thrown: [Object.assign(new Error('the cell was interrupted'), { name: 'KeyboardInterrupt' })], diagnostics: [] }, state.rootDir)
          : describeFailure(cur, state.rootDir);
        if (cur.forced) {
          this.pending = cur.promise;
          err.traceback.push(`(the cell did not stop within ${GRACE_MS / 1000} s of the interrupt: it does not check interruptSignal(); it keeps running in the background)`);
        }
        this.pub(msg, 'error', err);
        if (c.stop_on_error !== false) {
          // Let requests already sent reach us, then abort them (as ipykernel does).
          await new Promise((r) => setTimeout(r, 50));
          this.abortThrough = this.arrivals;
        }
        await answer({ status: 'error', execution_count: count, ...err });
      } catch (e) {
        // A fault of the kernel itself: still answer, so the front-end does not wait forever.
        kernelLog(`execute failed: ${e && e.stack}`);
        if (!replied) {
          const err = { ename: 'KernelError', evalue: String(e && e.message), traceback: [`KernelError: ${e && e.message} (the kernel could not finish this cell; the next cell runs normally)`] };
          this.pub(msg, 'error', err);
          await answer({ status: 'error', execution_count: this.execCount, ...err });
        }
      } finally {
        release();
      }
    }

    async run(code) {
      const cur = { code, count: this.execCount, ok: false, value: undefined, hasValue: false, thrown: [], diagnostics: [], promise: null };
      state.current = cur;
      this.running = cur;
      try {
        cur.ok = await state.executor.execute(code);
      } catch (e) {
        cur.thrown.push(e);
        cur.ok = false;
      } finally {
        state.current = null;
        this.running = null;
        clearTimeout(cur.forceTimer);
      }
      if (!cur.ok && cur.thrown.length === 0 && cur.diagnostics.length === 0) cur.thrown.push(new Error('execution failed'));
      return cur;
    }
  }

  jupyter.ZmqServer = GanbookServer;
  return GanbookServer;
}

/**
 * Inside an unclosed call `f(a, b|`: the offset of the callee's last character (`f`), else -1.
 * Strings and nested brackets are skipped roughly (enough for a tooltip).
 */
function calleeBefore(code, pos) {
  let depth = 0;
  for (let i = Math.min(pos, code.length) - 1; i >= 0; i--) {
    const ch = code[i];
    if (ch === ')' || ch === ']' || ch === '}') depth++;
    else if (ch === '(' || ch === '[' || ch === '{') {
      if (depth === 0) {
        if (ch !== '(') return -1;
        let j = i - 1;
        while (j >= 0 && /\s/.test(code[j])) j--;
        return j >= 0 && /[\w$]/.test(code[j]) ? j : -1;
      }
      depth--;
    } else if (ch === ';' && depth === 0) return -1;
  }
  return -1;
}

/** A complete/inspect request with its cursor_pos (code points on the wire) as a JS string index. */
function utf16Request(c) {
  return typeof c.code === 'string' && Number.isInteger(c.cursor_pos) ? { ...c, cursor_pos: toUtf16Offset(c.code, c.cursor_pos) } : c;
}
/** tslab's complete reply with its cursor_start/end (JS string indices) as code points. */
function codePointReply(code, r) {
  if (!r || typeof code !== 'string') return r;
  const out = { ...r };
  for (const k of ['cursor_start', 'cursor_end']) if (Number.isInteger(out[k])) out[k] = toCodePointOffset(code, out[k]);
  return out;
}

function settle(promise, ms) {
  let timer;
  return Promise.race([
    Promise.resolve(promise).then(() => true, () => true),
    new Promise((r) => { timer = setTimeout(() => r(false), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/** After tslab's startKernel: drop its SIGINT listener (it stops waiting at once; ours gives a grace). */
function afterStart() {
  for (const l of process.listeners('SIGINT')) if (!l.__ganbook) process.removeListener('SIGINT', l);
  if (state.convs && state.compile) warm({ convs: state.convs, rootDir: state.rootDir, busy: () => Boolean(state.server && state.server.arrivals > 0), log: kernelLog });
}

/** Installs every hook; call before tslab's startKernel. */
function install() {
  // Before anything loads tslab's converter (jupyter.js does): see kernel/compile.js.
  // GANBOOK_KERNEL_FAST=0: tslab's own compile path (every dependency checked and emitted per cell).
  if (process.env.GANBOOK_KERNEL_FAST !== '0') {
    state.compile = createCompilePath({
      rootDir: state.rootDir,
      onCompiled: (file, js, source) => sources.set(file, { compiled: js, source, display: path.relative(state.rootDir, file) }),
    });
    state.compile.installTypeScriptProxy();
    state.compile.installLoader();
    lazyConverters();
  }
  const version = checkTslab();
  installExecutorHooks();
  installCompilerTimerFix();
  installServer(require('tslab/dist/jupyter'), version);
  return version;
}

module.exports = { install, afterStart, checkTslab, cleanFrames, TSLAB_VERSION };
