// The contract against Debian's Mosquitto 2, configured with the password_file and acl_file the
// gateway writes from the site file, and the gateway as an external client of it.
import { describe, expect, it } from 'vitest';
import { ExternalLink } from '../../gateway/mqtt/external.ts';
import { requireProgram } from '../helpers/programs.ts';
import { linkContract } from './contract.ts';
import { GATEWAY_PASSWORD, GATEWAY_USER, Recorder, connectDevice, makeSite, memoryLogger, startMosquitto, sleep } from './fixtures.ts';

const broker = requireProgram('mosquitto', 'mosquitto');
// One line when nothing is installed: the clients are asked about only when the broker is there.
const cli = broker && requireProgram('mosquitto_pub', 'mosquitto-clients') && requireProgram('mosquitto_sub', 'mosquitto-clients');

describe.skipIf(!broker)('Mosquitto', () => {
  linkContract('external Mosquitto 2', async (site, o) => {
    const m = await startMosquitto(site);
    const link = new ExternalLink({
      site, logger: memoryLogger().logger, rateLimit: o.rateLimit,
      url: `mqtt://127.0.0.1:${m.port}`, username: GATEWAY_USER, password: GATEWAY_PASSWORD,
      backoff: { initialMs: 50, maxMs: 500 },
    });
    try {
      await link.start();
    } catch (e) {
      await m.stop();
      throw new Error(`${(e as Error).message}\n${m.log()}`);
    }
    return { link, port: m.port, close: async () => { await link.stop(); await m.stop(); } };
  }, { cli, subackRefusals: false, countsBrokerRefusals: false });

  describe('the external link', () => {
    it('refuses to start with a wrong gateway password', async () => {
      const site = await makeSite();
      const m = await startMosquitto(site);
      try {
        const link = new ExternalLink({ site, logger: memoryLogger().logger, url: `mqtt://127.0.0.1:${m.port}`, username: GATEWAY_USER, password: 'wrong', startTimeoutMs: 5_000 });
        await expect(link.start()).rejects.toThrow(/not authori[sz]ed|bad user/i);
      } finally {
        await m.stop();
      }
    });

    it('keeps its session: device messages sent while the gateway is away arrive when it is back', async () => {
      const site = await makeSite();
      const m = await startMosquitto(site);
      const make = () => new ExternalLink({ site, logger: memoryLogger().logger, url: `mqtt://127.0.0.1:${m.port}`, username: GATEWAY_USER, password: GATEWAY_PASSWORD });
      try {
        const first = make();
        await first.start();
        await first.stop();
        const d = await connectDevice(m.port, { id: 'portal-1' });
        await d.publishAsync('rfid/portal-1/tevents', 'while away', { qos: 1 });
        await d.endAsync();
        const second = make();
        const rec = new Recorder(second);
        await second.start();
        await rec.message((x) => x.payload.toString() === 'while away');
        await second.stop();
      } finally {
        await m.stop();
      }
    });

    it('reconnects with backoff after the broker restarts', async () => {
      const site = await makeSite();
      let m = await startMosquitto(site);
      const port = m.port;
      const { logger, lines } = memoryLogger();
      const link = new ExternalLink({ site, logger, url: `mqtt://127.0.0.1:${port}`, username: GATEWAY_USER, password: GATEWAY_PASSWORD, backoff: { initialMs: 50, maxMs: 400 } });
      const rec = new Recorder(link);
      await link.start();
      try {
        await m.stop();
        await sleep(300);
        m = await startMosquittoOn(site, port);
        const d = await connectDevice(port, { id: 'panel-2' });
        // The broker lost its (non-persistent) state: the link must have resubscribed.
        for (let i = 0; i < 50 && !rec.messages.length; i++) {
          await d.publishAsync('rfid/panel-2/tevents', 'after restart', { qos: 1 });
          await sleep(100);
        }
        await rec.message((x) => x.payload.toString() === 'after restart');
        await d.endAsync();
        expect(lines.some((l) => l.includes('reconnecting'))).toBe(true);
      } finally {
        await link.stop();
        await m.stop();
      }
    });
  });
});

/** Mosquitto again on a given port (the gateway's URL does not change across a broker restart). */
async function startMosquittoOn(site: Awaited<ReturnType<typeof makeSite>>, port: number) {
  for (let i = 0; i < 20; i++) {
    const m = await startMosquitto(site, port).catch(() => undefined);
    if (m) return m;
    await sleep(100);
  }
  throw new Error(`could not restart mosquitto on ${port}`);
}
