// The OPC UA monitor link against a real OPC UA server (firmware-sim/opcua/server.ts), no mocks:
// values arrive as readings of their zone with their unit; a Bad status, a NaN and a value no sensor
// can read are faults; the server restarted on the same port is followed by node-opcua's
// reconnection; a subscription deleted on the server side is recreated by the watchdog, and one that
// stays dead makes the monitor offline until it speaks again.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpcuaMonitorSim } from '../../firmware-sim/opcua/server.ts';
import { waitFor } from '../mqtt/fixtures.ts';
import { LAYOUT, linkTo, monitorDevice, tempDir, type LinkUnderTest } from './fixtures.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('OPC UA monitor link: values, faults, restart, watchdog', () => {
  let dir: string;
  let sim: OpcuaMonitorSim;
  let t: LinkUnderTest;

  beforeAll(async () => {
    dir = tempDir('opcua-link-');
    // No random walk: every value the link reports is one this test set.
    sim = new OpcuaMonitorSim({ pkiDir: path.join(dir, 'sim-pki'), security: ['None'], walkMs: 0 });
    await sim.start();
    t = linkTo(monitorDevice(sim), path.join(dir, 'data'));
    await t.link.start();
  });

  afterAll(async () => {
    await t?.link.stop();
    await sim?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('says where it goes, and connects once subscribed: every value arrives as a reading of its metric, zone and unit', async () => {
    expect(t.link.status()).toMatchObject({ id: 'opcua:env-1', transport: 'opcua', target: sim.endpoint });
    await waitFor(() => t.heard.lastState() === 'connected', 10_000, 'connected');
    await waitFor(() => LAYOUT.every((l) => t.heard.readings(l.metric).length > 0), 5_000, 'a first reading of every value');
    expect(t.heard.readings('temperature')[0]).toEqual({ name: 'temperature', value: 21.5, unit: '°C', zoneId: 'cold' });
    expect(t.heard.readings('humidity')[0]).toEqual({ name: 'humidity', value: 48, unit: '%RH', zoneId: 'cold' });
    expect(t.heard.readings('door')[0]).toEqual({ name: 'door', value: 0, unit: '', zoneId: 'store' });
    sim.set('Door', true);
    sim.set('Temperature', 4.25);
    await waitFor(() => t.heard.readings('door').some((r) => r.value === 1), 5_000, 'the door open, as 1');
    await waitFor(() => t.heard.readings('temperature').some((r) => r.value === 4.25), 5_000, 'the new temperature');
    const s = t.link.status();
    expect(s.state).toBe('open');
    expect(s.frames).toBeGreaterThanOrEqual(7);
    expect(s.bytesIn).toBeGreaterThan(0);
    expect(s.bytesOut).toBeGreaterThan(0);
    for (const r of t.heard.reports) expect(r.deviceId).toBe('env-1');
  });

  it('a Bad status, a NaN and a value no sensor can read are faults, never readings', async () => {
    const before = t.heard.readings().length;
    sim.setBad('Humidity', 'BadSensorFailure');
    sim.set('Temperature', Number.NaN);
    await waitFor(() => t.heard.faults('humidity').length > 0 && t.heard.faults('temperature').length > 0, 5_000, 'the two faults');
    expect(t.heard.faults('temperature')[0]!.detail).toMatch(/NaN/);
    sim.set('Temperature', 150);
    await waitFor(() => t.heard.faults('temperature').some((f) => f.detail.includes('150')), 5_000, 'the impossible temperature');
    sim.set('Humidity', 101);
    await waitFor(() => t.heard.faults('humidity').some((f) => f.detail.includes('101')), 5_000, 'the impossible humidity');
    expect(t.heard.faults('humidity')[0]!.detail).toMatch(/BadSensorFailure/);
    expect(t.link.status().errors).toMatchObject({ bad_status: expect.any(Number), impossible_value: expect.any(Number) });
    expect(t.link.status().errors.impossible_value).toBeGreaterThanOrEqual(3);
    const after = t.heard.readings().slice(before);
    expect(after.filter((r) => Number.isNaN(r.value) || r.value === 150 || r.value === 101)).toEqual([]);
    // And good again: the next good value is a reading.
    sim.set('Temperature', 5);
    await waitFor(() => t.heard.readings('temperature').some((r) => r.value === 5), 5_000, 'a good temperature again');
  });

  it('values that hold still: only keep-alives come, the device is heard and the watchdog does nothing', async () => {
    const n = t.heard.reports.length;
    const recreated = t.link.status().errors.subscription_recreated ?? 0;
    // Nothing changes for longer than resubscribeSeconds (2 s): keep-alives every 600 ms carry it.
    await sleep(3_000);
    const since = t.heard.reports.slice(n);
    expect(since.filter((r) => r.keepAlive).length).toBeGreaterThanOrEqual(2);
    expect(since.filter((r) => r.readings?.length)).toEqual([]);
    expect(t.link.status().errors.subscription_recreated ?? 0).toBe(recreated);
    expect(t.heard.lastState()).toBe('connected');
  });

  it('a subscription deleted on the server side (no error, just silence) is recreated by the watchdog and delivers again', async () => {
    expect(sim.subscriptionCount()).toBe(1);
    const recreated = t.link.status().errors.subscription_recreated ?? 0;
    expect(sim.dropSubscriptions()).toBe(1);
    await waitFor(() => (t.link.status().errors.subscription_recreated ?? 0) > recreated, 6_000, 'the subscription recreated');
    await waitFor(() => sim.subscriptionCount() === 1, 3_000, 'a subscription on the server again');
    sim.set('Temperature', 6.5);
    await waitFor(() => t.heard.readings('temperature').some((r) => r.value === 6.5), 5_000, 'readings through the new subscription');
    // Recreated before offlineSeconds: never told offline.
    expect(t.heard.states.filter((s) => s.state === 'disconnected')).toEqual([]);
  });

  it('one that stays dead past offlineSeconds makes the monitor offline, and it is connected again once it speaks', async () => {
    const states = t.heard.states.length;
    // Every subscription the watchdog makes is deleted again at once, as a stuck server would lose them.
    let dropping = true;
    const dropper = (async () => { while (dropping) { sim.dropSubscriptions(); await sleep(50); } })();
    await waitFor(() => t.heard.states.slice(states).some((s) => s.state === 'disconnected'), 10_000, 'told offline');
    expect(t.link.status().lastError).toMatch(/no data change and no keep-alive for \d+ s: offline/);
    expect(t.link.status().errors.silent).toBeGreaterThanOrEqual(1);
    dropping = false;
    await dropper;
    await waitFor(() => t.heard.lastState() === 'connected', 6_000, 'connected again');
    sim.set('Temperature', 7.5);
    await waitFor(() => t.heard.readings('temperature').some((r) => r.value === 7.5), 5_000, 'readings again');
  }, 30_000);

  it('the server stopped and restarted on the same port: disconnected, then connected again within 15 s, and readings flow', async () => {
    const states = t.heard.states.length;
    const reconnects = t.link.status().reconnects;
    await sim.stop();
    await waitFor(() => t.heard.states.slice(states).some((s) => s.state === 'disconnected'), 10_000, 'told disconnected');
    expect(t.link.status().state).toBe('down');
    const restarted = Date.now();
    await sim.start();
    await waitFor(() => t.heard.lastState() === 'connected', 15_000, 'connected again');
    expect(Date.now() - restarted).toBeLessThan(15_000);
    sim.set('Temperature', 8.5);
    await waitFor(() => t.heard.readings('temperature').some((r) => r.value === 8.5), 10_000, 'readings after the restart');
    expect(t.link.status()).toMatchObject({ state: 'open' });
    expect(t.link.status().reconnects).toBeGreaterThan(reconnects);
  }, 40_000);

  it('stops cleanly: no report after stop, a second stop is harmless', async () => {
    await t.link.stop();
    const n = t.heard.reports.length;
    sim.set('Temperature', 9);
    await sleep(800);
    expect(t.heard.reports.length).toBe(n);
    await t.link.stop();
    expect(t.link.status().state).toBe('stopped');
  });
});
