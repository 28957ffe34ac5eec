/**
 * The ganbook kernel over the Jupyter messaging protocol 5.3, driven by jupyter_client:
 * execute_result, error, stream, kernel_info, history, queued cells after an error,
 * completion / inspection / is_complete, and the tslab require fixes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kernel, ofType, streamText, type ExecResult } from './client';

const root = path.resolve(__dirname, '..', '..');
const scratch = path.join(root, 'out', 'test-kernel');
let k: Kernel;

beforeAll(async () => {
  // Local modules for the require tests: a sibling named like an npm package (vega.ts), and a folder.
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.mkdirSync(path.join(scratch, 'pkg'), { recursive: true });
  fs.writeFileSync(path.join(scratch, 'vega.ts'), "export const impostor = 'local vega.ts';\n");
  fs.writeFileSync(path.join(scratch, 'user.ts'), [
    "import { impostor } from './vega';",
    "import * as vega from 'vega';",
    'export const local = impostor;',
    "export const realVega = typeof vega.View === 'function';",
    'export function fails(): never {',
    "  throw new RangeError('from a module');",
    '}',
  ].join('\n'));
  fs.writeFileSync(path.join(scratch, 'pkg', 'index.ts'), 'export const fromIndex = 42;\n');
  k = await Kernel.start();
});
afterAll(async () => { await k?.shutdown(); });

function only(r: ExecResult, type: string) {
  const ms = ofType(r, type);
  expect(ms, `${type} messages in ${JSON.stringify(r.iopub.map((m) => m.msg_type))}`).toHaveLength(1);
  return ms[0].content;
}

describe('ganbook kernel protocol', () => {
  it('answers kernel_info with a complete reply', async () => {
    const c = (await k.request('kernel_info')).content;
    expect(c.status).toBe('ok');
    expect(c.protocol_version).toBe('5.3');
    expect(c.implementation).toBe('ganbook');
    expect(c.implementation_version).toMatch(/tslab 1\.0\.22/);
    expect(c.language_info).toMatchObject({ name: 'typescript', file_extension: '.ts', mimetype: 'text/typescript' });
    expect(c.language_info.version).toMatch(/^\d+\.\d+\.\d+$/);
    // A plain mode name: strict clients (the Rust runtimelib) reject tslab's `{ mode }` object.
    expect(c.language_info.codemirror_mode).toBe('typescript');
    expect(c.banner).toContain('TypeScript');
  });

  it('sends the last value as execute_result with the execution count, stdout/stderr as stream', async () => {
    const r = await k.execute("console.log('to stdout'); console.error('to stderr');\nconst answer: number = 6 * 7;\nanswer");
    expect(r.reply.content).toMatchObject({ status: 'ok' });
    const count = r.reply.content.execution_count;
    expect(count).toBeGreaterThan(0);
    expect(only(r, 'execute_input')).toMatchObject({ execution_count: count });
    expect(only(r, 'execute_result')).toEqual({ execution_count: count, data: { 'text/plain': '42' }, metadata: {} });
    expect(streamText(r, 'stdout')).toBe('to stdout\n');
    expect(streamText(r, 'stderr')).toBe('to stderr\n');
    // Nothing is printed as a side effect of the result any more.
    expect(streamText(r, 'stdout')).not.toContain('42');
    const next = await k.execute("'x'.repeat(3)");
    expect(only(next, 'execute_result')).toMatchObject({ execution_count: count + 1, data: { 'text/plain': "'xxx'" } });
    const none = await k.execute('const unused = 1;');
    expect(ofType(none, 'execute_result')).toHaveLength(0);
  });

  it('sends rich bundles for library displayables: tables, image tensors, vega-lite specs', async () => {
    const [imports, tbl, img, chart, plainTensor] = await k.executeAll([
      // Narrow imports (not './lib'): compiling the whole library is slow and couples this test to
      // every module; './lib' itself is covered by test/notebooks/00-hello.test.ts.
      "import { tf } from './lib/backend';\nimport { table } from './lib/plot/table';\nimport './lib/display/show';",
      "table([{ epoch: 1, loss: 0.6931 }, { epoch: 2, loss: 0.5 }], { title: 'Losses <&>' })",
      'tf.ones([8, 12, 1])',
      "({ title: 'line', mark: 'line', data: { values: [{ x: 0, y: 1 }, { x: 1, y: 2 }] }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } })",
      'tf.tensor([1.5, 2.5])',
    ], { timeout: 280 });
    expect(imports.reply.content.status).toBe('ok');
    const t = only(tbl, 'execute_result').data;
    expect(t['text/html']).toContain('<caption');
    expect(t['text/html']).toContain('Losses &lt;&amp;&gt;');
    expect(t['text/html']).toMatch(/<th[^>]*>epoch<\/th><th[^>]*>loss<\/th>/);
    expect(t['text/html']).toContain('>0.6931</td>');
    expect(t['text/plain']).toMatch(/^Losses <&>\nepoch\s+loss\n/); // numbers right-aligned under their header
    const i = only(img, 'execute_result').data;
    const png = Buffer.from(i['image/png'], 'base64');
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(12 * 8); // width 12 px, upscaled x8 for visibility
    expect(i['text/plain']).toMatch(/^Tensor/);
    const c = only(chart, 'execute_result').data;
    expect(typeof c['application/vnd.vegalite.v5+json']).toBe('object');
    expect(c['application/vnd.vegalite.v5+json'].$schema).toContain('vega-lite/v5');
    expect(c['image/svg+xml']).toContain('<svg');
    const p = only(plainTensor, 'execute_result').data;
    expect(Object.keys(p)).toEqual(['text/plain']);
    expect(p['text/plain']).toContain('[1.5, 2.5]');
  }, 300_000);

  it('sends display_data with a display_id and replaces it in place with update_display_data (showLive)', async () => {
    const r = await k.execute("import { showLive } from './lib/display/show';\nimport { table as t2 } from './lib/plot/table';\nconst live = await showLive(t2([{ step: 1 }]), { displayId: 'live-view' });\nawait live.update(t2([{ step: 2 }]));", { timeout: 280 });
    expect(r.reply.content.status).toBe('ok');
    const shown = only(r, 'display_data');
    const updated = only(r, 'update_display_data');
    expect(shown.transient).toEqual({ display_id: 'live-view' });
    expect(updated.transient).toEqual({ display_id: 'live-view' });
    expect(shown.data['text/html']).toContain('>1</td>');
    expect(updated.data['text/html']).toContain('>2</td>');
  }, 300_000);

  it('reports a synchronous error as an error message and an error reply with a clean traceback', async () => {
    const r = await k.execute("function explode(n: number): number {\n  if (n > 1) throw new TypeError(`bad n: ${n}`);\n  return n;\n}\nexplode(3)");
    const err = only(r, 'error');
    expect(err.ename).toBe('TypeError');
    expect(err.evalue).toBe('bad n: 3');
    expect(err.traceback[0]).toBe('TypeError: bad n: 3');
    expect(err.traceback.join('\n')).toMatch(/at explode \(<cell \d+>:2:\d+\)/);
    expect(err.traceback.join('\n')).toContain('if (n > 1) throw new TypeError');
    expect(err.traceback.join('\n')).not.toMatch(/tslab|node:|layer\.js|runInThisContext/);
    expect(r.reply.content).toMatchObject({ status: 'error', ename: 'TypeError', evalue: 'bad n: 3', traceback: err.traceback });
    expect(r.reply.content.execution_count).toBeGreaterThan(0);
    expect(streamText(r, 'stderr')).toBe('');
  });

  it('reports errors in awaited code and in local modules, and TypeScript errors', async () => {
    const [late, mod, typeErr] = await k.executeAll([
      "async function later(): Promise<number> {\n  await new Promise((r) => setTimeout(r, 20));\n  throw new Error('rejected later');\n}\nawait later();",
      "import { fails } from './out/test-kernel/user';\nfails()",
      "const n: number = 'not a number';",
    ], { stopOnError: false });
    expect(only(late, 'error')).toMatchObject({ ename: 'Error', evalue: 'rejected later' });
    expect(late.reply.content.traceback.join('\n')).toMatch(/at later \(<cell \d+>:3:\d+\)/);
    const m = only(mod, 'error');
    expect(m).toMatchObject({ ename: 'RangeError', evalue: 'from a module' });
    expect(m.traceback.join('\n')).toMatch(/at fails \(out\/test-kernel\/user\.ts:6:\d+\)/);
    const t = only(typeErr, 'error');
    expect(t.ename).toBe('TSError');
    expect(t.evalue).toMatch(/Type 'string' is not assignable to type 'number'/);
  });

  it('answers cells queued behind a failing cell: aborted by default, run with stop_on_error=false', async () => {
    const [bad, queued1, queued2] = await k.executeAll(["throw new Error('first fails')", '1 + 1', "'also queued'"]);
    expect(bad.reply.content.status).toBe('error');
    for (const q of [queued1, queued2]) {
      expect(q.reply.msg_type).toBe('execute_reply');
      expect(q.reply.content.status).toBe('aborted');
      expect(q.idle).toBe(true);
    }
    const after = await k.execute('2 + 2');
    expect(only(after, 'execute_result').data['text/plain']).toBe('4');

    const [bad2, ran] = await k.executeAll(["throw new Error('fails again')", '3 + 3'], { stopOnError: false });
    expect(bad2.reply.content.status).toBe('error');
    expect(ran.reply.content.status).toBe('ok');
    expect(only(ran, 'execute_result').data['text/plain']).toBe('6');
  });

  it('answers history requests (tail, range, search, with output)', async () => {
    await k.execute("const histMarker = 'hist-' + 1;\nhistMarker");
    const tail = (await k.request('history', { hist_access_type: 'tail', n: 2, output: false, raw: true })).content;
    expect(tail.status).toBe('ok');
    expect(tail.history).toHaveLength(2);
    const [session, line, input] = tail.history[1];
    expect(session).toBe(1);
    expect(input).toBe("const histMarker = 'hist-' + 1;\nhistMarker");
    const withOut = (await k.request('history', { hist_access_type: 'tail', n: 1, output: true, raw: true })).content;
    expect(withOut.history[0][2]).toEqual([input, "'hist-1'"]);
    const range = (await k.request('history', { hist_access_type: 'range', session: 0, start: line, stop: line + 1, output: false, raw: true })).content;
    expect(range.history).toEqual([[1, line, input]]);
    const search = (await k.request('history', { hist_access_type: 'search', pattern: '*histMarker*', output: false, raw: true })).content;
    expect(search.history.map((h: unknown[]) => h[1])).toEqual([line]);
  });

  it('keeps completion, inspection and is_complete working', async () => {
    await k.execute('const completeMe = { alpha: 1, beta: 2 };');
    const code = 'completeMe.al';
    const comp = (await k.request('complete', { code, cursor_pos: code.length })).content;
    expect(comp.status).toBe('ok');
    expect(comp.matches).toContain('alpha');
    expect(comp.cursor_end).toBe(code.length);
    const insp = (await k.request('inspect', { code: 'completeMe', cursor_pos: 3, detail_level: 0 })).content;
    expect(insp).toMatchObject({ status: 'ok', found: true });
    expect(insp.data['text/plain']).toContain('alpha: number');
    expect((await k.request('is_complete', { code: 'function f() {' })).content.status).toBe('incomplete');
    expect((await k.request('is_complete', { code: 'const a = 1;' })).content.status).toBe('complete');
  });

  it('counts completion and inspection offsets in code points, as protocol 5.2+ does', async () => {
    // '😀' is one code point (two UTF-16 units): `Math.ma` starts at code point 11, the cursor is at 13.
    const code = "'😀😀';\nMath.ma";
    expect([...code].length).toBe(13);
    const comp = (await k.request('complete', { code, cursor_pos: 13 })).content;
    expect(comp).toMatchObject({ status: 'ok', cursor_start: 11, cursor_end: 13 });
    expect(comp.matches).toContain('max');
    const insp = (await k.request('inspect', { code: "'😀😀'; Math", cursor_pos: 9, detail_level: 0 })).content;
    expect(insp).toMatchObject({ status: 'ok', found: true });
    expect(insp.data['text/plain']).toMatch(/Math/);
  });

  it('inspects the callee inside call parentheses and sends documentation as markdown too', async () => {
    await k.execute('/** Doubles `x`.\n * ```ts\n * twice(2) // 4\n * ```\n */\nfunction twice(x: number): number { return 2 * x; }');
    const inCall = (await k.request('inspect', { code: 'twice(1, ', cursor_pos: 9, detail_level: 0 })).content;
    expect(inCall).toMatchObject({ status: 'ok', found: true });
    expect(inCall.data['text/plain']).toMatch(/function twice\(x: number\): number/);
    expect(inCall.data['text/markdown']).toBe('```ts\nfunction twice(x: number): number\n```\n\nDoubles `x`.\n```ts\ntwice(2) // 4\n```');
    expect((await k.request('inspect', { code: 'twice(1); (', cursor_pos: 11, detail_level: 0 })).content.found).toBe(false);
  });

  it('hides the value of a cell ending in a semicolon (as IPython), not of one ending in an expression', async () => {
    const hidden = await k.execute('6 * 7; // a comment after the semicolon');
    expect(hidden.reply.content.status).toBe('ok');
    expect(ofType(hidden, 'execute_result')).toHaveLength(0);
    const shown = await k.execute("const semi = 'a;';\n`${semi};`");
    expect(only(shown, 'execute_result').data['text/plain']).toBe("'a;;'");
  });

  it('uses property names of earlier cells\' objects as names again: renamed destructuring, object-literal keys, methods', async () => {
    await k.execute("const common = { dir: 'runs', lr: 0.1, f() { return 1; } };");
    const renamed = await k.execute('const { dir: studiesDir, ...rest } = common;\n`${studiesDir} ${Object.keys(rest).join(",")}`');
    expect(renamed.reply.content.status, JSON.stringify(ofType(renamed, 'error').map((m) => m.content.evalue))).toBe('ok');
    expect(only(renamed, 'execute_result').data['text/plain']).toBe("'runs lr,f'");
    const literal = await k.execute("const other: typeof common = { dir: 'x', lr: common.lr * 2, f() { return 2; } };\n[other.dir, other.lr, other.f(), studiesDir].join(' ')");
    expect(only(literal, 'execute_result').data['text/plain']).toBe("'x 0.2 2 runs'");
  });

  it('answers every cell even when its value cannot be displayed, and runs the next cell', async () => {
    const cells: [string, RegExp][] = [
      ["({ [Symbol.for('nodejs.util.inspect.custom')]() { throw new Error('inspect boom'); } })", /could not be displayed: util\.inspect threw "inspect boom"/],
      ["({ get [Symbol.toStringTag](): string { throw new Error('tag boom'); }, [Symbol.for('nodejs.util.inspect.custom')]() { throw new Error('inspect boom'); } })", /value \(could not be displayed/],
      ["({ toMimeBundle: () => ({ 'application/json': { n: 10n } }), toString: () => 'big' })", /toMimeBundle/],
      ["const loop: any = { name: 'loop' }; loop.self = loop;\n({ toMimeBundle: () => ({ 'application/json': loop, 'text/plain': 'a loop' }) })", /^a loop$/],
    ];
    for (const [code, text] of cells) {
      const r = await k.execute(code);
      expect(r.reply.content.status, code).toBe('ok');
      expect(r.idle).toBe(true);
      expect(only(r, 'execute_result').data['text/plain'], code).toMatch(text);
      const next = await k.execute('1 + 1');
      expect(only(next, 'execute_result').data['text/plain']).toBe('2');
    }
    const dropped = await k.execute("({ toMimeBundle: () => ({ 'application/json': { n: 10n } }) })");
    expect(streamText(dropped, 'stderr')).toMatch(/dropped the application\/json view: it cannot be sent as JSON \(.*BigInt/);
  });

  it('resolves bare package ids in local modules to npm packages, and folder imports to index.ts', async () => {
    const r = await k.execute("import { local, realVega } from './out/test-kernel/user';\nimport { fromIndex } from './out/test-kernel/pkg';\n[local, realVega, fromIndex]");
    expect(r.reply.content.status).toBe('ok');
    expect(only(r, 'execute_result').data['text/plain']).toBe("[ 'local vega.ts', true, 42 ]");
  });

  it('keeps compiling after a local module changes on disk between cells', async () => {
    fs.writeFileSync(path.join(scratch, 'changing.ts'), "export const version = 'v1';\n");
    const first = await k.execute("import { version } from './out/test-kernel/changing';\nversion");
    expect(only(first, 'execute_result').data['text/plain']).toBe("'v1'");
    fs.writeFileSync(path.join(scratch, 'changing.ts'), "export const version = 'v2';\n");
    fs.writeFileSync(path.join(scratch, 'brand-new.ts'), 'export const x = 1;\n');
    await new Promise((r) => setTimeout(r, 3000)); // TypeScript's file watcher polls
    const second = await k.execute("import { version as v2 } from './out/test-kernel/changing';\nv2");
    expect(second.reply.content.status).toBe('ok');
    expect(only(second, 'execute_result').data['text/plain']).toBe("'v2'");
  });
});
