import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..', '..');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    }).on('error', reject);
  });
}

describe('kernel lifetime', () => {
  it('exits on its own when the process named by JPY_PARENT_PID dies (no orphaned kernels)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-orphan-'));
    const conn = path.join(dir, 'kernel.json');
    const ports = await Promise.all([0, 1, 2, 3, 4].map(freePort));
    fs.writeFileSync(conn, JSON.stringify({
      ip: '127.0.0.1', transport: 'tcp', signature_scheme: 'hmac-sha256', key: 'test-key',
      shell_port: ports[0], iopub_port: ports[1], stdin_port: ports[2], control_port: ports[3], hb_port: ports[4],
    }));
    const parent = spawn('sleep', ['3']); // stands in for the notebook runner
    const kernel = spawn(process.execPath, [path.join(root, 'kernel', 'ganbook-kernel.js'), '--config-path', conn], {
      cwd: root, env: { ...process.env, JPY_PARENT_PID: String(parent.pid) },
    });
    let stderr = '';
    kernel.stderr.on('data', (d) => { stderr += String(d); });
    const t0 = Date.now();
    const code = await new Promise<number | null>((resolve) => {
      const guard = setTimeout(() => { kernel.kill('SIGKILL'); resolve(-1); }, 60_000);
      kernel.on('exit', (c) => { clearTimeout(guard); resolve(c); });
    });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
    expect(stderr).toContain(`parent process ${parent.pid} is gone; exiting`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2500); // it lived while the parent did
  }, 90_000);
});
