// The server side of the API benchmark, in its own process (its own core, and an RSS that is the
// gateway's alone): the real API (buildApi over a Custody on the generated folder) and, beside it,
// a bare fastify route answering a similar small JSON. Driven over IPC by api.bench.ts.
import Fastify from 'fastify';
import { Custody } from '../../edge/custody.ts';
import { buildApi } from '../../edge/api/server.ts';
import { ITEM_SELECT, itemToApi, type ItemRowWithCase } from '../../edge/items/item.ts';
import { BENCH_SITE_KEY, benchSite } from './site.ts';

export type ServerMessage =
  | { type: 'ready'; apiPort: number; barePort: number; openMs: number; rssBeforeOpen: number; rssAfterOpen: number }
  | { type: 'stats'; rss: number; heapUsed: number; cpuMs: number }
  | { type: 'error'; message: string };

export type ServerCommand = { cmd: 'stats' } | { cmd: 'close' };

const send = (m: ServerMessage) => process.send!(m);

async function main() {
  const dir = process.env.BENCH_DATA_DIR;
  if (!dir) throw new Error('BENCH_DATA_DIR is not set');
  const rssBeforeOpen = process.memoryUsage().rss;
  const t = performance.now();
  const custody = new Custody({ site: benchSite(dir), dataDir: dir, siteKey: BENCH_SITE_KEY });
  const api = await buildApi(custody, { logger: false });
  await api.listen({ host: '127.0.0.1', port: 0 });
  const openMs = performance.now() - t;

  // The bare route answers what the real one answers for one item, without auth, SQL or schemas.
  const row = custody.db.prepare(`${ITEM_SELECT} WHERE i.restricted = 0 LIMIT 1`).get() as ItemRowWithCase;
  const body = { data: [itemToApi(row)], nextCursor: null };
  const bare = Fastify();
  bare.get('/bare', async () => body);
  await bare.listen({ host: '127.0.0.1', port: 0 });

  const port = (a: { server: { address(): unknown } }) => (a.server.address() as { port: number }).port;
  send({ type: 'ready', apiPort: port(api), barePort: port(bare), openMs, rssBeforeOpen, rssAfterOpen: process.memoryUsage().rss });

  process.on('message', async (m: ServerCommand) => {
    if (m.cmd === 'stats') {
      const cpu = process.cpuUsage();
      send({ type: 'stats', rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed, cpuMs: (cpu.user + cpu.system) / 1000 });
    } else if (m.cmd === 'close') {
      await bare.close();
      await api.close();
      custody.close();
      process.exit(0);
    }
  });
}

main().catch((e: Error) => {
  send({ type: 'error', message: e.stack ?? e.message });
  process.exit(1);
});
