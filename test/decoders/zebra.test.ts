// Zebra IoT Connector specifics: the documented example, batching and `}{` gluing, `+0000`
// offsets, the ATR7000's `rssi`, TID reads, reader modes, and the management topics.
import { describe, expect, it } from 'vitest';
import { tagObservation } from '../../edge/observations.ts';
import { decodeZebraManagement, decodeZebraTags } from '../../gateway/decoders/zebra.ts';
import { ctx, EXAMPLE_EPC, json, read, ZEBRA_EXAMPLE, zebraEvent } from './fixtures.ts';

const reasons = (res: { rejected: { reason: string }[] }) => res.rejected.map((r) => r.reason);

describe('Zebra tag events', () => {
  it('decodes the example of PROTOCOLS.md', () => {
    const res = decodeZebraTags(ZEBRA_EXAMPLE, ctx);
    expect(res).toEqual({
      tags: [{
        type: 'tag', deviceId: ctx.deviceId, antenna: 1, epc: EXAMPLE_EPC, rssi: -61,
        deviceTime: Date.parse('2025-01-01T12:00:00.123Z'), receivedAt: ctx.receivedAt, reads: 1,
      }],
      management: [], skipped: [], rejected: [],
    });
    expect(tagObservation.parse(res.tags[0])).toEqual(res.tags[0]);
  });

  it('splits objects glued together, with or without whitespace between them', () => {
    const one = ZEBRA_EXAMPLE;
    for (const glue of ['', ' ', '\n', '\r\n', '\n\n  \t']) {
      const res = decodeZebraTags(`${one}${glue}${one}${glue}${one}`, ctx);
      expect(res.rejected).toEqual([]);
      expect(res.tags).toHaveLength(3);
    }
  });

  it('does not split on braces inside strings', () => {
    const event = zebraEvent(read(), { MAC: '}{"type":"SIMPLE"}{' });
    const res = decodeZebraTags(`${json(event)}${json(event)}`, ctx);
    expect(res.rejected).toEqual([]);
    expect(res.tags).toHaveLength(2);
  });

  it('decodes batched arrays, and arrays glued to objects', () => {
    const a = zebraEvent(read({ antenna: 1 }));
    const b = zebraEvent(read({ antenna: 2 }));
    expect(decodeZebraTags(json([a, b, a]), ctx).tags.map((t) => t.antenna)).toEqual([1, 2, 1]);
    expect(decodeZebraTags(`${json([a, b])}${json(b)}`, ctx).tags.map((t) => t.antenna)).toEqual([1, 2, 2]);
  });

  it('reads the ATR7000 `rssi` when there is no `peakRssi`, and `peakRssi` first when both are there', () => {
    const atr = zebraEvent(read(), { peakRssi: undefined, rssi: -47.5 });
    expect(decodeZebraTags(json(atr), ctx).tags[0]?.rssi).toBe(-47.5);
    const both = zebraEvent(read(), { peakRssi: -61, rssi: -47 });
    expect(decodeZebraTags(json(both), ctx).tags[0]?.rssi).toBe(-61);
  });

  it('keeps the seen-count in `reads`, one when absent, and refuses a count below one', () => {
    expect(decodeZebraTags(json(zebraEvent(read(), { reads: 17 })), ctx).tags[0]?.reads).toBe(17);
    expect(decodeZebraTags(json(zebraEvent(read(), { reads: undefined })), ctx).tags[0]?.reads).toBe(1);
    for (const reads of [0, 2.5, '3']) {
      expect(reasons(decodeZebraTags(json(zebraEvent(read(), { reads })), ctx))).toEqual(['wrong_type']);
    }
  });

  it('takes the receive time when the event has no timestamp', () => {
    const event = zebraEvent(read(), {}, { timestamp: undefined });
    expect(decodeZebraTags(json(event), ctx).tags[0]?.deviceTime).toBe(ctx.receivedAt);
  });

  it('accepts a read without `format` as an EPC read', () => {
    expect(decodeZebraTags(json(zebraEvent(read(), { format: undefined })), ctx).tags).toHaveLength(1);
  });

  it('counts TID reads and other formats as skipped, not as EPCs', () => {
    const tid = zebraEvent(read({ epc: 'E2801170200014CD9B5A08EC' }), { format: 'tid' });
    const user = zebraEvent(read(), { format: 'user' });
    const res = decodeZebraTags(json([tid, tid, user, zebraEvent(read())]), ctx);
    expect(res.tags).toHaveLength(1);
    expect(res.tags[0]?.epc).not.toBe('E2801170200014CD9B5A08EC');
    expect(res.skipped).toEqual(expect.arrayContaining([{ reason: 'tid', count: 2 }, { reason: 'other_format', count: 1 }]));
    expect(res.rejected).toEqual([]);
  });

  it('accepts every documented reader mode and skips unknown types without failing the batch', () => {
    const modes = ['SIMPLE', 'INVENTORY', 'PORTAL', 'CONVEYOR', 'CUSTOM', 'DIRECTIONALITY'];
    const events = [...modes.map((type) => zebraEvent(read(), {}, { type })), { type: 'RADIO_STATS', data: { x: 1 } }, { type: 'FOO' }];
    const res = decodeZebraTags(json(events), ctx);
    expect(res.tags).toHaveLength(modes.length);
    expect(res.skipped).toEqual([{ reason: 'unused_type', count: 2 }]);
    expect(res.rejected).toEqual([]);
  });

  it('refuses an event without a type, or with data that is not an object', () => {
    const { type: _type, ...untyped } = zebraEvent(read());
    expect(reasons(decodeZebraTags(json(untyped), ctx))).toEqual(['wrong_type']);
    expect(reasons(decodeZebraTags(json({ type: 'SIMPLE', data: 'x' }), ctx))).toEqual(['wrong_type']);
    expect(reasons(decodeZebraTags(json({ type: 'SIMPLE' }), ctx))).toEqual(['missing_epc']);
  });

  it('decodes a GPI event that arrives on the tag topic', () => {
    const res = decodeZebraTags(json({ type: 'GPI', pin: 2, state: 'LOW', timestamp: '2025-01-01T12:00:00.050+0000' }), ctx);
    expect(res.management).toEqual([{
      type: 'gpi', deviceId: ctx.deviceId, pin: 2, state: 'low', deviceTime: Date.parse('2025-01-01T12:00:00.050Z'), receivedAt: ctx.receivedAt,
    }]);
  });
});

describe('Zebra management events', () => {
  it('turns GPI edges into GPI events, with the receive time when no timestamp is given', () => {
    const res = decodeZebraManagement(`{"type":"GPI","pin":1,"state":"HIGH"}{"type":"GPI","pin":1,"state":"LOW","timestamp":"2025-01-01T12:00:00.900+0000"}`, ctx);
    expect(res.rejected).toEqual([]);
    expect(res.management).toEqual([
      // The receive time standing in is already on the gateway's clock: not to be mapped again.
      { type: 'gpi', deviceId: ctx.deviceId, pin: 1, state: 'high', deviceTime: ctx.receivedAt, receivedAt: ctx.receivedAt, gatewayTime: ctx.receivedAt },
      { type: 'gpi', deviceId: ctx.deviceId, pin: 1, state: 'low', deviceTime: Date.parse('2025-01-01T12:00:00.900Z'), receivedAt: ctx.receivedAt },
    ]);
  });

  it('reads pin and state nested in `data` as well', () => {
    const res = decodeZebraManagement(json({ type: 'GPI', data: { pin: 3, state: 'low' } }), ctx);
    expect(res.management).toMatchObject([{ type: 'gpi', pin: 3, state: 'low' }]);
  });

  it.each([
    { type: 'GPI', pin: 1, state: 'OPEN' },
    { type: 'GPI', pin: '1', state: 'LOW' },
    { type: 'GPI', pin: -1, state: 'LOW' },
    { type: 'GPI', state: 'LOW' },
  ])('refuses as bad_gpi %j', (event) => {
    expect(reasons(decodeZebraManagement(json(event), ctx))).toEqual(['bad_gpi']);
  });

  it('refuses a GPI event with an unreadable timestamp', () => {
    expect(reasons(decodeZebraManagement(json({ type: 'GPI', pin: 1, state: 'LOW', timestamp: 'soon' }), ctx))).toEqual(['bad_timestamp']);
  });

  it('keeps any other management event as a heartbeat with its body untouched', () => {
    const body = { type: 'heartbeat', timestamp: '2025-01-01T12:00:00+0000', data: { temperature: 41, cpu: { system: 12 } } };
    expect(decodeZebraManagement(json(body), ctx).management).toEqual([
      { type: 'heartbeat', deviceId: ctx.deviceId, receivedAt: ctx.receivedAt, body, deviceTime: Date.parse('2025-01-01T12:00:00Z') },
    ]);
    // Without a readable time stamp it is liveness only, never refused.
    expect(decodeZebraManagement(json({ type: 'ERROR', component: 'radio', timestamp: 'soon' }), ctx).management).toEqual([
      { type: 'heartbeat', deviceId: ctx.deviceId, receivedAt: ctx.receivedAt, body: { type: 'ERROR', component: 'radio', timestamp: 'soon' } },
    ]);
  });

  it('decodes command responses, success and failure', () => {
    const ok = decodeZebraManagement(json({ command: 'set_gpo', command_id: 'c-17', response: 'success', payload: {} }), ctx);
    expect(ok.management).toEqual([{ type: 'response', deviceId: ctx.deviceId, command: 'set_gpo', commandId: 'c-17', ok: true, receivedAt: ctx.receivedAt }]);
    const failed = decodeZebraManagement(json({ command: 'set_gpo', command_id: 18, response: 'failure', payload: { description: 'GPO port 5 does not exist' } }), ctx);
    expect(failed.management).toEqual([{
      type: 'response', deviceId: ctx.deviceId, command: 'set_gpo', commandId: '18', ok: false,
      error: 'failure: GPO port 5 does not exist', receivedAt: ctx.receivedAt,
    }]);
    const odd = decodeZebraManagement(json({ command: 'set_gpo', command_id: 'c-19', response: { code: 3 } }), ctx);
    expect(odd.management[0]).toMatchObject({ ok: false, error: expect.any(String) });
  });

  it('refuses a command response without a command id', () => {
    expect(reasons(decodeZebraManagement(json({ command: 'set_gpo', response: 'success' }), ctx))).toEqual(['wrong_type']);
  });

  it('refuses management payloads that are not event objects', () => {
    expect(reasons(decodeZebraManagement('"alive"', ctx))).toEqual(['not_object']);
    expect(reasons(decodeZebraManagement('{"type":"heartbeat"', ctx))).toEqual(['truncated_json']);
  });
});
