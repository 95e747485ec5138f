// The one contract every BrokerLink keeps, run against the embedded aedes broker
// (embedded.test.ts) and a real Mosquitto with the files the gateway writes (mosquitto.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import type { Site } from '../../edge/site/schema.ts';
import type { BrokerLink, RateLimit } from '../../gateway/mqtt/link.ts';
import {
  Recorder, SITE_ID, connackCode, connectDevice, makeSite, mosquittoPub, mosquittoSub, sleep, subscribeGranted, waitFor,
} from './fixtures.ts';

export interface LinkUnderTest {
  link: BrokerLink;
  /** Where devices connect. */
  port: number;
  close(): Promise<void>;
}

export type MakeLink = (site: Site, o: { rateLimit?: RateLimit }) => Promise<LinkUnderTest>;

export interface ContractOptions {
  /** Are mosquitto_pub and mosquitto_sub on PATH? (requireProgram) */
  cli: boolean;
  /** Does the broker answer a refused SUBSCRIBE with 0x80? aedes does; Mosquitto 2.0's acl_file grants it and filters delivery. */
  subackRefusals: boolean;
  /** Does stats() see refusals the broker makes (passwords, ACL)? Only when the broker is ours. */
  countsBrokerRefusals: boolean;
}

export function linkContract(name: string, makeLink: MakeLink, options: ContractOptions): void {
  describe(`BrokerLink contract: ${name}`, () => {
    let site: Site;
    let under: LinkUnderTest;
    let link: BrokerLink;
    let rec: Recorder;
    const clients: MqttClient[] = [];
    const device = async (o: Parameters<typeof connectDevice>[1]) => {
      const c = await connectDevice(under.port, o);
      clients.push(c);
      return c;
    };
    const tagTopic = (id: string) => `rfid/${id}/tevents`;

    beforeAll(async () => {
      site = await makeSite();
      under = await makeLink(site, {});
      link = under.link;
      rec = new Recorder(link);
    });

    afterAll(async () => {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
      await under?.close();
    });

    it('delivers a device publish on its own topic, with its device id and kind (mqtt.js)', async () => {
      const c = await device({ id: 'portal-1' });
      const body = JSON.stringify({ type: 'SIMPLE', data: { idHex: '7EDA9038051002710002C0AE', antenna: 1 } });
      await c.publishAsync(tagTopic('portal-1'), body, { qos: 1 });
      await c.publishAsync('rfid/portal-1/mevents', '{"type":"heartbeat"}', { qos: 0 });
      const m = await rec.message((x) => x.topic === tagTopic('portal-1') && x.payload.toString() === body);
      expect(m.deviceId).toBe('portal-1');
      expect(m.kind).toBe('tagEvents');
      expect(Buffer.isBuffer(m.payload)).toBe(true);
      expect(m.receivedAt).toBeGreaterThan(Date.now() - 10_000);
      const h = await rec.message((x) => x.topic === 'rfid/portal-1/mevents');
      expect(h).toMatchObject({ deviceId: 'portal-1', kind: 'managementEvents' });
    });

    it.skipIf(!options.cli)('delivers a publish from mosquitto_pub; refuses wrong and unknown credentials', async () => {
      const ok = await mosquittoPub(under.port, { id: 'panel-2', topic: 'rfid/panel-2/mrsp', message: '{"command":"set_gpo","command_id":"c1","response":"success"}' });
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      const m = await rec.message((x) => x.topic === 'rfid/panel-2/mrsp');
      expect(m).toMatchObject({ deviceId: 'panel-2', kind: 'responses' });

      const bad = await mosquittoPub(under.port, { id: 'panel-2', password: 'wrong', topic: 'rfid/panel-2/tevents', message: 'x' });
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/not authori[sz]ed|bad user name or password/i);
      const unknown = await mosquittoPub(under.port, { id: 'ghost', password: 'whatever', topic: 'rfid/ghost/tevents', message: 'x' });
      expect(unknown.code).not.toBe(0);
      await sleep(100);
      expect(rec.messages.some((x) => x.payload.toString() === 'x')).toBe(false);
    });

    it('refuses a wrong password, an unknown device and a device without a password', async () => {
      expect([4, 5]).toContain(await connackCode(under.port, { id: 'portal-1', password: 'not it' }));
      expect([4, 5]).toContain(await connackCode(under.port, { id: 'portal-1', password: '' }));
      expect([4, 5]).toContain(await connackCode(under.port, { id: 'intruder', password: 'x' }));
      expect([4, 5]).toContain(await connackCode(under.port, { id: 'nopass', password: 'anything' }));
      if (options.countsBrokerRefusals) {
        const s = link.stats();
        expect(s.refusals.bad_password).toBeGreaterThanOrEqual(3);
        expect(s.refusals.unknown_device).toBeGreaterThanOrEqual(1);
        expect(s.perDevice['portal-1'].refused.bad_password).toBeGreaterThanOrEqual(2);
        expect(s.perDevice.intruder).toBeUndefined();
      }
    });

    it('does not deliver a publish on another device\'s topic', async () => {
      const forger = await device({ id: 'portal-1', clientId: 'portal-1-forger' });
      forger.on('error', () => {});
      forger.publish(tagTopic('panel-2'), 'forged', { qos: 0 });
      forger.publish('alarms/site-1/a1', 'forged alarm', { qos: 0 });
      await sleep(300);
      const honest = await device({ id: 'panel-2', clientId: 'panel-2-honest' });
      await honest.publishAsync(tagTopic('panel-2'), 'genuine', { qos: 1 });
      await rec.message((x) => x.payload.toString() === 'genuine');
      expect(rec.messages.filter((x) => x.payload.toString().startsWith('forged'))).toEqual([]);
      if (options.countsBrokerRefusals) {
        expect(link.stats().perDevice['portal-1'].refused.foreign_topic_publish).toBeGreaterThanOrEqual(1);
      }
    });

    it('keeps restricted alarms from an uncleared device, but gives it the site\'s alarms', async () => {
      const c = await device({ id: 'portal-1', clientId: 'portal-1-alarms' });
      const got: string[] = [];
      c.on('message', (t, p) => got.push(`${t} ${p}`));
      const filters = [`alarms/${SITE_ID}/restricted/+`, `alarms/${SITE_ID}/+`, 'alarms/#', `alarms/${SITE_ID}/#`, '#', '+/+/+/+'];
      const granted = await subscribeGranted(c, filters, 1);
      if (options.subackRefusals) {
        expect(granted).toEqual([128, 1, 128, 128, 128, 128]);
        if (options.countsBrokerRefusals) expect(link.stats().perDevice['portal-1'].refused.foreign_topic_subscribe).toBeGreaterThanOrEqual(5);
      }
      // Same publisher, same subscriber: a1 arrives after r1 would have.
      await link.publish(`alarms/${SITE_ID}/restricted/r1`, 'restricted alarm');
      await link.publish(`alarms/${SITE_ID}/a1`, 'ordinary alarm');
      await waitFor(() => got.includes(`alarms/${SITE_ID}/a1 ordinary alarm`), 5_000, 'the ordinary alarm');
      await sleep(100);
      expect(got.filter((x) => x.includes('restricted'))).toEqual([]);
      // Whatever the broker granted, the ordinary alarm reaches it once per matching filter at most.
      expect(got.filter((x) => x.includes('ordinary')).length).toBeGreaterThanOrEqual(1);
    });

    it('gives a cleared device the restricted alarms', async () => {
      const c = await device({ id: 'panel-2', clientId: 'panel-2-alarms' });
      const got: string[] = [];
      c.on('message', (t, p) => got.push(`${t} ${p}`));
      expect(await subscribeGranted(c, `alarms/${SITE_ID}/restricted/+`)).toEqual([1]);
      await link.publish(`alarms/${SITE_ID}/restricted/r2`, 'vault door open');
      await waitFor(() => got.includes(`alarms/${SITE_ID}/restricted/r2 vault door open`), 5_000, 'the restricted alarm');
    });

    it('brings the gateway\'s commands to the device (mqtt.js)', async () => {
      const c = await device({ id: 'portal-1', clientId: 'portal-1-cmds' });
      const got: string[] = [];
      c.on('message', (t, p) => got.push(`${t} ${p}`));
      expect(await subscribeGranted(c, 'rfid/portal-1/mcmds')).toEqual([1]);
      const other = await subscribeGranted(c, 'rfid/panel-2/mcmds');
      if (options.subackRefusals) expect(other).toEqual([128]);
      const cmd = JSON.stringify({ command: 'set_gpo', command_id: 'k1', payload: { port: 1, state: true } });
      await link.publish('rfid/panel-2/mcmds', 'not for portal-1');
      await link.publish('rfid/portal-1/mcmds', cmd, { qos: 1 });
      await waitFor(() => got.includes(`rfid/portal-1/mcmds ${cmd}`), 5_000, 'the command');
      expect(got.some((x) => x.includes('not for portal-1'))).toBe(false);
    });

    it.skipIf(!options.cli)('brings the gateway\'s commands to mosquitto_sub', async () => {
      const sub = mosquittoSub(under.port, { id: 'portal-3', topics: ['rfid/portal-3/mcmds'] });
      try {
        await sub.subscribed;
        await link.publish('rfid/portal-3/mcmds', '{"command":"get_version","command_id":"v1"}');
        await waitFor(() => sub.received.includes('rfid/portal-3/mcmds {"command":"get_version","command_id":"v1"}'), 5_000, 'mosquitto_sub to print the command');
      } finally {
        sub.stop();
      }
    });

    it('reports a device\'s will when it drops off the network', async () => {
      const c = await connectDevice(under.port, {
        id: 'portal-3',
        clientId: 'portal-3-will',
        will: { topic: 'rfid/portal-3/mevents', payload: Buffer.from('{"type":"will","status":"offline"}'), qos: 1, retain: false },
      });
      c.on('error', () => {});
      await c.publishAsync('rfid/portal-3/mevents', '{"type":"heartbeat"}', { qos: 1 });
      await rec.state('portal-3', 'connected');
      c.stream.destroy(); // no DISCONNECT: the broker publishes the will
      const w = await rec.state('portal-3', 'will');
      expect(w.at).toBeGreaterThan(0);
      const m = await rec.message((x) => x.deviceId === 'portal-3' && x.payload.toString().includes('"will"'));
      expect(m.kind).toBe('managementEvents');
    });

    it('survives a flood of 10,000 messages from one device and still hears the others', async () => {
      const floodSite = await makeSite();
      const u = await makeLink(floodSite, { rateLimit: { perSecond: 1_000, burst: 1_000 } });
      const r = new Recorder(u.link);
      const flooder = await connectDevice(u.port, { id: 'flooder' });
      const calm = await connectDevice(u.port, { id: 'portal-1', clientId: 'portal-1-calm' });
      try {
        const started = Date.now();
        for (let i = 0; i < 10_000; i++) flooder.publish(tagTopic('flooder'), `{"n":${i}}`, { qos: 0 });
        await calm.publishAsync(tagTopic('portal-1'), 'still here', { qos: 1 });
        await r.message((x) => x.payload.toString() === 'still here', 10_000);
        // Let the flood drain through the broker and the link.
        await waitFor(() => {
          const s = u.link.stats();
          const f = s.perDevice.flooder;
          return f.accepted + (f.refused.rate_limited ?? 0) >= 10_000 || undefined;
        }, 15_000, 'the flood to be counted').catch(() => undefined);
        const elapsed = (Date.now() - started) / 1000;
        const s = u.link.stats();
        expect(s.refusals.rate_limited).toBeGreaterThan(0);
        expect(s.perDevice.flooder.refused.rate_limited).toBe(s.refusals.rate_limited);
        expect(s.perDevice.flooder.accepted).toBeLessThanOrEqual(1_000 + 1_000 * elapsed + 10);
        expect(s.perDevice['portal-1'].accepted).toBe(1);
        expect(s.perDevice['portal-1'].refused.rate_limited ?? 0).toBe(0);
        // And the link still works afterwards.
        await calm.publishAsync(tagTopic('portal-1'), 'after the flood', { qos: 1 });
        await r.message((x) => x.payload.toString() === 'after the flood', 5_000);
      } finally {
        await flooder.endAsync(true).catch(() => {});
        await calm.endAsync(true).catch(() => {});
        await u.close();
      }
    });
  });
}
