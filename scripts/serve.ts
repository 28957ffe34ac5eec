/**
 * `npm run serve -- --model <dir> [--host 127.0.0.1] [--port 8080] [--max-count 256] [--body-limit 16384]
 *   [--max-batch-size 64] [--batch-timeout-ms 2] [--max-queued-images 4096] [--timeout-ms 10000] [--replica <name>]
 *   [--drain-delay-ms 0] [--quiet]`
 *
 * Serves an exported generator: the HTTP API (`POST /v1/generate`, `GET /v1/model`, `/healthz`,
 * `/openapi.json`) and the browser demo at `/`. Binds 127.0.0.1 unless `--host` says otherwise;
 * `--port 0` picks a free port. Concurrent requests are batched (`--max-batch-size` images per
 * generator call, `--batch-timeout-ms` to wait for a batch to fill); past `--max-queued-images`
 * queued images or after `--timeout-ms`, requests get 503 with Retry-After (see docs/serving.md).
 * `--replica` names this process in the `x-ganbook-replica` header (default: its pid).
 * SIGINT/SIGTERM drain: answer 503 (also on /healthz) for `--drain-delay-ms` (default 0), stop
 * accepting, finish requests in flight, dispose the model and exit 0.
 */
import { startServer } from '../lib/serve/server';

interface Args {
  model?: string; host: string; port: number; maxCount?: number; bodyLimit?: number; quiet: boolean;
  maxBatchSize?: number; batchTimeoutMs?: number; maxQueuedImages?: number; timeoutMs?: number; replica?: string; drainDelayMs?: number;
}

function usage(msg: string): never {
  console.error(`${msg}\nUsage: npm run serve -- --model <dir> [--host 127.0.0.1] [--port 8080] [--max-count 256] [--body-limit 16384]`
    + '\n  [--max-batch-size 64] [--batch-timeout-ms 2] [--max-queued-images 4096] [--timeout-ms 10000] [--replica <name>] [--drain-delay-ms 0] [--quiet]');
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
      case '--max-batch-size': args.maxBatchSize = int('--max-batch-size', value(), 1, 4096); break;
      case '--batch-timeout-ms': args.batchTimeoutMs = int('--batch-timeout-ms', value(), 0, 10_000); break;
      case '--max-queued-images': args.maxQueuedImages = int('--max-queued-images', value(), 1, 1 << 20); break;
      case '--timeout-ms': args.timeoutMs = int('--timeout-ms', value(), 1, 3_600_000); break;
      case '--replica': args.replica = value(); break;
      case '--drain-delay-ms': args.drainDelayMs = int('--drain-delay-ms', value(), 0, 600_000); break;
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
    maxBatchSize: args.maxBatchSize, batchTimeoutMs: args.batchTimeoutMs, maxQueuedImages: args.maxQueuedImages,
    timeoutMs: args.timeoutMs, replica: args.replica, drainDelayMs: args.drainDelayMs, logger: !args.quiet,
  });
  console.log(`ganbook: serving ${args.model} at ${server.url} (demo: ${server.url}/, API: ${server.url}/openapi.json)`);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) {
      console.error(`ganbook: second ${signal}, exiting without waiting.`);
      process.exit(1);
    }
    closing = true;
    console.log(`ganbook: ${signal} received; draining (503 to new requests), finishing requests in flight...`);
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
