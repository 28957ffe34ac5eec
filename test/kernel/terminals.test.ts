/**
 * The terminal front ends: `npm run repl` (ts-node REPL with the library preloaded; show()
 * writes files and draws inline) and `jupyter console --kernel ganbook`.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { root, venvBin, jupyterEnv } = require('../../scripts/env') as { root: string; venvBin: string; jupyterEnv: (e?: Record<string, string>) => NodeJS.ProcessEnv };

/** Runs the REPL, sending each command only after the previous one printed `expect`; a third element sends SIGINT (Ctrl+C) that many ms after the command. */
async function repl(steps: Array<[string, RegExp] | [string, RegExp, number]>, env: Record<string, string>): Promise<string> {
  // As `npm run repl` starts it (the launcher filters TensorFlow's start-up notices from stderr).
  // Its own process group, so Ctrl+C can reach the group as a terminal sends it.
  const p = spawn(process.execPath, [path.join(root, 'kernel', 'repl-launch.js')], {
    cwd: root, env: { ...process.env, ...env }, detached: true,
  });
  let out = '';
  p.stdout.on('data', (d) => { out += String(d); });
  p.stderr.on('data', (d) => { out += String(d); });
  try {
    for (const [cmd, want, sigintAfter] of steps) {
      const from = out.length;
      p.stdin.write(`${cmd}\n`);
      if (sigintAfter !== undefined) setTimeout(() => process.kill(-p.pid!, 'SIGINT'), sigintAfter);
      const t0 = Date.now();
      while (!want.test(out.slice(from))) {
        if (Date.now() - t0 > 60_000) throw new Error(`REPL: no ${want} after ${JSON.stringify(cmd)}; output:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return out;
  } finally {
    p.stdin.end();
    try { process.kill(-p.pid!, 'SIGTERM'); } catch { /* already gone */ }
  }
}

describe('npm run repl', () => {
  it('has the library preloaded, awaits at top level, and writes show() output to files', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-repl-'));
    const out = await repl([
      ['const t = tf.ones([8, 8, 1]);', /$/],
      ['await show(t)', /wrote .*show-1\.png/],
      ["await show({ title: 'c', mark: 'point', data: { values: [{ x: 1 }] }, encoding: { x: { field: 'x', type: 'quantitative' } } })", /wrote .*show-2\.svg/],
      ["await show(table([{ a: 1 }], { title: 'tab' }))", /wrote .*show-3\.html/],
      ['const n: number = await Promise.resolve(41) + 1; n', /42/],
      ["const wrong: number = 'a';", /error TS2322: Type 'string' is not assignable to type 'number'/], // type-checked, as the kernel's cells
      ['tf.ones([2]).shape', /\[ 2 \]/],
    ], { GANBOOK_REPL_OUT: dir, GANBOOK_INLINE_IMAGES: 'kitty' });
    const png = fs.readFileSync(path.join(dir, 'show-1.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(fs.readFileSync(path.join(dir, 'show-2.svg'), 'utf8')).toContain('<svg');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'show-2.vl.json'), 'utf8')).$schema).toContain('vega-lite/v5');
    expect(fs.readFileSync(path.join(dir, 'show-3.html'), 'utf8')).toContain('<table');
    // kitty graphics protocol: the tensor's PNG and the chart rasterised from its SVG
    expect(out.match(/\x1b_Gf=100,a=T,m=[01];/g)?.length).toBeGreaterThanOrEqual(2);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('Ctrl+C stops a running synchronous statement, keeps the variables and the prompt; no TensorFlow start-up notice', async () => {
    const out = await repl([
      ['const before = 41 + 1; before', /42/],
      ['let spins = 0; while (true) { spins++ }', /interrupted by `SIGINT`/, 1500],
      ['[before, spins > 1000]', /\[ 42, true \]/],
    ], {});
    expect(out).not.toMatch(/oneDNN custom operations/);
  });
});

describe('jupyter console --kernel ganbook', () => {
  it('runs cells, shows results, output and errors', () => {
    const r = spawnSync(path.join(venvBin, 'jupyter'), ['console', '--kernel', 'ganbook', '--simple-prompt', '--ZMQTerminalInteractiveShell.kernel_timeout=120'], {
      cwd: root, env: jupyterEnv(), encoding: 'utf8', timeout: 120_000,
      input: "const a = 20 + 22;\na\nconsole.log('hello from console')\nthrow new Error('console boom')\n",
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('ganbook TypeScript kernel');
    expect(r.stdout).toMatch(/Out\[\d+\]: 42/);
    expect(r.stdout).toContain('hello from console');
    expect(r.stderr).toContain('Error: console boom');
    expect(r.stderr).toContain("throw new Error('console boom')");
  });
});
