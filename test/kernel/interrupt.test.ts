/**
 * Interrupting the ganbook kernel: the interrupt reaches awaited work through
 * interruptSignal(), the loop stops at a step boundary and keeps its state, and the kernel
 * answers the next cell. Both ways a client interrupts: the kernelspec's interrupt_mode
 * (SIGINT, as JupyterLab and jupyter console do) and an interrupt_request message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kernel, ofType, streamText } from './client';

let k: Kernel;
beforeAll(async () => {
  // A short grace so the "loop ignores the signal" case does not take 10 s.
  k = await Kernel.start({ GANBOOK_INTERRUPT_GRACE_MS: '1500' });
  const r = await k.execute("import { interruptSignal } from './lib/display/interrupt';", { timeout: 280 });
  expect(r.reply.content.status).toBe('ok');
}, 400_000);
afterAll(async () => { await k?.shutdown(); });

const loop = (name: string) => `const ${name} = { steps: 0, checkpoint: -1 };
{
  const signal = interruptSignal();
  console.log('loop started');
  while (true) {
    if (signal.aborted) { ${name}.checkpoint = ${name}.steps; console.log('checkpoint at', ${name}.steps); break; }
    await new Promise((r) => setTimeout(r, 10)); // one "training step"
    ${name}.steps++;
  }
}`;

describe('interrupt', () => {
  for (const by of ['kernelspec', 'message'] as const) {
    it(`stops an awaited loop at a step boundary (${by === 'kernelspec' ? 'SIGINT' : 'interrupt_request'}) and answers the next cell`, async () => {
      const name = `run_${by}`;
      const t0 = Date.now();
      const r = await k.execute(loop(name), { interruptOn: 'loop started', interruptAfter: 0.5, interruptBy: by });
      expect(Date.now() - t0).toBeLessThan(15000);
      expect(r.reply.content).toMatchObject({ status: 'error', ename: 'KeyboardInterrupt' });
      expect(ofType(r, 'error')[0].content.ename).toBe('KeyboardInterrupt');
      expect(streamText(r)).toMatch(/checkpoint at \d+/); // the loop's own exit path ran, in this cell
      // The state survives and is declared for later cells; the loop no longer runs.
      const a = await k.execute(`[${name}.steps, ${name}.checkpoint]`);
      expect(a.reply.content.status).toBe('ok');
      const [steps, checkpoint] = JSON.parse(ofType(a, 'execute_result')[0].content.data['text/plain']);
      expect(steps).toBeGreaterThan(5);
      expect(checkpoint).toBe(steps);
      await new Promise((res) => setTimeout(res, 300));
      const b = await k.execute(`${name}.steps`);
      expect(Number(ofType(b, 'execute_result')[0].content.data['text/plain'])).toBe(steps);
      // A fresh signal for the next cell.
      const c = await k.execute('interruptSignal().aborted');
      expect(ofType(c, 'execute_result')[0].content.data['text/plain']).toBe('false');
    });
  }

  it('interrupts fit() of an FC GAN while oneDNN matmul kernels run (SIGINT held until they return): stops at a step, the kernel goes on', async () => {
    const code = `import { buildGan, fcGan, GanTrainer, tf } from './lib';
const fcT = new GanTrainer(buildGan(fcGan()), tf.randomUniform([256, 28, 28, 1], 0, 1, 'float32', 1) as any, { batchSize: 64, runsDir: null, live: false, sampleEvery: 0 });
console.log('fit started');
const fcRun = await fcT.fit({ steps: 100000 });
console.log('stopped', fcRun.stopped, fcRun.step);`;
    const r = await k.execute(code, { interruptOn: 'fit started', interruptAfter: 1.5, timeout: 120 });
    expect(streamText(r)).toMatch(/stopped interrupted \d+/);
    const next = await k.execute('[fcT.history.length > 3, fcT.history.every((h) => Number.isFinite(h.dLoss))]');
    expect(next.reply.content.status, JSON.stringify(next.reply.content)).toBe('ok');
    expect(ofType(next, 'execute_result')[0].content.data['text/plain']).toBe('[ true, true ]');
  });

  it('stops a synchronous loop (SIGINT)', async () => {
    const r = await k.execute('let spins = 0;\nwhile (true) { spins++; }', { interruptOn: '<execute_input>', interruptAfter: 1.5 });
    expect(r.reply.content).toMatchObject({ status: 'error', ename: 'KeyboardInterrupt' });
    const next = await k.execute("'alive'");
    expect(ofType(next, 'execute_result')[0].content.data['text/plain']).toBe("'alive'");
  });

  it('abandons a loop that ignores the signal after the grace period, without corrupting the next cell', async () => {
    const r = await k.execute("globalThis.ignored = 0;\nconsole.log('ignoring');\nwhile ((globalThis as any).ignored < 400) { (globalThis as any).ignored++; await new Promise((r) => setTimeout(r, 10)); }\nconsole.log('ignored loop finished');", { interruptOn: 'ignoring', interruptAfter: 0.3 });
    expect(r.reply.content).toMatchObject({ status: 'error', ename: 'KeyboardInterrupt' });
    expect(r.reply.content.traceback.join('\n')).toMatch(/keeps running in the background/);
    const next = await k.execute("console.log('next cell');\n1 + 1");
    expect(next.reply.content.status).toBe('ok');
    expect(ofType(next, 'execute_result')[0].content.data['text/plain']).toBe('2');
    expect(streamText(next)).toContain('next cell');
    expect(streamText(next, 'stderr')).toMatch(/still running in the background/);
  });
});
