// The kernel's compile path for the project's own library (lib/ and datasets/): what makes a fresh kernel's
// first `import { … } from './lib'` take about a second instead of 7-15.
//
// tslab type-checks a cell *and every file it depends on* at every cell (TypeScript's
// getPreEmitDiagnosticsOfFiles over the whole dependency closure, with a new checker each time),
// and emits each dependency with declarations. For a cell importing lib/ that is ~100 files
// re-checked per import cell. Here, through a proxy in front of tslab's TypeScript module:
//
//  - Library files are *not* re-checked per cell: lib/ is type-checked by `npm run typecheck` and
//    the test suite. A lib file edited since the kernel started is checked again (what-if edits
//    still report their type errors). Cells and the user's other local modules are checked as
//    before; the checker still resolves every library type a cell uses, so a cell's type errors
//    against the library are reported as before. GANBOOK_KERNEL_CHECK_LIB=1 checks all of lib/.
//  - Library files are not emitted by tslab; Node loads them through a `.ts` loader that
//    transpiles each file once (TypeScript's transpileModule) into a content-addressed cache under
//    node_modules/.cache/ganbook/kernel-js, so later kernels read plain JavaScript.
//  - When a library file changes on disk, every library module is dropped from Node's module
//    cache before the next cell, so the next import sees the edit (also through lib/index.ts'
//    re-exports, which tslab's per-file reload missed).
//  - tslab's converter is created lazily, and a warm-up after start-up (`warm`) creates it,
//    compiles a hidden `import * from './lib'` and loads the library while the user types.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const Module = require('module');

const TS_ID = '@tslab/typescript-for-tslab';
const startedAt = Date.now();

/** Options of the JavaScript the loader makes (as tsconfig.json's, for Node). */
function transpileOptions(ts) {
  return {
    module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true,
    resolveJsonModule: true, experimentalDecorators: true, inlineSourceMap: false,
  };
}

/** The library's folders: lib/, datasets/ and GANBOOK_KERNEL_LIBRARY's (path-delimited, relative to the root). */
function libraryDirs(rootDir) {
  const extra = (process.env.GANBOOK_KERNEL_LIBRARY || '').split(path.delimiter).filter(Boolean);
  return ['lib', 'datasets', ...extra].map((d) => path.resolve(rootDir, d));
}

function createCompilePath({ rootDir, libDirs = libraryDirs(rootDir), cacheDir = path.join(rootDir, 'node_modules', '.cache', 'ganbook', 'kernel-js'), onCompiled = () => {} }) {
  const prefixes = libDirs.map((d) => d.split(path.sep).join('/') + '/');
  const checkAll = process.env.GANBOOK_KERNEL_CHECK_LIB === '1';
  /** loaded library file → [mtimeMs, size] when Node loaded it. */
  const loaded = new Map();
  const stats = { transpiled: 0, cached: 0, reloads: 0 };

  const norm = (f) => String(f).split(path.sep).join('/');
  const isLibrary = (fileName) => {
    const f = norm(fileName);
    return prefixes.some((p) => f.startsWith(p)) && f.endsWith('.ts') && !f.endsWith('.d.ts');
  };
  const editedSinceStart = (fileName) => {
    try { return fs.statSync(fileName).mtimeMs > startedAt; } catch { return true; }
  };

  /**
   * tslab rewrites a cell's references to earlier cells' variables as `exports.<name>`, choosing
   * them by asking the checker where each identifier's symbol is declared: anything declared in
   * its `__prev__.d.ts` counts. That file also declares the *properties* of earlier variables'
   * types, so property names were rewritten too — `const { dir: d } = common` became
   * `const { exports, dir: d } = exports.common` ("Identifier 'exports' has already been
   * declared"), and object-literal keys or method names matching an earlier object's property
   * broke the same way. While a cell is emitted, the checker tslab gets leaves out the members
   * and parameters declared in `__prev__.d.ts`, keeping the earlier cells' own names.
   */
  let emitting = false;
  const checkers = new WeakMap();
  function withCellChecker(ts, program) {
    if (!program || typeof program.getTypeChecker !== 'function') return program;
    let wrapped = checkers.get(program);
    if (wrapped) return wrapped;
    // members (properties, methods, accessors) and parameters, as opposed to the file's own names
    const member = (d) => ts.isTypeElement(d) || ts.isClassElement(d) || ts.isObjectLiteralElement(d) || ts.isParameter(d);
    const prevOnlyTopLevel = (sym) => {
      if (!emitting || !sym || !sym.declarations) return sym;
      const keep = sym.declarations.filter((d) => !(member(d) && d.getSourceFile().fileName.endsWith('__prev__.d.ts')));
      return keep.length === sym.declarations.length ? sym : new Proxy(sym, { get: (t, k) => (k === 'declarations' ? keep : t[k]) });
    };
    wrapped = new Proxy(program, {
      get: (t, k) => (k === 'getTypeChecker' ? () => {
        const checker = t.getTypeChecker();
        return new Proxy(checker, { get: (c, m) => (m === 'getSymbolAtLocation' ? (node) => prevOnlyTopLevel(c.getSymbolAtLocation(node)) : c[m]) });
      } : (typeof t[k] === 'function' ? t[k].bind(t) : t[k])),
    });
    checkers.set(program, wrapped);
    return wrapped;
  }

  /** Puts a proxy in front of tslab's TypeScript module; call before tslab's converter loads. */
  function installTypeScriptProxy() {
    const id = require.resolve(TS_ID);
    const ts = require(id);
    if (require.cache[id].exports !== ts) return; // installed already
    const over = {
      getPreEmitDiagnosticsOfFiles(program, files) {
        const keep = checkAll ? files : files.filter((sf) => !isLibrary(sf.fileName) || editedSinceStart(sf.fileName));
        return ts.getPreEmitDiagnosticsOfFiles(program, keep);
      },
      createWatchCompilerHost(rootFiles, ...args) {
        // Cells also see the kernel's globals (prompt/input): kernel/cell-globals.d.ts.
        const roots = Array.isArray(rootFiles) ? [...rootFiles, path.join(__dirname, 'cell-globals.d.ts')] : rootFiles;
        const host = ts.createWatchCompilerHost(roots, ...args);
        const createProgram = host.createProgram;
        host.createProgram = (...pa) => {
          const builder = createProgram(...pa);
          const emit = builder.emit, getProgram = builder.getProgram;
          builder.emit = (sf, ...rest) => {
            if (sf && isLibrary(sf.fileName)) return { emitSkipped: false, diagnostics: [] };
            emitting = true;
            try { return emit.call(builder, sf, ...rest); } finally { emitting = false; }
          };
          builder.getProgram = () => withCellChecker(ts, getProgram.call(builder));
          return builder;
        };
        return host;
      },
    };
    require.cache[id].exports = new Proxy(ts, { get: (t, k) => (Object.prototype.hasOwnProperty.call(over, k) ? over[k] : t[k]) });
  }

  /** JavaScript for a library .ts file, from the cache or transpiled now. */
  function javascriptOf(filename) {
    const source = fs.readFileSync(filename, 'utf8');
    const ts = require(TS_ID);
    const options = transpileOptions(ts);
    const key = crypto.createHash('sha256').update(`${ts.version}\0${JSON.stringify(options)}\0${filename}\0${source}`).digest('hex');
    const file = path.join(cacheDir, `${key.slice(0, 2)}`, `${key.slice(2)}.js`);
    try {
      const js = fs.readFileSync(file, 'utf8');
      stats.cached += 1;
      return { js, source };
    } catch { /* not cached yet */ }
    const js = ts.transpileModule(source, { compilerOptions: options, fileName: filename, reportDiagnostics: false }).outputText;
    stats.transpiled += 1;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, js);
      fs.renameSync(tmp, file);
    } catch { /* a read-only checkout: transpile again next time */ }
    return { js, source };
  }

  /** Lets Node load lib/*.ts (only library files: other .ts stay tslab's side modules). */
  function installLoader() {
    const previous = Module._extensions['.ts'];
    Module._extensions['.ts'] = function ganbookTs(module, filename) {
      if (!isLibrary(filename)) {
        if (previous) return previous(module, filename);
        throw new Error(`ganbook kernel: cannot load ${filename} outside a cell (only the library, lib/ and datasets/, is loaded by Node; import it from a cell).`);
      }
      const { js, source } = javascriptOf(filename);
      const st = fs.statSync(filename);
      loaded.set(filename, [st.mtimeMs, st.size]);
      onCompiled(filename, js, source);
      module._compile(js, filename);
    };
  }

  /**
   * Before each cell: when a loaded library file changed or vanished, drops every library module
   * from Node's cache so the next import loads the edited library. Returns the changed files.
   */
  function refresh() {
    const changed = [];
    for (const [file, [mtime, size]] of loaded) {
      let st = null;
      try { st = fs.statSync(file); } catch { /* deleted */ }
      if (!st || st.mtimeMs !== mtime || st.size !== size) changed.push(file);
    }
    if (changed.length) {
      for (const file of loaded.keys()) delete require.cache[file];
      loaded.clear();
      stats.reloads += 1;
    }
    return changed;
  }

  /** Transpiles every library file into the cache (run by `npm run setup`); returns the counts. */
  function prime() {
    const files = [];
    const walk = (d) => {
      for (const e of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) {
        const p = path.join(d, e.name);
        if (e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.')) walk(p);
        else if (e.isFile() && isLibrary(p)) files.push(p);
      }
    };
    libDirs.forEach(walk);
    for (const f of files) javascriptOf(f);
    return { files: files.length, transpiled: stats.transpiled, cached: stats.cached };
  }

  return { installTypeScriptProxy, installLoader, refresh, prime, isLibrary, stats, javascriptOf };
}

/**
 * Makes tslab's converters lazy (created at first use instead of during start-up, ~1.2 s), so
 * the kernel answers kernel_info sooner; `warm` creates them in the background.
 */
function lazyConverters() {
  const conv = require('tslab/dist/converter');
  const create = conv.createConverter;
  if (create.__ganbookLazy) return;
  const lazy = (options) => {
    let real = null;
    const get = () => (real ??= create(options));
    return {
      get created() { return real != null; },
      convert: (...a) => get().convert(...a),
      inspect: (...a) => get().inspect(...a),
      complete: (...a) => get().complete(...a),
      addModule: (...a) => get().addModule(...a),
      close: () => { if (real) real.close(); },
      warm: () => { get(); },
    };
  };
  lazy.__ganbookLazy = true;
  conv.createConverter = lazy;
}

/**
 * Background warm-up after start-up, in short macrotasks (kernel messages are answered between
 * them): the converter, a hidden cell importing the library (parses lib/ and the types it uses),
 * and the library itself through Node. Stops as soon as a real cell has run (`busy()`).
 * GANBOOK_KERNEL_WARM=0 turns it off.
 */
function warm({ convs, rootDir, busy, log }) {
  if (process.env.GANBOOK_KERNEL_WARM === '0') return;
  if (!fs.existsSync(path.join(rootDir, 'lib', 'index.ts'))) return;
  const steps = [
    ['converter', () => { const c = convs.node; if (c.warm) c.warm(); }],
    ['library types', () => { convs.node.convert('', "import * as __ganbook_warm__ from './lib';\n"); }],
    ['library', () => { require(path.join(rootDir, 'lib', 'index.ts')); }],
  ];
  const next = (i) => setTimeout(() => {
    if (i >= steps.length || busy()) return;
    const t0 = Date.now();
    try { steps[i][1](); log(`warm-up: ${steps[i][0]} in ${Date.now() - t0} ms`); } catch (e) {
      log(`warm-up: ${steps[i][0]} failed (${e && e.message}); the first cell will show the error`);
      return;
    }
    next(i + 1);
  }, 0);
  next(0);
}

module.exports = { createCompilePath, lazyConverters, warm };
