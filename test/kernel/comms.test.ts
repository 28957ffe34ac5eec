/**
 * Comms and stdin at the message level, over jupyter_client: comm_open / comm_msg / comm_close
 * both ways, comm_info_request, unknown targets closed, kernel-originated comms with binary
 * buffers; prompt()/input() through input_request, and a clear error without stdin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kernel, ofType, type Msg } from './client';

let k: Kernel;
beforeAll(async () => { k = await Kernel.start(); }, 120_000);
afterAll(async () => { await k?.shutdown(); });

const comm = (ms: Msg[], type: string) => ms.filter((m) => m.msg_type === type);

describe('comms', () => {
  it('closes a comm opened for an unknown target, and says so only in the kernel log', async () => {
    const r = await k.shell('comm_open', { comm_id: 'c-unknown', target_name: 'no.such.target', data: {} });
    expect(comm(r.iopub, 'comm_close').map((m) => m.content.comm_id)).toEqual(['c-unknown']);
    expect(comm(r.iopub, 'stream')).toHaveLength(0);
    const next = await k.execute('1 + 1');
    expect(ofType(next, 'stream')).toHaveLength(0); // no warning lands in the next cell either
  });

  it('runs a target registered by kernel code: open, messages both ways, info, close', async () => {
    const setup = await k.execute(`
const kernel = (globalThis as any)[Symbol.for('ganbook.kernel')];
const seen: string[] = [];
kernel.comms.registerTarget('echo', (c: any, open: any) => {
  seen.push('open ' + JSON.stringify(open.content.data));
  c.onMsg((data: any) => { seen.push('msg ' + data.n); c.send({ n: data.n * 2 }); });
  c.onClose(() => seen.push('closed'));
});`);
    expect(setup.reply.content.status).toBe('ok');
    const opened = await k.shell('comm_open', { comm_id: 'c-echo', target_name: 'echo', data: { hello: 1 } });
    expect(comm(opened.iopub, 'comm_close')).toHaveLength(0);
    const info = await k.shell('comm_info_request', { target_name: 'echo' });
    expect(info.reply!.content).toEqual({ status: 'ok', comms: { 'c-echo': { target_name: 'echo' } } });
    const sent = await k.shell('comm_msg', { comm_id: 'c-echo', data: { n: 21 } });
    expect(comm(sent.iopub, 'comm_msg').map((m) => m.content)).toEqual([{ comm_id: 'c-echo', data: { n: 42 } }]);
    await k.shell('comm_close', { comm_id: 'c-echo', data: {} });
    const all = (await k.shell('comm_info_request', {})).reply!.content.comms;
    expect(all['c-echo']).toBeUndefined();
    const r = await k.execute('seen');
    expect(ofType(r, 'execute_result')[0].content.data['text/plain']).toBe("[ 'open {\"hello\":1}', 'msg 21', 'closed' ]");
  });

  it('opens comms from the kernel, with binary buffers, and hears the front-end close them', async () => {
    const r = await k.execute(`
const c2 = kernel.comms.open('ganbook.test', { kind: 'bytes' }, {}, [new Uint8Array([1, 2, 3])]);
let closedBy = '';
c2.onClose((data: any) => { closedBy = data.who; });
c2.send({ step: 1 }, {}, [Buffer.from('hi')]);
c2.id`);
    const id = JSON.parse(ofType(r, 'execute_result')[0].content.data['text/plain'].replace(/'/g, '"'));
    const open = comm(r.iopub, 'comm_open')[0].content;
    expect(open).toMatchObject({ comm_id: id, target_name: 'ganbook.test', data: { kind: 'bytes' } });
    expect(comm(r.iopub, 'comm_msg')[0].content).toEqual({ comm_id: id, data: { step: 1 } });
    const info = await k.shell('comm_info_request', { target_name: 'ganbook.test' });
    expect(Object.keys(info.reply!.content.comms)).toEqual([id]);
    await k.shell('comm_close', { comm_id: id, data: { who: 'front-end' } });
    expect(ofType(await k.execute('closedBy'), 'execute_result')[0].content.data['text/plain']).toBe("'front-end'");
  });
});

describe('stdin', () => {
  it('prompt() sends input_request and resolves to the reply; password is passed on', async () => {
    const r = await k.execute("const who = await prompt('Your name: ');\nconst pin = await input('PIN: ', { password: true });\n`${who}/${pin}`", { allowStdin: true, inputs: ['Ada', '1234'] });
    expect(r.reply.content.status).toBe('ok');
    expect(r.stdin.map((m) => m.content)).toEqual([{ prompt: 'Your name: ', password: false }, { prompt: 'PIN: ', password: true }]);
    expect(ofType(r, 'execute_result')[0].content.data['text/plain']).toBe("'Ada/1234'");
  });

  it('fails clearly when the front-end does not accept input', async () => {
    const r = await k.execute("await prompt('x? ')", { allowStdin: false });
    expect(r.reply.content).toMatchObject({ status: 'error', ename: 'Error' });
    expect(r.reply.content.evalue).toMatch(/does not accept input \(allow_stdin is false/);
    expect(r.stdin).toHaveLength(0);
  });
});
