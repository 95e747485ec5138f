// The portal's bookkeeping: bounds, the registry, defaults from the site file, GPI routing.
import { describe, expect, it } from 'vitest';
import { crossingObservation, type TagObservation } from '../../edge/observations.ts';
import type { Gate } from '../../edge/site/schema.ts';
import { Portal, Portals, PORTAL_DEFAULTS, portalOptions } from '../../gateway/portal/index.ts';
import { Track } from '../../gateway/portal/track.ts';

const T0 = Date.UTC(2024, 10, 1, 8);
const gateA: Gate = {
  id: 'gate-a', name: '一号通道', innerZone: 'general', outerZone: 'intake',
  readers: [{ deviceId: 'fx-a', antennas: { outer: [1, 2], inner: [3, 4] }, photoEyes: { outer: 1, inner: 2 } }],
};
const gateB: Gate = {
  id: 'gate-b', name: '二号通道', innerZone: 'valuables', outerZone: 'general',
  readers: [{ deviceId: 'fx-b', antennas: { outer: [1], inner: [2] } }],
};

function tag(deviceId: string, antenna: number, epc: string, rssi: number | null, t: number, lag = 30): TagObservation {
  return { type: 'tag', deviceId, antenna, epc, rssi, deviceTime: T0 + t, receivedAt: T0 + t + lag, reads: 1 };
}

/** A plain inward pass: outer strong early, inner strong late, over 3 s. */
function inwardPass(deviceId: string, outer: number, inner: number, epc: string, start: number): TagObservation[] {
  const out: TagObservation[] = [];
  for (let i = 0; i <= 12; i++) {
    const t = start + i * 250;
    out.push(tag(deviceId, outer, epc, -52 - Math.abs(i - 3) * 3, t));
    out.push(tag(deviceId, inner, epc, -52 - Math.abs(i - 9) * 3, t + 100));
  }
  return out;
}

describe('Portal', () => {
  it('takes its defaults from the site schema’s portal section', () => {
    expect(PORTAL_DEFAULTS).toMatchObject({ minReads: 2, minDwellMs: 150, closeAfterMs: 1500, residentAfterMs: 300_000 });
    expect(portalOptions({ minReads: 3 }).minReads).toBe(3);
    expect(new Portal(gateA).options.closeAfterMs).toBe(1500);
  });

  it('keeps a track’s profile bounded however long the tag stays', () => {
    const track = new Track('E2801170000002041F3A9001', T0, T0, 64);
    for (let t = 0; t < 200_000; t += 20) track.add(t % 40 === 0 ? 'outer' : 'inner', T0 + t, -60, 1, T0 + t);
    expect(track.bins.size).toBeLessThanOrEqual(64);
    expect(track.reads).toBe(10_000);
    expect(track.dwellMs).toBe(199_980);
  });

  it('makes a tag seen without a break for residentAfterMs (default 5 min) resident, and forgets it once gone', () => {
    const p = new Portal(gateA);
    const epc = 'E2003412B802011A50109002';
    for (let t = 0; t <= 302_000; t += 1_000) {
      p.ingest(tag('fx-a', t % 2000 ? 1 : 3, epc, -64, t));
      expect(p.tick(T0 + t + 30)).toEqual([]);
    }
    expect(p.residents()).toEqual([epc]);
    expect(p.residentDetails()[0]).toMatchObject({ epc, since: T0 });
    expect(p.openTracks()).toEqual([]);
    expect(p.tick(T0 + 302_030 + 1_500)).toEqual([]);
    expect(p.residents()).toEqual([]);
    expect(p.stats()).toMatchObject({ residentsBecame: 1, residentsLeft: 1, crossings: { in: 0, out: 0, unknown: 0 } });
  });

  it('closes the stalest track early when maxTracks are open, and decides it', () => {
    const p = new Portal(gateB, { maxTracks: 3 });
    const epcs = [1, 2, 3, 4, 5].map((i) => `E2801170000002041F3A900${i}`);
    epcs.forEach((epc, i) => inwardPass('fx-b', 1, 2, epc, i * 10).forEach((r) => p.ingest({ ...r, receivedAt: T0 + i })));
    expect(p.openTracks().length).toBe(3);
    const early = p.tick(T0 + 10);
    expect(early.map((c) => c.epc).sort()).toEqual(epcs.slice(0, 2));
    expect(early.every((c) => c.direction === 'in')).toBe(true);
    expect(p.stats().forcedClose).toBe(2);
  });

  it('counts GPI edges from pins that are not photo-eyes of the gate as ignored', () => {
    const p = new Portal(gateA);
    p.ingestGpi({ type: 'gpi', deviceId: 'fx-a', pin: 3, state: 'low', deviceTime: T0, receivedAt: T0 });
    p.ingestGpi({ type: 'gpi', deviceId: 'fx-a', pin: 1, state: 'low', deviceTime: T0, receivedAt: T0 });
    p.ingestGpi({ type: 'gpi', deviceId: 'fx-a', pin: 1, state: 'high', deviceTime: T0 + 300, receivedAt: T0 + 300 });
    expect(p.stats().gpi).toEqual({ breaks: 1, restores: 1, ignored: 1 });
  });
});

describe('Portals', () => {
  it('routes reads by reader to their gate and ticks every gate', () => {
    const portals = new Portals([gateA, gateB]);
    for (const r of inwardPass('fx-a', 2, 4, 'E2801170000002041F3A9101', 0)) expect(portals.ingest(r)).toBe(true);
    for (const r of inwardPass('fx-b', 1, 2, 'E2801170000002041F3A9102', 500)) expect(portals.ingest(r)).toBe(true);
    expect(portals.ingest(tag('shelf-7', 1, 'E2801170000002041F3A9103', -50, 0))).toBe(false);
    expect(portals.ingestGpi({ type: 'gpi', deviceId: 'shelf-7', pin: 1, state: 'low', deviceTime: T0, receivedAt: T0 })).toBe(false);
    expect(portals.forDevice('fx-b')?.gateId).toBe('gate-b');
    const crossings = portals.tick(T0 + 10_000);
    expect(crossings.map((c) => [c.gateId, c.epc, c.direction])).toEqual([
      ['gate-a', 'E2801170000002041F3A9101', 'in'],
      ['gate-b', 'E2801170000002041F3A9102', 'in'],
    ]);
    for (const c of crossings) expect(crossingObservation.parse(c)).toEqual(c);
    expect(portals.stats().unrouted).toEqual({ reads: 1, gpi: 1 });
    expect(portals.residents()).toEqual({ 'gate-a': [], 'gate-b': [] });
  });
});
