// The one contract every device link keeps (gateway/links/link.ts), run against each transport:
// MQTT readers on the embedded broker, an R2000 shelf reader over a serial device server (TCP) and
// over a real pseudo-terminal from socat. Each harness makes its real device (an MQTT client, the
// firmware simulator) say a tag, send garbage, go away and come back; the suite asserts what the
// pipeline relies on, whatever the transport.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceLink, DeviceReport, DeviceState } from '../../gateway/links/link.ts';
import { waitFor } from '../mqtt/fixtures.ts';

export interface LinkHarness {
  link: DeviceLink;
  deviceId: string;
  /** The device has this tag in view (a read, or a tag on the shelf antenna). */
  showTag(epc: string): Promise<void>;
  hideTag(epc: string): Promise<void>;
  /** Bytes or a payload that are no frame or message of its protocol. */
  sendGarbage(): Promise<void>;
  /** Every rejection the link counted for the device or its line, summed. */
  rejections(): number;
  unplug(): Promise<void>;
  replug(): Promise<void>;
  close(): Promise<void>;
}

/** EPCs a report says the device sees now, whatever its kind. */
export function epcsOf(r: DeviceReport): string[] {
  return [...(r.decoded?.tags.map((t) => t.epc) ?? []), ...(r.rounds?.flatMap((x) => x.epcs) ?? []), ...(r.desk?.epcs ?? [])];
}

export function deviceLinkContract(name: string, make: () => Promise<LinkHarness>): void {
  describe(`device-link contract: ${name}`, () => {
    let h: LinkHarness;
    const reports: DeviceReport[] = [];
    const states: { id: string; state: DeviceState }[] = [];
    const EPC = '3074257BF7194E4000001A85';

    beforeAll(async () => {
      h = await make();
      h.link.onReport((r) => reports.push(r));
      h.link.onDeviceState((id, state) => states.push({ id, state }));
      await h.link.start();
    }, 20_000);
    afterAll(async () => { await h?.link.stop(); await h?.close(); });

    it('carries its device and says where it goes', () => {
      expect(h.link.deviceIds()).toContain(h.deviceId);
      const s = h.link.status();
      expect(s.id).toBe(h.link.id);
      expect(s.target.length).toBeGreaterThan(0);
      expect(['starting', 'open']).toContain(s.state);
    });

    it('reports the tag its device sees, attributed to the device, on the gateway\'s clock', async () => {
      const before = Date.now();
      await h.showTag(EPC);
      const r = await waitFor(() => reports.find((x) => x.deviceId === h.deviceId && epcsOf(x).includes(EPC)), 10_000, 'a report with the tag');
      expect(r.receivedAt).toBeGreaterThanOrEqual(before - 1);
      expect(r.receivedAt).toBeLessThanOrEqual(Date.now());
      expect(h.link.status().state).toBe('open');
      expect(h.link.status().bytesIn).toBeGreaterThan(0);
      expect(h.link.status().frames).toBeGreaterThan(0);
    });

    it('counts garbage with a reason, invents no tag from it and keeps reporting', async () => {
      await h.hideTag(EPC);
      const before = h.rejections();
      await h.sendGarbage();
      await waitFor(() => h.rejections() > before, 10_000, 'the garbage counted');
      const n = reports.length;
      const OTHER = 'E2801160600002084C2AF7D1';
      await h.showTag(OTHER);
      const r = await waitFor(() => reports.slice(n).find((x) => epcsOf(x).includes(OTHER)), 10_000, 'a good report after garbage');
      expect(epcsOf(r).every((e) => e === OTHER || e === EPC)).toBe(true);
    });

    it('tells its device disconnected when it goes away, and reports again once it is back', async () => {
      await h.unplug();
      await waitFor(() => states.some((s) => s.id === h.deviceId && s.state !== 'connected'), 15_000, 'the device told disconnected');
      const n = reports.length;
      await h.replug();
      await waitFor(() => reports.slice(n).some((x) => x.deviceId === h.deviceId && epcsOf(x).length > 0), 10_000, 'reports after the replug');
      expect(h.link.status().state).toBe('open');
    }, 30_000);

    it('stops cleanly: no report after stop, and a second stop is harmless', async () => {
      await h.link.stop();
      const n = reports.length;
      await new Promise((r) => setTimeout(r, 1_500));
      expect(reports.length).toBe(n);
      await h.link.stop();
      expect(h.link.status().state).toBe('stopped');
    });
  });
}
