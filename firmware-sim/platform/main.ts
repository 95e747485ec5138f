// The simulated city platform as a process of its own (the demo's, or a bench's):
// `tsx firmware-sim/platform/main.ts --seed FILE --db FILE [--port N] [--exit-with-parent]`.
// stdout carries one line once it listens: `[platform-sim] listening on http://127.0.0.1:PORT` (the
// real port when --port 0). Refusals are logged to stderr, one short line each; secrets never are.
import { stopOnce } from '../parent.ts';
import { loadSeed } from './seed.ts';
import { startPlatform } from './server.ts';

const log = (m: string) => process.stderr.write(`[platform-sim] ${m}\n`);
const USAGE = 'usage: tsx firmware-sim/platform/main.ts --seed FILE --db FILE [--port N] [--exit-with-parent]';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value\n${USAGE}`);
  return v;
}

async function main() {
  const seedFile = arg('--seed');
  const dbFile = arg('--db');
  if (!seedFile || !dbFile) throw new Error(USAGE);
  const portArg = arg('--port') ?? '0';
  const port = Number(portArg);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${portArg} is not a port\n${USAGE}`);
  const seed = loadSeed(seedFile);
  let halt: () => Promise<unknown> = async () => undefined;
  stopOnce(log, () => halt(), 3_000);
  const platform = await startPlatform({
    port,
    host: '127.0.0.1',
    dbFile,
    seed,
    onRefusal: (r) => log(`refused ${r.route} site=${r.siteId || '-'}: ${r.status} ${r.code}${r.reason ? ` (${r.reason})` : ''}: ${r.message}`),
  });
  halt = () => platform.close();
  process.stdout.write(`[platform-sim] listening on ${platform.url}\n`);
}

main().catch((e: unknown) => {
  log(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
