// The OPC UA link's pure parts: what a data change means (a reading or a fault), the watchdog's
// verdicts on a clock the test moves, the keep-alive count, and the certificate fingerprints.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { judge } from '../../gateway/opcua/readings.ts';
import { keepAliveCount, SubscriptionWatchdog } from '../../gateway/opcua/watchdog.ts';
import { fingerprints, leafCertificate } from '../../gateway/opcua/certificates.ts';

const good = (value: unknown) => ({ good: true, status: 'Good', value });
const spec = (metric: string, unit?: string) => ({ nodeId: `ns=1;s=${metric}`, zoneId: 'cold', metric, ...(unit ? { unit } : {}) });

describe('a data change: a reading or a fault', () => {
  it('numbers and booleans of the known metrics, with their zone and unit', () => {
    expect(judge(spec('temperature'), good(-18.5))).toEqual({ ok: true, reading: { name: 'temperature', value: -18.5, unit: '°C', zoneId: 'cold' } });
    expect(judge(spec('humidity'), good(0))).toMatchObject({ ok: true, reading: { value: 0, unit: '%RH' } });
    expect(judge(spec('smoke'), good(true))).toMatchObject({ ok: true, reading: { value: 1, unit: '' } });
    expect(judge(spec('door'), good(false))).toMatchObject({ ok: true, reading: { value: 0 } });
    expect(judge(spec('water'), good(1))).toMatchObject({ ok: true, reading: { value: 1 } });
    expect(judge(spec('co2', 'ppm'), good(612))).toEqual({ ok: true, reading: { name: 'co2', value: 612, unit: 'ppm', zoneId: 'cold' } });
  });

  it('a Bad or Uncertain status, NaN, infinities and physically impossible values are faults', () => {
    expect(judge(spec('temperature'), { good: false, status: 'BadSensorFailure', value: 21 })).toEqual({ ok: false, reason: 'bad_status', detail: 'ns=1;s=temperature: BadSensorFailure' });
    expect(judge(spec('temperature'), { good: false, status: 'UncertainLastUsableValue', value: 21 })).toMatchObject({ ok: false, reason: 'bad_status' });
    for (const v of [Number.NaN, Infinity, -Infinity, -60.01, 120.5]) expect(judge(spec('temperature'), good(v))).toMatchObject({ ok: false, reason: 'impossible_value' });
    for (const v of [-0.1, 100.1]) expect(judge(spec('humidity'), good(v))).toMatchObject({ ok: false, reason: 'impossible_value' });
    expect(judge(spec('temperature'), good(-60))).toMatchObject({ ok: true });
    expect(judge(spec('humidity'), good(100))).toMatchObject({ ok: true });
    expect(judge(spec('door'), good(2))).toMatchObject({ ok: false, reason: 'impossible_value' });
  });

  it('what is not a number or a boolean is the wrong type', () => {
    for (const v of ['21.5', null, undefined, [0, 5], { v: 1 }]) expect(judge(spec('co2', 'ppm'), good(v))).toMatchObject({ ok: false, reason: 'wrong_type' });
    expect(judge(spec('temperature'), good(true))).toMatchObject({ ok: false, reason: 'wrong_type' });
  });
});

describe('the subscription watchdog', () => {
  it('recreates once per period of silence, tells offline past offlineMs, and forgets it all when the subscription speaks', () => {
    const w = new SubscriptionWatchdog(30_000, 90_000);
    w.watch(0);
    expect(w.check(29_999)).toMatchObject({ resubscribe: false, offline: false });
    expect(w.check(30_000)).toMatchObject({ resubscribe: true, offline: false });
    w.tried(30_000);
    expect(w.check(45_000)).toMatchObject({ resubscribe: false, offline: false, silentMs: 45_000 });
    expect(w.check(60_000)).toMatchObject({ resubscribe: true });
    w.tried(60_000);
    w.tried(90_000);
    expect(w.check(90_000)).toMatchObject({ resubscribe: false, offline: true });
    w.heard(91_000);
    expect(w.check(100_000)).toMatchObject({ resubscribe: false, offline: false, silentMs: 9_000 });
  });

  it('says nothing while paused (the connection is down: node-opcua is reconnecting)', () => {
    const w = new SubscriptionWatchdog(30_000, 90_000);
    w.watch(0);
    w.pause();
    expect(w.check(500_000)).toMatchObject({ resubscribe: false, offline: false });
    w.watch(500_000);
    expect(w.check(529_000)).toMatchObject({ resubscribe: false });
  });

  it('asks for keep-alives three times per resubscribe period or heartbeat, whichever is shorter', () => {
    expect(keepAliveCount(1000, 30, 30)).toBe(10);
    expect(keepAliveCount(1000, 120, 30)).toBe(10);
    expect(keepAliveCount(200, 2, 30)).toBe(3);
    expect(keepAliveCount(5000, 2, 30)).toBe(1);
  });
});

describe('certificate fingerprints', () => {
  // DER framing is the same for any SEQUENCE: real certificates are in security.test.ts.
  const der = (len: number) => {
    const body = Buffer.alloc(len, 7);
    const header = len < 0x80 ? Buffer.from([0x30, len]) : len < 0x100 ? Buffer.from([0x30, 0x81, len]) : Buffer.from([0x30, 0x82, len >> 8, len & 0xff]);
    return Buffer.concat([header, body]);
  };

  it('the leaf of a chain is its first DER element, whatever the length form', () => {
    for (const n of [5, 200, 1000]) {
      const leaf = der(n);
      expect(leafCertificate(Buffer.concat([leaf, der(300)]))).toEqual(leaf);
      expect(leafCertificate(leaf)).toEqual(leaf);
    }
    expect(() => leafCertificate(Buffer.from('hello'))).toThrow(/not a DER certificate/);
    expect(() => leafCertificate(der(1000).subarray(0, 500))).toThrow(/truncated/);
  });

  it('SHA-256 and SHA-1 of the leaf, as openssl shows them without colons', () => {
    const leaf = der(300);
    expect(fingerprints(leaf)).toEqual({
      sha256: createHash('sha256').update(leaf).digest('hex'),
      sha1: createHash('sha1').update(leaf).digest('hex'),
    });
  });
});
