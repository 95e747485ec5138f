import { describe, expect, it } from 'vitest';
import {
  impinjGpiEvent,
  impinjTagInventoryEvent,
  impinjTimestamp,
  joinEvents,
  pcWord,
  zebraCommandResponse,
  zebraGpiEvent,
  zebraHeartbeatEvent,
  zebraTagEvent,
  zebraTimestamp,
} from '../../firmware-sim/portal/formats.ts';

const T = Date.UTC(2025, 0, 1, 12, 0, 0, 123);
const EPC = '7EDA9038051002710002C0AE';

describe('Zebra IoT Connector encoders', () => {
  it('writes the documented tag event, with a +0000 offset without colon', () => {
    const ev = zebraTagEvent({ idHex: EPC.toLowerCase(), antenna: 1, rssi: -61.4, t: T }, { mac: 'C4:7D:CC:FF:FF:FF', eventNum: 42 });
    const text = JSON.stringify(ev);
    expect(JSON.parse(text)).toEqual({
      type: 'SIMPLE',
      timestamp: '2025-01-01T12:00:00.123+0000',
      data: { MAC: 'C4:7D:CC:FF:FF:FF', antenna: 1, eventNum: 42, format: 'epc', idHex: EPC, peakRssi: -61, reads: 1 },
    });
    expect(text).toMatch(/"timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000"/);
  });

  it('prints the reader local time with its offset, still without colon', () => {
    expect(zebraTimestamp(T, 480)).toBe('2025-01-01T20:00:00.123+0800');
    expect(zebraTimestamp(T, -330)).toBe('2025-01-01T06:30:00.123-0530');
  });

  it('ATR7000 variant sends rssi instead of peakRssi', () => {
    const ev = JSON.parse(JSON.stringify(zebraTagEvent({ idHex: EPC, antenna: 3, rssi: -70, t: T }, { mac: 'M', eventNum: 1, model: 'atr7000' })));
    expect(ev.data.rssi).toBe(-70);
    expect(ev.data).not.toHaveProperty('peakRssi');
  });

  it('optional PC field is the Gen2 PC word', () => {
    const ev = zebraTagEvent({ idHex: EPC, antenna: 1, rssi: -50, t: T }, { mac: 'M', eventNum: 1, includePc: true });
    expect(ev.data.PC).toBe('3400');
    expect(pcWord(24)).toBe(0x3400);
  });

  it('batches as a JSON array, or glues objects together with }{', () => {
    const evs = [1, 2, 3].map((n) => zebraTagEvent({ idHex: EPC, antenna: n, rssi: -60, t: T + n }, { mac: 'M', eventNum: n }));
    const arr = joinEvents(evs, 'batched');
    expect(JSON.parse(arr)).toHaveLength(3);
    const glued = joinEvents(evs, 'concatenated');
    expect(glued.split('}{')).toHaveLength(3);
    expect(glued).not.toContain('\n');
    expect(() => JSON.parse(glued)).toThrow();
    const parts = glued.split('}{').map((p, i, all) => (i > 0 ? '{' : '') + p + (i < all.length - 1 ? '}' : ''));
    expect(parts.map((p) => JSON.parse(p).data.eventNum)).toEqual([1, 2, 3]);
    expect(() => joinEvents(evs, 'per-read')).toThrow();
  });

  it('GPI event, heartbeat, and command responses', () => {
    expect(JSON.parse(JSON.stringify(zebraGpiEvent(1, 'LOW')))).toEqual({ type: 'GPI', pin: 1, state: 'LOW' });
    const hb = JSON.parse(JSON.stringify(zebraHeartbeatEvent({ t: T, mac: 'M', uptimeSeconds: 5 })));
    expect(hb.type).toBe('heartbeat');
    expect(hb.timestamp).toBe('2025-01-01T12:00:00.123+0000');
    const ok = JSON.parse(JSON.stringify(zebraCommandResponse({ command: 'set_gpo', command_id: 'c1' })));
    expect(ok).toEqual({ command: 'set_gpo', command_id: 'c1', response: 'success', payload: {} });
    const bad = zebraCommandResponse({ command: 'set_gpo', command_id: 'c2' }, { error: 'invalid GPO port 9' });
    expect(bad.response).toBe('failure');
    expect(bad.payload).toEqual({ description: 'invalid GPO port 9' });
  });
});

describe('Impinj R700 encoders', () => {
  it('writes tagInventory with epcHex, base64 epc, centi-dBm and nine fractional digits', () => {
    const ev = impinjTagInventoryEvent(
      { idHex: EPC, antenna: 1, rssi: -61.5, t: T },
      { hostname: 'impinj-14-4a-8b', antennaNames: { 1: 'Dock outside' } },
    );
    const parsed = JSON.parse(JSON.stringify(ev));
    expect(parsed.eventType).toBe('tagInventory');
    expect(parsed.hostname).toBe('impinj-14-4a-8b');
    expect(parsed.timestamp).toBe('2025-01-01T12:00:00.123000000Z');
    expect(parsed.timestamp).toMatch(/\.\d{9}Z$/);
    const tie = parsed.tagInventoryEvent;
    expect(tie.epcHex).toBe(EPC);
    expect(tie.epc).toBe('ftqQOAUQAnEAAsCu'); // the documented example
    expect(Buffer.from(tie.epc, 'base64').toString('hex').toUpperCase()).toBe(EPC);
    expect(tie.pc).toBe('NAA=');
    expect(tie.peakRssiCdbm).toBe(-6150);
    expect(Number.isInteger(tie.peakRssiCdbm)).toBe(true);
    expect(tie.antennaPort).toBe(1);
    expect(tie.antennaName).toBe('Dock outside');
    expect(tie.lastSeenTime).toBe('2025-01-01T12:00:00.123Z');
  });

  it('can leave out either EPC encoding', () => {
    const hexOnly = impinjTagInventoryEvent({ idHex: EPC, antenna: 2, rssi: -50, t: T }, { hostname: 'h', epcFields: 'hex' });
    expect(hexOnly.tagInventoryEvent.epc).toBeUndefined();
    const b64Only = impinjTagInventoryEvent({ idHex: EPC, antenna: 2, rssi: -50, t: T }, { hostname: 'h', epcFields: 'base64' });
    expect(b64Only.tagInventoryEvent.epcHex).toBeUndefined();
    expect(b64Only.tagInventoryEvent.epc).toBe('ftqQOAUQAnEAAsCu');
  });

  it('nine-digit timestamps for whole milliseconds too', () => {
    expect(impinjTimestamp(T)).toBe('2025-01-01T12:00:00.123000000Z');
    expect(impinjTimestamp(T, 793625)).toBe('2025-01-01T12:00:00.123793625Z');
    // A fractional millisecond carries into the sub-millisecond digits (to double precision).
    expect(impinjTimestamp(T + 0.5)).toMatch(/^2025-01-01T12:00:00\.1235\d{5}Z$/);
    expect(impinjGpiEvent(T, 'h', 1, 'LOW')).toMatchObject({ eventType: 'gpiTransition', gpiTransitionEvent: { gpi: 1, transition: 'high-to-low' } });
  });

  it('refuses a malformed EPC', () => {
    expect(() => impinjTagInventoryEvent({ idHex: 'XYZ', antenna: 1, rssi: -50, t: T }, { hostname: 'h' })).toThrow();
  });
});
