// The one contract every device link keeps (gateway/links/link.ts), run against each transport:
// MQTT readers on the embedded broker, an R2000 shelf reader over a serial device server (TCP) and
// over a real pseudo-terminal from socat, an OPC UA environment monitor. Each harness makes its
// real device (an MQTT client, the firmware simulators) say something (a tag in view, a value),
// send garbage, go away and come back; the suite asserts what the pipeline relies on, whatever the
// transport and whether the device reports tags or values.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceLink, DeviceReport, DeviceState } from '../../gateway/links/link.ts';
import { waitFor } from '../mqtt/fixtures.ts';

export interface LinkHarness {
  link: DeviceLink;
  deviceId: string;
  /**
   * Makes the device say something it has not said before (a tag comes into view, a value
   * changes); resolves to a test that recognises a report carrying it: what appeared.
   */
  showSomething(): Promise<(r: DeviceReport) => boolean>;
  /** Takes back what was shown last (the tag leaves the view); nothing for a device that reports values. */
  hideIt(): Promise<void>;
  /** What a report carries that the device was never made to say (an EPC never shown, a value never set): invented. */
  invented(r: DeviceReport): string[];
  /** Bytes, a payload or a value that are no frame, message or reading of its protocol. */
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

/** The report says something of the world: a tag the device sees, or a value it reads. */
export function saysSomething(r: DeviceReport): boolean {
  return epcsOf(r).length > 0 || (r.readings?.length ?? 0) > 0;
}

/**
 * showSomething / hideIt / invented for a reader: each show brings a new tag into view (`place`),
 * hideIt takes the last one away (`remove`); an EPC never shown is invented.
 */
export function tagsShown(place: (epc: string) => Promise<void>, remove: (epc: string) => Promise<void>):
  Pick<LinkHarness, 'showSomething' | 'hideIt' | 'invented'> {
  const EPCS = ['3074257BF7194E4000001A85', 'E2801160600002084C2AF7D1', '3034257BF7194E4000001A86', 'E2801160600002084C2AF7D2'];
  const shown: string[] = [];
  return {
    showSomething: async () => {
      const epc = EPCS[shown.length % EPCS.length]!;
      shown.push(epc);
      await place(epc);
      return (r) => epcsOf(r).includes(epc);
    },
    hideIt: async () => { if (shown.length) await remove(shown.at(-1)!); },
    invented: (r) => epcsOf(r).filter((e) => !shown.includes(e)),
  };
}

export function deviceLinkContract(name: string, make: () => Promise<LinkHarness>): void {
  describe(`device-link contract: ${name}`, () => {
    let h: LinkHarness;
    const reports: DeviceReport[] = [];
    const states: { id: string; state: DeviceState }[] = [];

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

    it('reports what its device says, attributed to the device, on the gateway\'s clock', async () => {
      const before = Date.now();
      const appeared = await h.showSomething();
      const r = await waitFor(() => reports.find((x) => x.deviceId === h.deviceId && appeared(x)), 10_000, 'a report of what the device said');
      expect(r.receivedAt).toBeGreaterThanOrEqual(before - 1);
      expect(r.receivedAt).toBeLessThanOrEqual(Date.now());
      expect(h.link.status().state).toBe('open');
      expect(h.link.status().bytesIn).toBeGreaterThan(0);
      expect(h.link.status().frames).toBeGreaterThan(0);
    });

    it('counts garbage with a reason, invents nothing from it and keeps reporting', async () => {
      await h.hideIt();
      const before = h.rejections();
      const sinceGarbage = reports.length;
      await h.sendGarbage();
      await waitFor(() => h.rejections() > before, 10_000, 'the garbage counted');
      const n = reports.length;
      const appeared = await h.showSomething();
      await waitFor(() => reports.slice(n).find((x) => appeared(x)), 10_000, 'a good report after garbage');
      expect(reports.slice(sinceGarbage).flatMap((x) => h.invented(x))).toEqual([]);
    }, 30_000);

    it('tells its device disconnected when it goes away, and reports again once it is back', async () => {
      await h.unplug();
      await waitFor(() => states.some((s) => s.id === h.deviceId && s.state !== 'connected'), 15_000, 'the device told disconnected');
      const n = reports.length;
      await h.replug();
      await waitFor(() => reports.slice(n).some((x) => x.deviceId === h.deviceId && saysSomething(x)), 10_000, 'reports after the replug');
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
