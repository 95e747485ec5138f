// 11. An OPC UA value change to an `environment` alarm on the SSE stream: a simulated monitoring
// cabinet (firmware-sim/opcua, a real node-opcua server) raises its smoke detector; the demo gateway
// (its OPC UA link, pipeline, environment rule, alarm, stream) tells the dashboards. The raw limit:
// the same change reaching a bare node-opcua client subscription to the same node with the same
// sampling and publishing intervals, in the same rounds. Smoke alarms at once, so no delay is waited.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Gateway } from '../../gateway/gateway.ts';
import { resolveSite } from '../../gateway/site.ts';
import { createLogger } from '../../gateway/log.ts';
import { OpcuaMonitorSim } from '../../firmware-sim/opcua/server.ts';
import { QUICK } from './config.ts';
import { Recorder, percentiles, type Figure } from './report.ts';

const ROUNDS = Number(process.env.BENCH_OPCUA_ROUNDS ?? (QUICK ? 20 : 100));
const INTERVAL_MS = 50;
export const name = 'opcua';
export const description = `${ROUNDS} OPC UA smoke alarms from the value change to the SSE stream, vs a bare node-opcua subscription`;

const waitUntil = async (f: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
};

export async function run(): Promise<Figure[]> {
  const rec = new Recorder(name);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-opcua-'));
  const sim = new OpcuaMonitorSim({ pkiDir: path.join(dir, 'sim-pki'), monitors: ['Bench'], walkMs: 0, security: ['None'] });
  await sim.start();
  const resolved = await resolveSite([], { ...process.env, GATEWAY_DATA_DIR: path.join(dir, 'gw') });
  resolved.site.devices = resolved.site.devices.filter((d) => d.protocol !== 'opcua');
  resolved.site.devices.push({
    id: 'opcua-bench', kind: 'env_monitor', protocol: 'opcua', heartbeatSeconds: 30, antennas: [], topics: {}, clearances: [],
    opcua: {
      endpoint: sim.endpoint, securityMode: 'None', securityPolicy: 'None', samplingMs: INTERVAL_MS, publishingMs: INTERVAL_MS,
      watchdog: { resubscribeSeconds: 30, offlineSeconds: 90 }, values: [{ nodeId: sim.nodeId('Smoke'), zoneId: 'hazardous', metric: 'smoke' }],
    },
  } as (typeof resolved.site.devices)[number]);
  const zone = resolved.site.zones.find((z) => z.id === 'hazardous')!;
  zone.environment = { ...zone.environment, delaySeconds: 0 };
  const gw = new Gateway({ resolved, logger: createLogger('warn'), httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, simulate: false });
  const { url } = await gw.start();
  const ua = await import('node-opcua');
  const client = ua.OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 3, initialDelay: 200 } });
  const seen = { gateway: [] as { state: string; at: number }[], bare: [] as { v: boolean; at: number }[] };
  let stream: http.ClientRequest | null = null;
  try {
    // The stream as a dashboard reads it.
    stream = await new Promise<http.ClientRequest>((resolve, reject) => {
      const req = http.request(`${url}/api/v1/stream`, { headers: { Authorization: 'Bearer demo-supervisor', Accept: 'text/event-stream' } }, (res) => {
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const at = performance.now();
          buf += chunk;
          let end: number;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (/^event: alarm$/m.test(block) && data) {
              const a = JSON.parse(data) as { kind: string; zoneId: string | null; state: string };
              if (a.kind === 'environment' && a.zoneId === 'hazardous') seen.gateway.push({ state: a.state, at });
            }
          }
        });
        resolve(req);
      });
      req.on('error', reject);
      req.end();
    });
    // The bare subscription.
    await client.connect(sim.endpoint);
    const session = await client.createSession();
    const sub = await session.createSubscription2({ requestedPublishingInterval: INTERVAL_MS, requestedMaxKeepAliveCount: 20, requestedLifetimeCount: 600, publishingEnabled: true });
    const item = await sub.monitor({ nodeId: sim.nodeId('Smoke'), attributeId: ua.AttributeIds.Value }, { samplingInterval: INTERVAL_MS, queueSize: 10, discardOldest: true }, ua.TimestampsToReturn.Both);
    item.on('changed', (dv) => seen.bare.push({ v: dv.value.value === true, at: performance.now() }));
    await waitUntil(() => gw.custody.environment.readings('hazardous').some((r) => r.deviceId === 'opcua-bench'), 30_000);

    const gatewayMs: number[] = [];
    const bareMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const g = seen.gateway.length;
      const b = seen.bare.length;
      const t0 = performance.now();
      sim.set('Smoke', true);
      await waitUntil(() => seen.gateway.slice(g).some((x) => x.state === 'open') && seen.bare.slice(b).some((x) => x.v));
      gatewayMs.push(seen.gateway.slice(g).find((x) => x.state === 'open')!.at - t0);
      bareMs.push(seen.bare.slice(b).find((x) => x.v)!.at - t0);
      const g2 = seen.gateway.length;
      sim.set('Smoke', false);
      await waitUntil(() => seen.gateway.slice(g2).some((x) => x.state === 'resolved'));
      await new Promise((r) => setTimeout(r, 20));
    }
    await session.close();
    const gl = percentiles(gatewayMs);
    const bl = percentiles(bareMs);
    rec.log(`gateway p50 ${gl.p50.toFixed(0)} ms, p99 ${gl.p99.toFixed(0)} ms; bare subscription p50 ${bl.p50.toFixed(0)} ms, p99 ${bl.p99.toFixed(0)} ms (sampling and publishing every ${INTERVAL_MS} ms)`);
    return [rec.add({
      name: 'OPC UA smoke → environment alarm on SSE, p99', value: gl.p99, unit: 'ms', better: 'lower',
      raw: { name: 'the same change at a bare node-opcua subscription, p99', value: bl.p99 },
      note: `${ROUNDS} rounds; p50 ${gl.p50.toFixed(0)} vs ${bl.p50.toFixed(0)} ms`,
    })];
  } finally {
    stream?.destroy();
    await client.disconnect().catch(() => undefined);
    await gw.stop();
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
