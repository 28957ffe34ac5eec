/**
 * The kernel's fast compile path (kernel/compile.js): library files are loaded by Node from
 * transpiled JavaScript and not re-checked per cell, yet an edited library file is reloaded
 * (through re-exports too) and type-checked, and errors inside library code map back to the
 * TypeScript file and line. A scratch folder plays the library (GANBOOK_KERNEL_LIBRARY).
 */
import * as fs from 'fs';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kernel, ofType, streamText } from './client';

const root = path.resolve(__dirname, '..', '..');
const rel = path.join('out', 'test-kernel-lib');
const dir = path.join(root, rel);
let k: Kernel;

/** Writes a file and makes sure its mtime moves forward (coarse file-system clocks). */
function write(file: string, text: string) {
  const p = path.join(dir, file);
  const before = fs.existsSync(p) ? fs.statSync(p).mtimeMs : 0;
  fs.writeFileSync(p, text);
  if (fs.statSync(p).mtimeMs <= before) fs.utimesSync(p, new Date(), new Date(before + 1000));
}

beforeAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  write('index.ts', "export { value } from './values';\nexport { fails } from './thrower';\n");
  write('values.ts', 'export const value: number = 1;\n');
  write('thrower.ts', [
    '/** Types vanish when compiled, so compiled lines differ from these. */',
    'export interface Options {',
    '  depth: number;',
    '}',
    'export function fails(o: Options = { depth: 1 }): never {',
    "  throw new RangeError(`library failure at depth ${o.depth}`);",
    '}',
  ].join('\n'));
  k = await Kernel.start({ GANBOOK_KERNEL_LIBRARY: rel });
});
afterAll(async () => { await k?.shutdown(); fs.rmSync(dir, { recursive: true, force: true }); });

const value = (r: Awaited<ReturnType<Kernel['execute']>>) => ofType(r, 'execute_result')[0]?.content.data['text/plain'];

describe('kernel start-up path', () => {
  it('keeps kernel diagnostics (the warm-up) out of cell output', async () => {
    const r = await k.execute("import { tf } from './lib';\ntf.getBackend()", { timeout: 280 });
    expect(r.reply.content.status).toBe('ok');
    expect(value(r)).toBe("'tensorflow'");
    expect(streamText(r, 'stderr')).not.toMatch(/warm-up|ganbook kernel:/);
  });

  it('reloads an edited library file at the next import, also through an index re-export', async () => {
    const imp = `import { value } from './${rel.split(path.sep).join('/')}';\nvalue`;
    expect(value(await k.execute(imp))).toBe('1');
    write('values.ts', 'export const value: number = 2;\n');
    expect(value(await k.execute(imp))).toBe('2');
  });

  it('type-checks a library file edited since the kernel started', async () => {
    write('values.ts', "export const value: number = 'three';\n");
    const r = await k.execute(`import { value as v3 } from './${rel.split(path.sep).join('/')}';\nv3`);
    expect(r.reply.content.status).toBe('error');
    expect(r.reply.content.ename).toBe('TSError');
    expect(JSON.stringify(r.reply.content.traceback)).toMatch(/Type 'string' is not assignable to type 'number'/);
    write('values.ts', 'export const value: number = 4;\n');
    expect(value(await k.execute(`import { value as v4 } from './${rel.split(path.sep).join('/')}';\nv4`))).toBe('4');
  });

  it('maps an error thrown inside library code to its TypeScript file and line', async () => {
    const r = await k.execute(`import { fails } from './${rel.split(path.sep).join('/')}';\nfails();`);
    expect(r.reply.content).toMatchObject({ status: 'error', ename: 'RangeError', evalue: 'library failure at depth 1' });
    const tb = (r.reply.content.traceback as string[]).join('\n');
    expect(tb).toContain(`${rel.split(path.sep).join('/')}/thrower.ts:6:`);
    expect(tb).toContain('throw new RangeError');
    expect(tb).toMatch(/at <cell \d+>/);
  });
});
