/**
 * `npm run bench [-- --json] [--only trainer,speed] [--steps N] [--rounds N] [--batch N] [...]`
 *
 * Runs bench sections: every `scripts/bench/<section>.ts` that exports
 * `run(opts) => Promise<Record<string, unknown>>` (add a file to add a section). `trainer` runs
 * first, the others in name order. Each section prints its own human-readable report; `--json`
 * prints one JSON object `{ machine, sections: { <name>: result } }` instead. All flags are passed
 * to every section (`json`, `batch`, `steps`, `rounds`, and any `--flag` as `flag: true`).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

type Section = { run(opts: Record<string, unknown>): Promise<Record<string, unknown>> };

function parseArgs(argv: string[]): { only: string[] | null; opts: Record<string, unknown> } {
  const opts: Record<string, unknown> = {};
  let only: string[] | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const key = a.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const next = argv[i + 1];
    if (key === 'only') { only = (next ?? '').split(',').filter(Boolean); i++; continue; }
    if (next !== undefined && !next.startsWith('--')) { opts[key] = Number.isNaN(Number(next)) ? next : Number(next); i++; } else opts[key] = true;
  }
  return { only, opts };
}

async function main(): Promise<void> {
  const { only, opts } = parseArgs(process.argv.slice(2));
  const dir = path.join(__dirname, 'bench');
  const names = fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => f.slice(0, -3))
    .sort((a, b) => (a === 'trainer' ? -1 : b === 'trainer' ? 1 : a.localeCompare(b)));
  const chosen = only ? names.filter((n) => only.includes(n)) : names;
  if (only && chosen.length !== only.length) {
    throw new Error(`Unknown bench section(s) ${only.filter((n) => !names.includes(n)).join(', ')}; available: ${names.join(', ')}.`);
  }
  const sections: Record<string, unknown> = {};
  for (const name of chosen) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require(path.join(dir, name)) as Partial<Section>;
    if (typeof mod.run !== 'function') continue;
    try {
      sections[name] = await mod.run(opts);
    } catch (err) {
      sections[name] = { error: (err as Error).message };
      if (!opts.json) console.error(`[${name}] failed: ${(err as Error).message}`);
    }
  }
  if (opts.json) {
    console.log(JSON.stringify({ machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, load: os.loadavg()[0], node: process.version }, sections }));
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
