/**
 * Bench section "kernel": how fast a fresh `ganbook` kernel is ready for work, through
 * jupyter_client (scripts/bench/python/kernel_timing.py, run with the project's .venv):
 * kernel start (launch → kernel_info_reply), the first `import … from './lib'` cell sent at once
 * and after a pause (`--kernel-pause`, default 5 s: a user reading or typing), trivial cells
 * (median / max of 8) and a later import cell. Each run is a fresh kernel. The anchor in the same
 * run is the same kernel on tslab's own compile path (`GANBOOK_KERNEL_FAST=0`: every dependency
 * type-checked and emitted at each cell), i.e. ganbook before the fast path.
 * Goals (issue 16, these 2 cores): start ≤ 2 s, first import ≤ 3 s, trivial ≤ 100 ms.
 *
 * Standalone: `ts-node --transpile-only scripts/bench/kernel.ts [--json] [--rounds N]`
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { venvBin, jupyterEnv } = require('../env') as { venvBin: string; jupyterEnv: (e?: Record<string, string>) => NodeJS.ProcessEnv };

export interface KernelBenchOptions { json?: boolean; rounds?: number; kernelPause?: number }

interface Timing {
  path: string; pause_s: number; start_ms: number; first_import_ms: number; first_import_status: string;
  trivial_median_ms: number; trivial_max_ms: number; later_import_ms: number; later_import_status: string;
}

function once(fast: boolean, pause: number): Timing {
  const r = spawnSync(path.join(venvBin, 'python'), [path.join(__dirname, 'python', 'kernel_timing.py'), '--pause', String(pause)], {
    cwd: root, encoding: 'utf8', timeout: 10 * 60e3,
    env: jupyterEnv({ GANBOOK_KERNEL_FAST: fast ? '1' : '0', TF_CPP_MIN_LOG_LEVEL: '2' }),
  });
  const line = (r.stdout || '').trim().split('\n').pop() || '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`kernel timing failed (exit ${r.status}):\n${(r.stderr || '').slice(-2000)}`);
  return { path: fast ? 'ganbook' : 'tslab path', ...JSON.parse(line) };
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

/** Runs the section; prints a report unless `json`. */
export async function run(opts: KernelBenchOptions = {}): Promise<Record<string, unknown>> {
  const rounds = Number(opts.rounds ?? 2), pause = Number(opts.kernelPause ?? 5);
  const runs: Timing[] = [];
  for (let i = 0; i < rounds; i++) {
    for (const [fast, p] of [[true, 0], [true, pause], [false, 0]] as const) {
      if (!opts.json) process.stderr.write(`[kernel] round ${i + 1}/${rounds}: ${fast ? 'ganbook' : 'tslab path'}, pause ${p} s...\n`);
      runs.push(once(fast, p));
    }
  }
  const rows = ['ganbook@0', `ganbook@${pause}`, 'tslab path@0'].map((key) => {
    const [p, s] = key.split('@');
    const rs = runs.filter((r) => r.path === p && r.pause_s === Number(s));
    const m = (k: keyof Timing) => median(rs.map((r) => r[k] as number));
    return {
      path: p, pause_s: Number(s), start_ms: m('start_ms'), first_import_ms: m('first_import_ms'),
      trivial_median_ms: m('trivial_median_ms'), trivial_max_ms: m('trivial_max_ms'), later_import_ms: m('later_import_ms'),
      statuses: [...new Set(rs.flatMap((r) => [r.first_import_status, r.later_import_status]))].join(','),
    };
  });
  const result = { rounds, pauseSeconds: pause, rows, runs, goals: { start_ms: 2000, first_import_ms: 3000, trivial_ms: 100 } };
  if (!opts.json) {
    console.log(`\nKernel readiness through jupyter_client, medians over ${rounds} fresh kernel(s) each; ms`);
    console.log('path          pause  start  first import  trivial (med/max)  later import  status');
    for (const r of rows) {
      console.log(`${r.path.padEnd(13)} ${String(r.pause_s).padStart(4)} s ${String(r.start_ms).padStart(6)} ${String(r.first_import_ms).padStart(13)} ${`${r.trivial_median_ms} / ${r.trivial_max_ms}`.padStart(18)} ${String(r.later_import_ms).padStart(13)}  ${r.statuses}`);
    }
    console.log('goals: start ≤ 2000, first import ≤ 3000, trivial ≤ 100 (issue 16)');
  }
  return result;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const num = (flag: string) => { const i = argv.indexOf(flag); return i >= 0 ? Number(argv[i + 1]) : undefined; };
  run({ json: argv.includes('--json'), rounds: num('--rounds'), kernelPause: num('--kernel-pause') })
    .then((r) => { if (argv.includes('--json')) console.log(JSON.stringify(r)); })
    .catch((e) => { console.error(e); process.exit(1); });
}
