import { execFile } from 'child_process';
import { promisify } from 'util';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const root = path.resolve(__dirname, '..', '..');

export interface NbOutput { output_type: string; name?: string; text?: string | string[]; data?: Record<string, unknown> }
export interface NbCell { cell_type: string; source: string | string[]; outputs?: NbOutput[] }

/**
 * Executes a notebook headless through the ganbook kernel (in smoke mode) and returns the
 * executed cells; rejects with the runner's output when a cell fails. Asynchronous on purpose:
 * a notebook can run for minutes, and a synchronous spawn would block vitest's worker RPC.
 */
export async function executeNotebook(name: string, env: Record<string, string> = {}): Promise<NbCell[]> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-nb-'));
  try {
    await promisify(execFile)(process.execPath, [path.join(root, 'scripts', 'run-notebooks.js'), `--outdir=${outdir}`, path.join('notebooks', name)], {
      cwd: root, env: { ...process.env, GANBOOK_SMOKE: '1', ...env }, timeout: 15 * 60e3, maxBuffer: 64 * 2 ** 20,
    }).catch((err: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(`notebook ${name} failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
    });
    return (JSON.parse(fs.readFileSync(path.join(outdir, name), 'utf8')) as { cells: NbCell[] }).cells;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** All outputs of all code cells, flattened. */
export function outputsOf(cells: NbCell[]): NbOutput[] {
  return cells.filter((c) => c.cell_type === 'code').flatMap((c) => c.outputs ?? []);
}

export function textOf(o: NbOutput): string {
  const t = o.text ?? (o.data?.['text/plain'] as string | string[] | undefined) ?? '';
  return Array.isArray(t) ? t.join('') : t;
}
