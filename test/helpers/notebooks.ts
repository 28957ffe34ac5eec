import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const root = path.resolve(__dirname, '..', '..');

export interface NbOutput { output_type: string; name?: string; text?: string | string[]; data?: Record<string, unknown> }
export interface NbCell { cell_type: string; source: string | string[]; outputs?: NbOutput[] }

/**
 * Executes a notebook headless through the ganbook kernel (in smoke mode) and returns the
 * executed cells; throws with the runner's output when a cell fails.
 */
export function executeNotebook(name: string, env: Record<string, string> = {}): NbCell[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-nb-'));
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'run-notebooks.js'), `--outdir=${outdir}`, path.join('notebooks', name)], {
    cwd: root, encoding: 'utf8', env: { ...process.env, GANBOOK_SMOKE: '1', ...env }, timeout: 15 * 60e3,
  });
  if (r.status !== 0) throw new Error(`notebook ${name} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  const nb = JSON.parse(fs.readFileSync(path.join(outdir, name), 'utf8')) as { cells: NbCell[] };
  fs.rmSync(outdir, { recursive: true, force: true });
  return nb.cells;
}

/** All outputs of all code cells, flattened. */
export function outputsOf(cells: NbCell[]): NbOutput[] {
  return cells.filter((c) => c.cell_type === 'code').flatMap((c) => c.outputs ?? []);
}

export function textOf(o: NbOutput): string {
  const t = o.text ?? (o.data?.['text/plain'] as string | string[] | undefined) ?? '';
  return Array.isArray(t) ? t.join('') : t;
}
