// The contract against the embedded aedes broker, plus what only the embedded broker can show:
// refusals it counts itself (client ids, packet size), logs without passwords, and TLS.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { EmbeddedLink } from '../../gateway/mqtt/embedded.ts';
import type { Site } from '../../edge/site/schema.ts';
import { requireProgram } from '../helpers/programs.ts';
import { linkContract } from './contract.ts';
import { Recorder, connackCode, connectDevice, makeSite, memoryLogger, passwordOf, sleep, waitFor } from './fixtures.ts';

const cli = requireProgram('mosquitto_pub', 'mosquitto-clients') && requireProgram('mosquitto_sub', 'mosquitto-clients');

linkContract('embedded aedes', async (site, o) => {
  const link = new EmbeddedLink({ site, logger: memoryLogger().logger, rateLimit: o.rateLimit, listen: { host: '127.0.0.1', port: 0 } });
  await link.start();
  return { link, port: link.address().port, close: () => link.stop() };
}, { cli, subackRefusals: true, countsBrokerRefusals: true });

describe('embedded broker', () => {
  let site: Site;
  let link: EmbeddedLink;
  let lines: string[];
  let port: number;
  let rec: Recorder;

  beforeAll(async () => {
    site = await makeSite();
    const m = memoryLogger();
    lines = m.lines;
    link = new EmbeddedLink({ site, logger: m.logger, listen: { host: '127.0.0.1', port: 0 }, maxPacketBytes: 64 * 1024 });
    await link.start();
    port = link.address().port;
    rec = new Recorder(link);
  });
  afterAll(() => link.stop());

  it('listens on an ephemeral port and reports it', () => {
    expect(port).toBeGreaterThan(0);
    expect(link.address().tlsPort).toBeUndefined();
  });

  it('refuses client ids that are not the device id or the device id and a suffix', async () => {
    expect(await connackCode(port, { id: 'portal-1', clientId: 'portal-1' })).toBe(0);
    expect(await connackCode(port, { id: 'portal-1', clientId: 'portal-1-gpio' })).toBe(0);
    expect(await connackCode(port, { id: 'portal-1', clientId: 'panel-2' })).toBe(2);
    expect(await connackCode(port, { id: 'portal-1', clientId: 'portal-1-' })).toBe(2);
    expect(await connackCode(port, { id: 'portal-1', clientId: 'portal-10' })).toBe(2);
    expect(await connackCode(port, { id: 'portal-1', clientId: `portal-1-${'x'.repeat(200)}` })).toBe(2);
    const s = link.stats();
    expect(s.refusals.bad_client_id).toBe(4);
    expect(s.perDevice['portal-1'].refused.bad_client_id).toBe(4);
  });

  it('cuts a packet over the size limit before buffering it, and counts it', async () => {
    const c = await connectDevice(port, { id: 'portal-3', clientId: 'portal-3-big' });
    c.on('error', () => {});
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    c.publish('rfid/portal-3/tevents', Buffer.alloc(65 * 1024, 0x41), { qos: 0 });
    await closed;
    expect(link.stats().perDevice['portal-3'].refused.payload_too_large).toBe(1);
    // A packet just under the limit goes through.
    const d = await connectDevice(port, { id: 'portal-3', clientId: 'portal-3-ok' });
    await d.publishAsync('rfid/portal-3/tevents', Buffer.alloc(60 * 1024, 0x42), { qos: 1 });
    await rec.message((m) => m.deviceId === 'portal-3' && m.payload.length === 60 * 1024);
    await d.endAsync();
  });

  it('tells connected and disconnected once per device, whatever the number of connections', async () => {
    const a = await connectDevice(port, { id: 'panel-2', clientId: 'panel-2-a' });
    const b = await connectDevice(port, { id: 'panel-2', clientId: 'panel-2-b' });
    await rec.state('panel-2', 'connected');
    await a.endAsync();
    await sleep(100);
    expect(rec.states.filter((s) => s.deviceId === 'panel-2').map((s) => s.state)).toEqual(['connected']);
    await b.endAsync();
    await rec.state('panel-2', 'disconnected');
    expect(rec.states.filter((s) => s.deviceId === 'panel-2').map((s) => s.state)).toEqual(['connected', 'disconnected']);
  });

  it('counts accepted messages per device and does not hear its own publishes', async () => {
    const before = link.stats().perDevice['panel-2'].accepted;
    const c = await connectDevice(port, { id: 'panel-2', clientId: 'panel-2-count' });
    for (let i = 0; i < 3; i++) await c.publishAsync('rfid/panel-2/tevents', `n${i}`, { qos: 1 });
    await link.publish('rfid/panel-2/tevents', 'from the gateway itself');
    await rec.message((m) => m.payload.toString() === 'n2');
    await sleep(50);
    expect(link.stats().perDevice['panel-2'].accepted).toBe(before + 3);
    expect(rec.messages.some((m) => m.payload.toString() === 'from the gateway itself')).toBe(false);
    await c.endAsync();
  });

  it('refuses a publish topic with wildcards from the gateway', async () => {
    await expect(link.publish('alarms/+/x', 'x')).rejects.toThrow(/not a topic/);
  });

  it('logs refusals but never a password', async () => {
    await connackCode(port, { id: 'portal-1', password: 'hunter2-secret' });
    await connackCode(port, { id: 'nobody', password: 'another-secret' });
    await waitFor(() => lines.some((l) => l.includes('unknown_device')), 2_000, 'the refusal to be logged');
    const all = lines.join('');
    expect(all).toContain('bad_password');
    for (const secret of ['hunter2-secret', 'another-secret', passwordOf('portal-1'), passwordOf('panel-2')]) {
      expect(all).not.toContain(secret);
    }
    for (const d of site.devices) if (d.passwordHash) expect(all).not.toContain(d.passwordHash);
  });
});

describe('embedded broker over TLS', () => {
  // A self-signed localhost certificate kept with the tests (tls/README.md): no openssl needed.
  const keyFile = fileURLToPath(new URL('./tls/key.pem', import.meta.url));
  const certFile = fileURLToPath(new URL('./tls/cert.pem', import.meta.url));
  const cert = readFileSync(certFile);
  let link: EmbeddedLink;

  beforeAll(async () => {
    const site = await makeSite({ mode: 'embedded', host: '127.0.0.1', port: 0, tls: { port: 0, keyFile, certFile } });
    link = new EmbeddedLink({ site, logger: memoryLogger().logger });
    await link.start();
  });
  afterAll(() => link?.stop());

  it('accepts devices on the TLS port with the same passwords', async () => {
    const { port, tlsPort } = link.address();
    expect(tlsPort).toBeGreaterThan(0);
    expect(tlsPort).not.toBe(port);
    const rec = new Recorder(link);
    const c = await mqtt.connectAsync(`mqtts://127.0.0.1:${tlsPort}`, {
      protocolVersion: 4, username: 'portal-1', password: passwordOf('portal-1'), clientId: 'portal-1-tls', ca: cert, reconnectPeriod: 0,
    });
    await c.publishAsync('rfid/portal-1/tevents', 'over tls', { qos: 1 });
    await rec.message((m) => m.payload.toString() === 'over tls');
    await c.endAsync();
  });

  it('drops a failed handshake without harm', async () => {
    const s = tlsConnect({ port: link.address().tlsPort!, host: '127.0.0.1', rejectUnauthorized: true });
    await new Promise((r) => s.once('error', r));
    expect(link.address().tlsPort).toBeGreaterThan(0);
  });
});
