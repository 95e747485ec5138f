// Field readers shared by the vendor decoders. Each returns the normalised value or the
// rejection it earns, so that both vendors refuse the same faults with the same codes.
import type { RejectReason } from './result.ts';
import { describeValue } from './payload.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: RejectReason; detail: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (reason: RejectReason, detail: string): Parsed<never> => ({ ok: false, reason, detail });

/** The observation schema's limit: at most 16 words (a 256-bit EPC), which covers every GS1 scheme. */
const MAX_EPC_HEX = 64;

/** An EPC given in hex, as uppercase hex of whole 16-bit words. */
export function epcFromHex(v: unknown, name: string): Parsed<string> {
  if (v === undefined || v === null || v === '') return fail('missing_epc', `${name} is ${describeValue(v)}`);
  if (typeof v !== 'string') return fail('bad_epc', `${name} is ${describeValue(v)}, not a hex string`);
  if (v.length > MAX_EPC_HEX) return fail('bad_epc', `${name} has ${v.length} hex digits, at most ${MAX_EPC_HEX}`);
  if (!/^[0-9A-Fa-f]+$/.test(v)) return fail('bad_epc', `${name} ${describeValue(v)} is not hex`);
  if (v.length % 2 !== 0) return fail('bad_epc', `${name} has an odd number of hex digits (${v.length})`);
  if (v.length % 4 !== 0) return fail('bad_epc', `${name} is not whole 16-bit words (${v.length} hex digits)`);
  return ok(v.toUpperCase());
}

/** An EPC given in base64 (Impinj's `epc`), as uppercase hex. */
export function epcFromBase64(v: unknown, name: string): Parsed<string> {
  if (v === undefined || v === null || v === '') return fail('missing_epc', `${name} is ${describeValue(v)}`);
  if (typeof v !== 'string') return fail('bad_epc', `${name} is ${describeValue(v)}, not base64`);
  // Buffer.from(…, 'base64') skips characters it does not know, so check the alphabet first.
  if (v.length > 100 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(v) || v.replace(/=+$/, '').length % 4 === 1) {
    return fail('bad_epc', `${name} ${describeValue(v)} is not base64`);
  }
  return epcFromHex(Buffer.from(v, 'base64').toString('hex'), name);
}

/** An antenna port: the gate's sides are configured by port, so a guessed port would be worse than none. */
export function antennaPort(v: unknown, name: string): Parsed<number> {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= 0xffff) return ok(v);
  return fail('bad_antenna', `${name} is ${describeValue(v)}, not a port from 1 to 65535`);
}

const RSSI_MIN_DBM = -150;
const RSSI_MAX_DBM = 20;

/** RSSI in dBm, from a value in `unitsPerDbm` (1 for dBm, 100 for Impinj's centi-dBm). Absent is null. */
export function rssiDbm(v: unknown, name: string, unitsPerDbm = 1): Parsed<number | null> {
  if (v === undefined || v === null) return ok(null);
  if (typeof v !== 'number' || !Number.isFinite(v)) return fail('bad_rssi', `${name} is ${describeValue(v)}, not a number`);
  const dbm = v / unitsPerDbm;
  if (dbm < RSSI_MIN_DBM || dbm > RSSI_MAX_DBM) {
    return fail('bad_rssi', `${name} ${describeValue(v)} is outside ${RSSI_MIN_DBM}…${RSSI_MAX_DBM} dBm`);
  }
  return ok(dbm);
}

/**
 * A device time in epoch ms. Absent means the device did not say: the receive time stands in.
 * Present but unreadable is refused, not replaced: a silently wrong time would misorder a
 * crossing, and the count of `bad_timestamp` shows a misconfigured reader.
 */
export function deviceTime(v: unknown, name: string, receivedAt: number): Parsed<number> {
  if (v === undefined || v === null) return ok(receivedAt);
  if (typeof v !== 'string') return fail('bad_timestamp', `${name} is ${describeValue(v)}, not an ISO 8601 string`);
  const ms = parseIsoMs(v);
  return ms === null ? fail('bad_timestamp', `${name} ${describeValue(v)} is not a time with a zone after 1970`) : ok(ms);
}

/** Did the device say when? When it did not, the receive time that stands in is already the gateway's. */
export const saysTime = (v: unknown): boolean => v !== undefined && v !== null;

/**
 * A heartbeat's own time stamp, when it carries a readable one: a clock sample for a reader that
 * reads no tags. Never a reason to refuse a heartbeat, whose schema no vendor publishes.
 */
export function heartbeatTime(v: unknown): { deviceTime?: number } {
  const ms = typeof v === 'string' ? parseIsoMs(v) : null;
  return ms === null ? {} : { deviceTime: ms };
}

// Date-time with a zone: `Z`, `+08:00` or Zebra's `+0000`; a fraction of any length up to nine
// digits (Impinj sends nanoseconds). A time without a zone is refused: which zone the reader
// meant is a guess, and eight hours is the difference between a crossing and an alarm.
const ISO = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;
const MAX_MS = 253402300799999; // 9999-12-31T23:59:59.999Z

export function parseIsoMs(s: string): number | null {
  const m = ISO.exec(s);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const h = Number(m[4]);
  const mi = Number(m[5]);
  const sec = Number(m[6]);
  // Date.UTC reads years 0–99 as 1900–1999; those are before 1970 and refused anyway.
  if (y < 100) return null;
  // Milliseconds are kept, finer digits dropped (truncated, not rounded, so .9999 stays in its second).
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const local = Date.UTC(y, mo - 1, d, h, mi, sec, ms);
  // Date.UTC rolls 31 February or 24:00 over into the next day; a real time reads back unchanged.
  const date = new Date(local);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d
    || date.getUTCHours() !== h || date.getUTCMinutes() !== mi || date.getUTCSeconds() !== sec) return null;
  let offsetMin = 0;
  if (m[9]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const t = local - offsetMin * 60_000;
  return t >= 0 && t <= MAX_MS ? t : null;
}
