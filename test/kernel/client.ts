/**
 * Test helper: a real `ganbook` kernel driven over the Jupyter protocol by jupyter_client
 * (test/kernel/kernel_bridge.py, run with the project's .venv and Jupyter environment).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import * as path from 'path';
import * as readline from 'readline';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { root, venvBin, jupyterEnv } = require('../../scripts/env') as { root: string; venvBin: string; jupyterEnv: (e?: Record<string, string>) => NodeJS.ProcessEnv };

export interface Msg { msg_type: string; parent_msg_id: string; header: Record<string, unknown>; content: Record<string, any>; metadata: Record<string, any>; buffers: string[] }
/** interruptAfter: seconds (counted from the first stdout containing interruptOn, if given); interruptBy: the kernelspec's interrupt_mode (jupyter_client) or an interrupt_request. */
export interface ExecOptions { allowStdin?: boolean; inputs?: string[]; interruptAfter?: number; interruptOn?: string; interruptBy?: 'kernelspec' | 'message'; stopOnError?: boolean; timeout?: number }
export interface ExecResult { reply: Msg; iopub: Msg[]; idle: boolean; stdin: Msg[] }
export interface ShellResult { reply: Msg | null; iopub: Msg[]; idle: boolean }

export class Kernel {
  private lines: AsyncIterableIterator<string>;
  private constructor(private proc: ChildProcessWithoutNullStreams, public stderr: string[]) {
    this.lines = readline.createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  }

  static async start(env: Record<string, string> = {}): Promise<Kernel> {
    const proc = spawn(path.join(venvBin, 'python'), [path.join(root, 'test', 'kernel', 'kernel_bridge.py')], {
      cwd: root, env: jupyterEnv({ GANBOOK_SMOKE: '1', ...env }),
    });
    const stderr: string[] = [];
    proc.stderr.on('data', (d) => stderr.push(String(d)));
    const k = new Kernel(proc, stderr);
    const first = await k.lines.next();
    if (first.done || !JSON.parse(first.value).ready) throw new Error(`kernel did not start:\n${stderr.join('')}`);
    return k;
  }

  private async call(cmd: object): Promise<any> {
    this.proc.stdin.write(`${JSON.stringify(cmd)}\n`);
    const line = await this.lines.next();
    if (line.done) throw new Error(`bridge exited:\n${this.stderr.join('')}`);
    return JSON.parse(line.value).result;
  }

  /** Sends all codes at once (later ones queue behind earlier ones); one result per code. */
  executeAll(codes: string[], opts: ExecOptions = {}): Promise<ExecResult[]> {
    return this.call({
      op: 'execute', codes, timeout: opts.timeout ?? 60, interrupt_by: opts.interruptBy ?? 'kernelspec',
      ...(opts.interruptAfter != null ? { interrupt_after: opts.interruptAfter } : {}),
      ...(opts.interruptOn != null ? { interrupt_on: opts.interruptOn } : {}),
      ...(opts.stopOnError != null ? { stop_on_error: opts.stopOnError } : {}),
      ...(opts.allowStdin != null ? { allow_stdin: opts.allowStdin } : {}),
      ...(opts.inputs ? { inputs: opts.inputs } : {}),
    });
  }

  /** iopub messages of any parent, until a comm_msg for `untilComm` arrives (or `timeout` s). */
  iopub(untilComm?: string, timeout = 10): Promise<Msg[]> {
    return this.call({ op: 'iopub', ...(untilComm ? { until_comm: untilComm } : {}), timeout });
  }

  /** Sends any shell message (comm_open, comm_msg, comm_info_request, ...); buffers in base64. */
  shell(msgType: string, content: Record<string, unknown>, buffers: string[] = []): Promise<ShellResult> {
    return this.call({ op: 'shell', msg_type: msgType, content, buffers });
  }

  async execute(code: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return (await this.executeAll([code], opts))[0];
  }

  request(type: 'kernel_info' | 'history' | 'complete' | 'inspect' | 'is_complete', args: Record<string, unknown> = {}): Promise<Msg> {
    return this.call({ op: 'request', type, args });
  }

  async shutdown(): Promise<void> {
    try { await Promise.race([this.call({ op: 'shutdown' }), new Promise((r) => setTimeout(r, 10000))]); } finally { this.proc.kill(); }
  }
}

/** iopub messages of one type. */
export function ofType(r: ExecResult, type: string): Msg[] {
  return r.iopub.filter((m) => m.msg_type === type);
}

/** All stream text of a result, by stream name. */
export function streamText(r: ExecResult, name: 'stdout' | 'stderr' = 'stdout'): string {
  return ofType(r, 'stream').filter((m) => m.content.name === name).map((m) => m.content.text).join('');
}
