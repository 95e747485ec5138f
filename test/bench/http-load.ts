// A small closed-loop HTTP/1.1 load generator over raw keep-alive sockets (no dependency, and
// lighter than node:http so that the client is not what limits a bare fastify route): `concurrency`
// connections, each sending its next request as soon as the previous answer is complete.
import net from 'node:net';
import { percentiles, type Latency } from './report.ts';

export interface LoadOptions {
  port: number;
  host?: string;
  /** The path of each request (called once per request). */
  path: () => string;
  headers?: Record<string, string>;
  concurrency: number;
  /** Stop after this long, or after `requests` answers, whichever comes first. */
  durationMs?: number;
  requests?: number;
}

export interface LoadResult {
  requests: number;
  /** Answers whose status was not 2xx. */
  non2xx: number;
  firstNon2xx: string | null;
  durationMs: number;
  rps: number;
  latency: Latency;
  /** Every answer's latency in ms, in order of arrival. */
  samples: number[];
  /** CPU the client itself used, as a share of one core: near 1 means the client may be the limit. */
  clientCpu: number;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const host = o.host ?? '127.0.0.1';
  const extra = Object.entries(o.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  const request = (p: string) => Buffer.from(`GET ${p} HTTP/1.1\r\nHost: ${host}:${o.port}\r\n${extra}Connection: keep-alive\r\n\r\n`, 'latin1');
  const samples: number[] = [];
  let non2xx = 0;
  let firstNon2xx: string | null = null;
  let issued = 0;
  const limit = o.requests ?? Infinity;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const deadline = started + (o.durationMs ?? 3_600_000);

  const connection = () => new Promise<void>((resolve, reject) => {
    const sock = net.connect(o.port, host);
    sock.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    let sentAt = 0;
    let need = -1;
    let status = 0;
    let done = false;
    const finish = () => { if (!done) { done = true; sock.end(); resolve(); } };
    const send = () => {
      if (issued >= limit || performance.now() >= deadline) return finish();
      issued++;
      sentAt = performance.now();
      sock.write(request(o.path()));
    };
    sock.on('connect', send);
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (!done) {
        if (need < 0) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          const head = buf.toString('latin1', 0, end);
          status = Number(head.slice(9, 12));
          const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
          if (!m) return reject(new Error(`an answer without content-length: ${head.split('\r\n')[0]}`));
          need = end + 4 + Number(m[1]);
        }
        if (buf.length < need) return;
        samples.push(performance.now() - sentAt);
        if (status < 200 || status > 299) {
          non2xx++;
          firstNon2xx ??= `${status} ${buf.toString('utf8', 0, Math.min(need, 400))}`;
        }
        buf = buf.subarray(need);
        need = -1;
        send();
        if (!buf.length) return;
      }
    });
    sock.on('error', (e) => (done ? resolve() : reject(e)));
    sock.on('close', () => { if (!done) reject(new Error('the server closed the connection')); });
  });

  await Promise.all(Array.from({ length: o.concurrency }, connection));
  const durationMs = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  return {
    requests: samples.length, non2xx, firstNon2xx, durationMs, rps: (samples.length / durationMs) * 1000,
    latency: percentiles(samples), samples, clientCpu: (cpu.user + cpu.system) / 1000 / durationMs,
  };
}

/** One request, its status and parsed JSON body (for sanity checks before a load). */
export async function getJson(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  return { status: res.status, body: await res.json() };
}

/** Several runs taken as one: requests and time add up, percentiles over all their samples. */
export function mergeLoads(runs: LoadResult[]): LoadResult {
  const samples = runs.flatMap((r) => r.samples);
  const durationMs = runs.reduce((s, r) => s + r.durationMs, 0);
  return {
    requests: samples.length, non2xx: runs.reduce((s, r) => s + r.non2xx, 0), firstNon2xx: runs.find((r) => r.firstNon2xx)?.firstNon2xx ?? null,
    durationMs, rps: (samples.length / durationMs) * 1000, latency: percentiles(samples), samples,
    clientCpu: runs.reduce((s, r) => s + r.clientCpu * r.durationMs, 0) / durationMs,
  };
}
