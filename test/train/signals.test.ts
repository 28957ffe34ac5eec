import { spawn } from 'child_process';
import * as path from 'path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..', '..');

describe('signals during a native step', () => {
  // This TensorFlow build's oneDNN MatMul kernel crashes ("corrupted size vs. prev_size", or a
  // jump to a bad address in sgemm_nocopy_driver) when a signal handler runs on the thread inside
  // it: a notebook interrupt (SIGINT) during an FC GAN's training could kill the kernel. The
  // binding (npm run setup's patch) now holds asynchronous signals while a kernel runs and starts
  // TensorFlow's threads with them blocked, so the engine's dense layers run MatMul again (this
  // test aborted with MatMul before the patch). SNGAN's critic runs the fused conv kernel.
  it('SIGINT every millisecond while fcGan, dcgan and sngan train natively: no crash, finite losses', async () => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'signal-child.ts')],
      { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '', err = '', timer: NodeJS.Timeout | undefined, sent = 0;
    child.stdout.on('data', (d) => {
      out += d;
      if (!timer && out.includes('ready\n')) timer = setInterval(() => { child.kill('SIGINT'); sent++; }, 1);
      if (out.includes('ok ')) { clearInterval(timer); child.stdin.end(); }
    });
    child.stderr.on('data', (d) => { err += d; });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    clearInterval(timer);
    expect(err).not.toMatch(/corrupted|double free|Aborted/);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(out).toContain('ok native finite, native finite, native finite');
    expect(sent).toBeGreaterThan(100);
  }, 120_000);
});
