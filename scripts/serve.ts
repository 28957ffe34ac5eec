/**
 * `npm run serve -- --model <dir> [--host 127.0.0.1] [--port 8080] [--max-count 256] [--body-limit 16384] [--quiet]`
 *
 * Serves an exported generator: the HTTP API (`POST /v1/generate`, `GET /v1/model`, `/healthz`,
 * `/openapi.json`) and the browser demo at `/`. Binds 127.0.0.1 unless `--host` says otherwise;
 * `--port 0` picks a free port. SIGINT/SIGTERM stop accepting, finish requests in flight,
 * dispose the model and exit.
 */
import { startServer } from '../lib/serve/server';

interface Args { model?: string; host: string; port: number; maxCount?: number; bodyLimit?: number; quiet: boolean }

function usage(msg: string): never {
  console.error(`${msg}\nUsage: npm run serve -- --model <dir> [--host 127.0.0.1] [--port 8080] [--max-count 256] [--body-limit 16384] [--quiet]`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { host: '127.0.0.1', port: 8080, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) usage(`Expected a value after ${flag}; got none.`);
      return v;
    };
    const int = (name: string, v: string, min: number, max: number) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) usage(`Expected ${name} to be an integer from ${min} to ${max}; got ${JSON.stringify(v)}.`);
      return n;
    };
    switch (flag) {
      case '--model': args.model = value(); break;
      case '--host': args.host = value(); break;
      case '--port': args.port = int('--port', value(), 0, 65535); break;
      case '--max-count': args.maxCount = int('--max-count', value(), 1, 4096); break;
      case '--body-limit': args.bodyLimit = int('--body-limit', value(), 256, 1 << 20); break;
      case '--quiet': args.quiet = true; break;
      case '--help': case '-h': usage('Serves an exported generator over HTTP.'); break;
      default: usage(`Unknown option ${JSON.stringify(argv[i])}.`);
    }
  }
  if (!args.model) usage('Expected --model <dir> (a folder written by exportGenerator); got none.');
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const server = await startServer({
    modelDir: args.model!, host: args.host, port: args.port, maxCount: args.maxCount, bodyLimit: args.bodyLimit,
    logger: !args.quiet,
  });
  console.log(`ganbook: serving ${args.model} at ${server.url} (demo: ${server.url}/, API: ${server.url}/openapi.json)`);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) {
      console.error(`ganbook: second ${signal}, exiting without waiting.`);
      process.exit(1);
    }
    closing = true;
    console.log(`ganbook: ${signal} received; finishing requests in flight...`);
    server.close().then(() => {
      console.log('ganbook: server closed, model disposed.');
      process.exit(0);
    }, (err: Error) => {
      console.error(`ganbook: error while closing: ${err.message}`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: Error) => {
  console.error(`ganbook serve: ${err.message}`);
  process.exit(1);
});
