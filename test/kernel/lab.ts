/** Test helper: a real JupyterLab server on 127.0.0.1 (the project's .venv), and its Chromium. */
import { spawn, type ChildProcess } from 'child_process';
import * as crypto from 'crypto';
import * as net from 'net';
import * as path from 'path';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { root, venvBin, jupyterEnv } = require('../../scripts/env') as { root: string; venvBin: string; jupyterEnv: (e?: Record<string, string>) => NodeJS.ProcessEnv };

/** The Chromium the setup found (GANBOOK_CHROMIUM overrides). */
export const chromium = process.env.GANBOOK_CHROMIUM || '/usr/bin/chromium';

export interface Lab { /** `/lab/tree/<file>` URL with the token, `file` relative to the repo root. */ urlOf(file: string): string; stop(): void; log(): string }

/** Starts `jupyter lab` on a free port with a random token; resolves once it serves. */
export async function startLab(): Promise<Lab> {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });
  const token = crypto.randomBytes(16).toString('hex');
  const lab: ChildProcess = spawn(path.join(venvBin, 'jupyter'), ['lab', '--no-browser', '--allow-root', '--ip=127.0.0.1', `--port=${port}`,
    `--IdentityProvider.token=${token}`, `--ServerApp.root_dir=${root}`, '--LabApp.news_url=', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate'],
  { cwd: root, env: jupyterEnv() });
  let labLog = '';
  lab.stdout?.on('data', (d) => { labLog += String(d); });
  lab.stderr?.on('data', (d) => { labLog += String(d); });
  const t0 = Date.now();
  while (!/is running at|Jupyter Server .* is running/.test(labLog)) {
    if (Date.now() - t0 > 90_000) { lab.kill('SIGTERM'); throw new Error(`jupyter lab did not start:\n${labLog}`); }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    urlOf: (file) => `http://127.0.0.1:${port}/lab/tree/${file.split(path.sep).join('/')}?token=${token}`,
    stop: () => { lab.kill('SIGTERM'); },
    log: () => labLog,
  };
}
