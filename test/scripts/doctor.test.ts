import { describe, expect, it } from 'vitest';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { root } from '../helpers/notebooks';

interface Check { item: string; core: boolean; ok: boolean; detail: string; fix: string }

describe('npm run doctor', () => {
  it('reports a healthy core: native TensorFlow backend, Jupyter and the ganbook kernelspec', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'doctor.js'), '--json'], { cwd: root, encoding: 'utf8', timeout: 180e3 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: Check[] };
    expect(report.ok).toBe(true);
    const byItem = Object.fromEntries(report.checks.map((c) => [c.item, c]));
    expect(byItem['native TensorFlow (tfjs-node)'].detail).toMatch(/backend tensorflow, libtensorflow 2\.\d+/);
    expect(byItem['backend in use (lib/backend.ts)'].detail).toMatch(/^tensorflow via @tensorflow\/tfjs-node/);
    expect(byItem['fused kernels (training engine)']).toMatchObject({ ok: true, detail: 'conv + bias + activation as one oneDNN kernel' });
    expect(byItem['TensorFlow context config (thread spinning)']).toMatchObject({ ok: true, detail: 'spinning off (GANBOOK_THREAD_SPINNING=1 turns it on)' });
    expect(byItem['ganbook kernelspec'].detail).toBe(path.join('kernel', 'jupyter', 'kernels', 'ganbook'));
    // what npm run setup provides for the shared-study and replica tests
    expect(byItem['SQLite study storage (better-sqlite3)'].detail).toMatch(/^SQLite 3\.\d+/);
    expect(byItem['PostgreSQL server (shared-study tests)'].ok).toBe(true);
    expect(byItem['nginx (replica test)'].ok).toBe(true);
    // Optional items that are missing must still carry a fix hint.
    for (const c of report.checks.filter((x) => !x.ok)) expect(c.fix.length).toBeGreaterThan(5);
  });
});
