// One contract, run against both reader formats: the same read, sent the Zebra way or the Impinj
// way, must become the same observation, and the same faults must earn the same rejection codes.
import { describe, expect, it } from 'vitest';
import { tagObservation } from '../../edge/observations.ts';
import { type DecodeResult, decoderFor, DEFAULT_MAX_BYTES, type Payload } from '../../gateway/decoders/index.ts';
import { ctx, impinjEvent, json, type Read, read, zebraEvent } from './fixtures.ts';

interface Vendor {
  name: 'zebra' | 'impinj';
  event(r: Read): Record<string, unknown>;
  /** The event with its EPC fields replaced by one hex field of this value (undefined: no EPC at all). */
  withEpc(r: Read, epc: unknown): Record<string, unknown>;
  withAntenna(r: Read, antenna: unknown): Record<string, unknown>;
  /** RSSI in the vendor's own unit. */
  withRssi(r: Read, raw: unknown): Record<string, unknown>;
  rssiUnit: number;
  withTime(r: Read, time: unknown): Record<string, unknown>;
}

const zebra: Vendor = {
  name: 'zebra',
  event: (r) => zebraEvent(r),
  withEpc: (r, epc) => zebraEvent(r, { idHex: epc }),
  withAntenna: (r, antenna) => zebraEvent(r, { antenna }),
  withRssi: (r, raw) => zebraEvent(r, { peakRssi: raw }),
  rssiUnit: 1,
  withTime: (r, time) => zebraEvent(r, {}, { timestamp: time }),
};

const impinj: Vendor = {
  name: 'impinj',
  event: (r) => impinjEvent(r),
  withEpc: (r, epc) => impinjEvent(r, { epc: undefined, epcHex: epc }),
  withAntenna: (r, antenna) => impinjEvent(r, { antennaPort: antenna }),
  withRssi: (r, raw) => impinjEvent(r, { peakRssiCdbm: raw }),
  rssiUnit: 100,
  withTime: (r, time) => impinjEvent(r, { lastSeenTime: time }),
};

const expected = (r: Read) => ({
  type: 'tag', deviceId: ctx.deviceId, antenna: r.antenna, epc: r.epc, rssi: r.rssiDbm,
  deviceTime: Date.parse(r.time), receivedAt: ctx.receivedAt, reads: 1,
});

const reasons = (res: DecodeResult) => res.rejected.map((x) => x.reason);

for (const vendor of [zebra, impinj]) {
  const decode = (p: Payload, c: typeof ctx & { maxBytes?: number } = ctx) => decoderFor(vendor.name).tags(p, c);

  describe(`reader decoder contract: ${vendor.name}`, () => {
    it('turns one read into one observation that passes the edge schema', () => {
      const r = read();
      const res = decode(json(vendor.event(r)));
      expect(res.rejected).toEqual([]);
      expect(res.tags).toEqual([expected(r)]);
      expect(() => tagObservation.parse(res.tags[0])).not.toThrow();
    });

    it('gives the same observation for the same read as the other format', () => {
      const r = read({ epc: '2D14257BF4499602D2000000', antenna: 4, rssiDbm: -71.5, time: '2025-06-30T23:59:59.999Z' });
      const other = vendor === zebra ? impinj : zebra;
      expect(decode(json(vendor.event(r))).tags).toEqual(decoderFor(other.name).tags(json(other.event(r)), ctx).tags);
    });

    it('accepts bytes as well as text', () => {
      const r = read();
      const text = json(vendor.event(r));
      expect(decode(Buffer.from(text)).tags).toEqual([expected(r)]);
      // A view into a larger buffer, as a socket hands it over.
      const big = Buffer.from(`xxxx${text}yyyy`);
      expect(decode(new Uint8Array(big.buffer, big.byteOffset + 4, big.length - 8)).tags).toEqual([expected(r)]);
    });

    it('decodes a batch in order, each framing alike: array, glued, one per line', () => {
      const rs = [1, 2, 3].map((a) => read({ antenna: a, epc: `E2000000000000000000000${a}` }));
      const events = rs.map((r) => json(vendor.event(r)));
      for (const payload of [`[${events.join(',')}]`, events.join(''), events.join('\n'), `${events.join('\r\n')}\r\n`]) {
        const res = decode(payload);
        expect(res.rejected).toEqual([]);
        expect(res.tags).toEqual(rs.map(expected));
      }
    });

    it('keeps the good reads of a batch with one bad one', () => {
      const rs = Array.from({ length: 10 }, (_, i) => read({ epc: `E20000000000000000000${String(i).padStart(3, '0')}` }));
      const events = rs.map((r, i) => (i === 6 ? vendor.withEpc(r, 'E200XYZ') : vendor.event(r)));
      const res = decode(json(events));
      expect(res.tags).toHaveLength(9);
      expect(res.tags.map((t) => t.epc)).not.toContain(rs[6]!.epc);
      expect(res.rejected).toEqual([{ reason: 'bad_epc', detail: expect.stringContaining('event 7') }]);
    });

    it('normalises the EPC to uppercase hex', () => {
      const res = decode(json(vendor.withEpc(read(), 'e280116060000209a1b2c3d4')));
      expect(res.tags[0]?.epc).toBe('E280116060000209A1B2C3D4');
    });

    it('accepts EPCs from one word to 16 words', () => {
      for (const epc of ['ABCD', 'AB'.repeat(32)]) expect(decode(json(vendor.withEpc(read(), epc))).tags[0]?.epc).toBe(epc);
    });

    it.each([
      ['missing_epc', undefined],
      ['missing_epc', ''],
      ['bad_epc', '3074257BF7194E4000001A8'], // odd length
      ['bad_epc', '3074257BF7194E4000001A'], // whole bytes, not whole 16-bit words
      ['bad_epc', '3074257BF7194E4000001AGZ'], // not hex
      ['bad_epc', '30 74257BF7194E4000001A8'],
      ['bad_epc', 'AB'.repeat(33)], // 66 hex digits
      ['bad_epc', 12345678],
    ])('refuses as %s an EPC of %j', (reason, epc) => {
      const res = decode(json(vendor.withEpc(read(), epc)));
      expect(res.tags).toEqual([]);
      expect(reasons(res)).toEqual([reason]);
    });

    it.each([0, -1, 1.5, '1', null, 70000])('refuses as bad_antenna an antenna of %j', (antenna) => {
      expect(reasons(decode(json(vendor.withAntenna(read(), antenna))))).toEqual(['bad_antenna']);
    });

    it('refuses a read without an antenna rather than guessing one', () => {
      const event = vendor.withAntenna(read(), undefined);
      expect(reasons(decode(json(event)))).toEqual(['bad_antenna']);
    });

    it('takes a missing RSSI as unknown (null) and refuses an impossible one', () => {
      expect(decode(json(vendor.withRssi(read(), undefined))).tags[0]?.rssi).toBeNull();
      for (const raw of ['-61', -151 * vendor.rssiUnit, 21 * vendor.rssiUnit, true]) {
        expect(reasons(decode(json(vendor.withRssi(read(), raw))))).toEqual(['bad_rssi']);
      }
      expect(decode(json(vendor.withRssi(read(), -150 * vendor.rssiUnit))).tags[0]?.rssi).toBe(-150);
    });

    it('reads the device time in any zone notation, keeping milliseconds', () => {
      const cases: [string, string][] = [
        ['2025-01-01T20:00:00.123+08:00', '2025-01-01T12:00:00.123Z'],
        ['2025-01-01T20:00:00.123+0800', '2025-01-01T12:00:00.123Z'],
        ['2025-01-01T06:30:00.5-0530', '2025-01-01T12:00:00.500Z'],
        ['2025-01-01T12:00:00Z', '2025-01-01T12:00:00.000Z'],
        ['2025-01-01T12:00:00.999999999Z', '2025-01-01T12:00:00.999Z'],
        ['2024-02-29T23:59:59.5-00:00', '2024-02-29T23:59:59.500Z'],
      ];
      for (const [sent, utc] of cases) expect(decode(json(vendor.withTime(read(), sent))).tags[0]?.deviceTime).toBe(Date.parse(utc));
    });

    it.each([
      'yesterday', '2025-01-01T12:00:00', '2025-02-30T12:00:00Z', '2025-02-29T12:00:00Z', '2025-01-01T12:00:00+24:00', '2025-01-01T24:00:00Z', '1969-12-31T23:59:59Z',
      '2025-01-01T12:00:00.1234567890Z', 1735732800000,
    ])('refuses as bad_timestamp a device time of %j', (time) => {
      expect(reasons(decode(json(vendor.withTime(read(), time))))).toEqual(['bad_timestamp']);
    });

    it('frames faults: not JSON, truncated, not an object, empty', () => {
      const text = json(vendor.event(read()));
      expect(reasons(decode('hello'))).toEqual(['not_json']);
      expect(reasons(decode(''))).toEqual(['not_json']);
      expect(reasons(decode(text.slice(0, 40)))).toEqual(['truncated_json']);
      expect(reasons(decode('42'))).toEqual(['not_object']);
      expect(reasons(decode('[1, "a", null, [], {}]')).slice(0, 4)).toEqual(['not_object', 'not_object', 'not_object', 'not_object']);
    });

    it(`refuses a payload over the limit (${DEFAULT_MAX_BYTES} bytes by default, configurable) without reading it`, () => {
      const r = read();
      const event = json(vendor.event(r));
      const batch = `[${Array.from({ length: Math.ceil(DEFAULT_MAX_BYTES / event.length) + 1 }, () => event).join(',')}]`;
      const res = decode(batch);
      expect(res.tags).toEqual([]);
      expect(reasons(res)).toEqual(['too_large']);
      expect(reasons(decode(event, { ...ctx, maxBytes: event.length - 1 }))).toEqual(['too_large']);
      expect(decode(event, { ...ctx, maxBytes: event.length }).tags).toHaveLength(1);
      // Bytes, not characters: 中 is three bytes in UTF-8.
      const wide = json({ ...vendor.event(r), note: '中'.repeat(100) });
      expect(reasons(decode(wide, { ...ctx, maxBytes: wide.length + 100 }))).toEqual(['too_large']);
    });

    it('never throws on values that are not payloads at all', () => {
      for (const p of [undefined, null, 42, {}, [], Symbol('x')] as unknown[]) {
        expect(() => decode(p as Payload)).not.toThrow();
        expect(reasons(decode(p as Payload))).toEqual(['not_json']);
      }
    });
  });
}
