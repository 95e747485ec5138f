// The publisher of the portal benchmark, in its own process (its own core): one MQTT connection per
// target, publishing Zebra tag events (one read per message) as fast as the socket takes them, or at
// a fixed rate, at QoS 0 or QoS 1 (with at most `window` unacknowledged messages). The same code
// publishes to the bare aedes broker and to the gateway. Driven over IPC by portal.bench.ts.
import { ReadSchedule, rawConnect, writePublish, type RawClient } from './portal-mqtt.ts';

export interface Target { port: number; clientId: string; username?: string; password?: string; topic: string }

export type LoadCommand =
  | { cmd: 'start'; target: Target; qos: 0 | 1; window: number; ratePerSecond?: number;
      schedule: { groups: number; perGroup: number; passMs: number; epcOffset: number } }
  | { cmd: 'stop' }
  | { cmd: 'close' };

export type LoadMessage =
  | { type: 'started' }
  | { type: 'stopped'; sent: number; acked: number; ms: number; cpuMs: number; stalledMs: number; chunks: number }
  | { type: 'error'; message: string };

const send = (m: LoadMessage) => process.send!(m);

const BATCH = 64;
const clients = new Map<string, { client: RawClient; acked: number; chunks: number }>();

let running: { stop: () => Promise<LoadMessage> } | null = null;

async function clientFor(t: Target) {
  const key = `${t.port}/${t.clientId}`;
  let c = clients.get(key);
  if (!c) {
    const entry = { client: undefined as unknown as RawClient, acked: 0, chunks: 0 };
    entry.client = await rawConnect(t, (first) => {
      if (first >> 4 === 4) entry.acked++; // PUBACK
    });
    entry.client.socket.on('data', () => { entry.chunks++; });
    entry.client.socket.on('close', () => clients.delete(key));
    clients.set(key, entry);
    c = entry;
  }
  return c;
}

async function start(m: Extract<LoadCommand, { cmd: 'start' }>): Promise<void> {
  const entry = await clientFor(m.target);
  const sock = entry.client.socket;
  const topic = Buffer.from(m.target.topic, 'utf8');
  const schedule = new ReadSchedule(m.schedule.groups, m.schedule.perGroup, m.schedule.passMs, m.schedule.epcOffset);
  const out = Buffer.alloc(BATCH * 400);
  const acked0 = entry.acked;
  const chunks0 = entry.chunks;
  let sent = 0;
  let packetId = 0;
  let stopped = false;
  let stalledMs = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let wake: (() => void) | null = null;
  const wait = (why: 'drain' | 'ack' | 'rate') => new Promise<void>((resolve) => {
    const t = performance.now();
    const done = () => { wake = null; if (why !== 'rate') stalledMs += performance.now() - t; resolve(); };
    wake = done;
    if (why === 'drain') sock.once('drain', done);
    else setTimeout(done, why === 'ack' ? 1 : 2);
  });

  const loop = (async () => {
    while (!stopped && !sock.destroyed) {
      let n = BATCH;
      if (m.qos === 1) {
        const inflight = sent - (entry.acked - acked0);
        n = Math.min(n, m.window - inflight);
        if (n <= 0) { await wait('ack'); continue; }
      }
      if (m.ratePerSecond) {
        const due = Math.floor(((performance.now() - t0) * m.ratePerSecond) / 1000) - sent;
        n = Math.min(n, due);
        if (n <= 0) { await wait('rate'); continue; }
      }
      let at = 0;
      const now = Date.now();
      for (let i = 0; i < n; i++) {
        packetId = (packetId % 65535) + 1;
        at = writePublish(out, at, topic, schedule.next(now), m.qos, packetId);
      }
      sent += n;
      // write() copies nothing: hand it its own slice.
      const ok = sock.write(Buffer.from(out.subarray(0, at)));
      if (!ok) await wait('drain');
      else await new Promise<void>((r) => setImmediate(r)); // let IPC (stop) and acks in
    }
  })();

  running = {
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
      const cpu = process.cpuUsage(cpu0);
      return { type: 'stopped', sent, acked: entry.acked - acked0, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, stalledMs,
        chunks: entry.chunks - chunks0 };
    },
  };
}

process.on('message', async (m: LoadCommand) => {
  try {
    if (m.cmd === 'start') {
      await start(m);
      send({ type: 'started' });
    } else if (m.cmd === 'stop') {
      const r = running ? await running.stop() : { type: 'stopped' as const, sent: 0, acked: 0, ms: 0, cpuMs: 0, stalledMs: 0, chunks: 0 };
      running = null;
      send(r);
    } else if (m.cmd === 'close') {
      for (const c of clients.values()) c.client.socket.end();
      setTimeout(() => process.exit(0), 100);
    }
  } catch (e) {
    send({ type: 'error', message: (e as Error).stack ?? String(e) });
  }
});
