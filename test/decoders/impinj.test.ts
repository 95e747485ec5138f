// Impinj IoT Device Interface specifics: the documented example, hex or base64 EPCs, centi-dBm,
// nanosecond timestamps, webhook arrays and NDJSON streams, and the other event types.
import { describe, expect, it } from 'vitest';
import { decodeImpinj, decodeImpinjManagement } from '../../gateway/decoders/impinj.ts';
import { ctx, EXAMPLE_EPC, IMPINJ_EXAMPLE, impinjEvent, json, read } from './fixtures.ts';

const reasons = (res: { rejected: { reason: string }[] }) => res.rejected.map((r) => r.reason);

describe('Impinj tagInventory events', () => {
  it('decodes the example of PROTOCOLS.md, with centi-dBm as dBm and lastSeenTime as device time', () => {
    expect(decodeImpinj(IMPINJ_EXAMPLE, ctx)).toEqual({
      tags: [{
        type: 'tag', deviceId: ctx.deviceId, antenna: 1, epc: EXAMPLE_EPC, rssi: -61.5,
        deviceTime: Date.parse('2021-02-02T18:39:34.385Z'), receivedAt: ctx.receivedAt, reads: 1,
      }],
      management: [], skipped: [], rejected: [],
    });
  });

  it('reads the EPC from base64 `epc` when there is no `epcHex`, and from `epcHex` alone', () => {
    const example = JSON.parse(IMPINJ_EXAMPLE) as { tagInventoryEvent: Record<string, unknown> };
    const { epcHex: _h, ...b64Only } = example.tagInventoryEvent;
    const { epc: _b, ...hexOnly } = example.tagInventoryEvent;
    expect(decodeImpinj(json({ ...example, tagInventoryEvent: b64Only }), ctx).tags[0]?.epc).toBe(EXAMPLE_EPC);
    expect(decodeImpinj(json({ ...example, tagInventoryEvent: hexOnly }), ctx).tags[0]?.epc).toBe(EXAMPLE_EPC);
  });

  it('refuses a read with neither EPC field, even when it carries a TID', () => {
    const res = decodeImpinj(json(impinjEvent(read(), { epc: undefined, epcHex: undefined, tidHex: 'E2801170200014CD9B5A08EC' })), ctx);
    expect(res.tags).toEqual([]);
    expect(reasons(res)).toEqual(['missing_epc']);
  });

  it.each([
    'ftqQOAUQAnEAAsC', // not a whole base64 quantum
    'ftqQOAUQAnEAAsCu!', // not the base64 alphabet
    'ftqQOAUQAnEAAsA=', // 11 bytes: not whole 16-bit words
    42,
  ])('refuses as bad_epc a base64 EPC of %j', (epc) => {
    expect(reasons(decodeImpinj(json(impinjEvent(read(), { epcHex: undefined, epc })), ctx))).toEqual(['bad_epc']);
  });

  it('accepts a one-word base64 EPC', () => {
    expect(decodeImpinj(json(impinjEvent(read(), { epcHex: undefined, epc: 'q80=' })), ctx).tags[0]?.epc).toBe('ABCD');
  });

  it('takes the top timestamp when there is no lastSeenTime, keeping milliseconds of a nine-digit fraction', () => {
    const event = impinjEvent(read(), { lastSeenTime: undefined }, { timestamp: '2021-02-02T18:39:34.385793625Z' });
    expect(decodeImpinj(json(event), ctx).tags[0]?.deviceTime).toBe(Date.parse('2021-02-02T18:39:34.385Z'));
    const late = impinjEvent(read(), { lastSeenTime: '2021-02-02T18:39:34.999999999Z' });
    expect(decodeImpinj(json(late), ctx).tags[0]?.deviceTime).toBe(Date.parse('2021-02-02T18:39:34.999Z'));
  });

  it('refuses a bad lastSeenTime rather than falling back to the top timestamp', () => {
    const event = impinjEvent(read(), { lastSeenTime: '2021-02-02 nope' });
    expect(reasons(decodeImpinj(json(event), ctx))).toEqual(['bad_timestamp']);
  });

  it('decodes a webhook array and an NDJSON stream', () => {
    const rs = [1, 2, 3, 4].map((antenna) => read({ antenna }));
    const events = rs.map((r) => json(impinjEvent(r)));
    expect(decodeImpinj(`[${events.join(',\n')}]`, ctx).tags.map((t) => t.antenna)).toEqual([1, 2, 3, 4]);
    expect(decodeImpinj(`${events.join('\n')}\n`, ctx).tags.map((t) => t.antenna)).toEqual([1, 2, 3, 4]);
  });

  it('resumes an NDJSON stream at the next line after a cut-off line', () => {
    const events = [1, 2, 3, 4].map((antenna) => json(impinjEvent(read({ antenna }))));
    const cut = events[1]!.slice(0, 70);
    const res = decodeImpinj([events[0], cut, events[2], events[3]].join('\n'), ctx);
    expect(res.tags.map((t) => t.antenna)).toEqual([1, 3, 4]);
    expect(reasons(res)).toEqual(['truncated_json']);
  });

  it('refuses a tagInventory event without its body, or an event without an eventType', () => {
    expect(reasons(decodeImpinj(json({ eventType: 'tagInventory', timestamp: '2021-02-02T18:39:34Z' }), ctx))).toEqual(['wrong_type']);
    expect(reasons(decodeImpinj(json({ timestamp: '2021-02-02T18:39:34Z', hostname: 'x' }), ctx))).toEqual(['wrong_type']);
    expect(reasons(decodeImpinj(json({ eventType: 7 }), ctx))).toEqual(['wrong_type']);
  });

  it('knows a tag event by its body when eventType is absent', () => {
    const { eventType: _e, ...untyped } = impinjEvent(read());
    expect(decodeImpinj(json(untyped), ctx).tags).toHaveLength(1);
  });
});

describe('Impinj other events', () => {
  const gpi = (gpiNo: unknown, transition: unknown) => ({
    timestamp: '2021-02-02T18:40:00.000000001Z', hostname: 'impinj-14-4a-8b', eventType: 'gpiTransition',
    gpiTransitionEvent: { gpi: gpiNo, transition },
  });

  it('turns GPI transitions into GPI events with the state the pin is left in', () => {
    const res = decodeImpinj(json([gpi(1, 'high-to-low'), gpi(2, 'low-to-high')]), ctx);
    const deviceTime = Date.parse('2021-02-02T18:40:00.000Z');
    expect(res.management).toEqual([
      { type: 'gpi', deviceId: ctx.deviceId, pin: 1, state: 'low', deviceTime, receivedAt: ctx.receivedAt },
      { type: 'gpi', deviceId: ctx.deviceId, pin: 2, state: 'high', deviceTime, receivedAt: ctx.receivedAt },
    ]);
  });

  it.each([[1, 'sideways'], ['1', 'high-to-low'], [1, undefined]])('refuses as bad_gpi gpi %j with transition %j', (n, t) => {
    expect(reasons(decodeImpinj(json(gpi(n, t)), ctx))).toEqual(['bad_gpi']);
  });

  it('counts inventoryStatus, diagnostics and unknown event types as skipped among the reads', () => {
    const events = [
      { timestamp: '2021-02-02T18:39:30Z', eventType: 'inventoryStatus', inventoryStatusEvent: { inventoryStatus: 'running' } },
      impinjEvent(read()),
      { timestamp: '2021-02-02T18:39:31Z', eventType: 'diagnostic', diagnosticEvent: { type: 'debug' } },
      { timestamp: '2021-02-02T18:39:32Z', eventType: 'somethingNew' },
    ];
    const res = decodeImpinj(events.map((e) => json(e)).join('\n'), ctx);
    expect(res.tags).toHaveLength(1);
    expect(res.skipped).toEqual([{ reason: 'unused_type', count: 3 }]);
    expect(res.rejected).toEqual([]);
  });

  it('on a management topic: GPI events as such, anything else as a heartbeat', () => {
    const status = { timestamp: '2021-02-02T18:39:30Z', eventType: 'inventoryStatus', inventoryStatusEvent: { inventoryStatus: 'idle' } };
    const res = decodeImpinjManagement(json([gpi(1, 'high-to-low'), status]), ctx);
    expect(res.management.map((m) => m.type)).toEqual(['gpi', 'heartbeat']);
    // Its time stamp is a sample of the reader's clock even when no tag is read.
    expect(res.management[1]).toEqual({ type: 'heartbeat', deviceId: ctx.deviceId, receivedAt: ctx.receivedAt, body: status, deviceTime: Date.parse('2021-02-02T18:39:30Z') });
  });
});
