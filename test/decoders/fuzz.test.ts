// Thousands of mangled payloads (seeded, so a failure replays): truncations, bit flips, spliced
// and duplicated bytes, fields swapped for random JSON, random JSON and random bytes. No decoder
// may throw, and whatever comes out must be well formed: every tag passes the edge's schema.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tagObservation } from '../../edge/observations.ts';
import { decodeImpinj, decodeImpinjManagement } from '../../gateway/decoders/impinj.ts';
import { REJECT_REASONS, SKIP_REASONS, type DecodeResult, type Payload } from '../../gateway/decoders/result.ts';
import { decodeZebraManagement, decodeZebraTags } from '../../gateway/decoders/zebra.ts';
import { ctx, IMPINJ_EXAMPLE, impinjEvent, json, read, ZEBRA_EXAMPLE, zebraEvent } from './fixtures.ts';

const SEED = 0x5eed_c0de;
const ROUNDS = 4_000;

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}
type Rng = ReturnType<typeof prng>;

const SEEDS: string[] = [
  ZEBRA_EXAMPLE,
  IMPINJ_EXAMPLE,
  json([zebraEvent(read({ antenna: 1 })), zebraEvent(read({ antenna: 2 }), { format: 'tid' }), zebraEvent(read(), { rssi: -40, peakRssi: undefined })]),
  `${json(zebraEvent(read()))}${json(zebraEvent(read({ antenna: 3 })))}\n${json(zebraEvent(read()))}`,
  [impinjEvent(read()), impinjEvent(read({ antenna: 4 }), { epcHex: undefined }), { eventType: 'inventoryStatus', timestamp: '2021-02-02T18:39:34Z' }].map(json).join('\n'),
  json([impinjEvent(read()), { eventType: 'gpiTransition', timestamp: '2021-02-02T18:39:34.1Z', gpiTransitionEvent: { gpi: 1, transition: 'high-to-low' } }]),
  '{"type":"GPI","pin":1,"state":"LOW","timestamp":"2025-01-01T12:00:00.000+0000"}{"type":"GPI","pin":1,"state":"HIGH"}',
  json({ command: 'set_gpo', command_id: 'c-1', response: 'failure', payload: { description: 'no such port' } }),
  json({ type: 'heartbeat', timestamp: '2025-01-01T12:00:00+0000', data: { temperature: 40 } }),
];

function randomString(rng: Rng): string {
  const alphabets = ['0123456789ABCDEF', '0123456789abcdefXYZ ', 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=', '{}[]",:\\\n\t 中\u0000\uD800'];
  const alphabet = rng.pick(alphabets);
  const n = rng.pick([0, 1, 3, 4, 23, 24, 25, 64, 65, 200]);
  let s = '';
  for (let i = 0; i < n; i += 1) s += alphabet[rng.int(alphabet.length)];
  return s;
}

function randomValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 3 ? 6 : 8)) {
    case 0: return null;
    case 1: return rng.next() < 0.5;
    case 2: return rng.pick([0, -0, 1, -1, 2.5, -61, -6150, 65535, 65536, 1e21, -1e308, Number.MAX_SAFE_INTEGER + 2, 1735732800000]);
    case 3: return rng.pick(['', 'tid', 'epc', 'GPI', 'HIGH', 'LOW', 'high-to-low', 'tagInventory', 'gpiTransition', 'SIMPLE', '2025-01-01T12:00:00.123+0000', '2021-02-02T18:39:34.385793625Z', '9999-12-31T23:59:59.999Z', '0000-01-01T00:00:00Z', 'success']);
    case 4: return randomString(rng);
    case 5: return rng.int(1_000_000) - 500_000;
    case 6: return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1));
    default: {
      const keys = ['type', 'data', 'idHex', 'antenna', 'peakRssi', 'rssi', 'reads', 'format', 'timestamp', 'pin', 'state', 'command', 'command_id', 'response',
        'eventType', 'tagInventoryEvent', 'epcHex', 'epc', 'antennaPort', 'peakRssiCdbm', 'lastSeenTime', 'gpiTransitionEvent', 'gpi', 'transition', '__proto__', 'constructor'];
      const o: Record<string, unknown> = {};
      for (let i = rng.int(6); i > 0; i -= 1) o[rng.pick(keys)] = randomValue(rng, depth + 1);
      return o;
    }
  }
}

/** Replaces or deletes one field somewhere inside a parsed seed: the type confusion a byte flip rarely finds. */
function mutateJson(rng: Rng, text: string): string {
  const lines = text.split('\n');
  const idx = rng.int(lines.length);
  let value: unknown;
  try {
    value = JSON.parse(lines[idx]!);
  } catch {
    return text;
  }
  let node: unknown = value;
  for (let steps = rng.int(4); steps >= 0; steps -= 1) {
    const children = node && typeof node === 'object' ? Object.keys(node) : [];
    if (children.length === 0) break;
    const key = rng.pick(children);
    const child = (node as Record<string, unknown>)[key];
    if (steps === 0 || !child || typeof child !== 'object') {
      if (rng.next() < 0.2) delete (node as Record<string, unknown>)[key];
      else (node as Record<string, unknown>)[key] = randomValue(rng);
      break;
    }
    node = child;
  }
  lines[idx] = JSON.stringify(value);
  return lines.join('\n');
}

function mutateBytes(rng: Rng, text: string): Payload {
  const bytes = Buffer.from(text);
  switch (rng.int(6)) {
    case 0: return bytes.subarray(0, rng.int(bytes.length + 1)); // truncation, possibly mid-character
    case 1: { // bit flips
      for (let i = 1 + rng.int(4); i > 0 && bytes.length > 0; i -= 1) bytes[rng.int(bytes.length)]! ^= 1 << rng.int(8);
      return bytes;
    }
    case 2: { // structural characters inserted
      const at = rng.int(text.length + 1);
      return text.slice(0, at) + rng.pick(['{', '}', '[', ']', '"', ',', ':', '\n', '}{', '\\', '\u0000']) + text.slice(at);
    }
    case 3: { // a range deleted
      const at = rng.int(text.length + 1);
      return text.slice(0, at) + text.slice(at + rng.int(40));
    }
    case 4: { // a slice duplicated
      const at = rng.int(text.length + 1);
      const len = rng.int(60);
      return text.slice(0, at + len) + text.slice(at, at + len) + text.slice(at + len);
    }
    default: { // two payloads spliced
      const other = rng.pick(SEEDS);
      return text.slice(0, rng.int(text.length + 1)) + other.slice(rng.int(other.length + 1));
    }
  }
}

function nextPayload(rng: Rng): Payload {
  const roll = rng.next();
  if (roll < 0.3) return mutateBytes(rng, rng.pick(SEEDS));
  if (roll < 0.6) return mutateJson(rng, rng.pick(SEEDS));
  if (roll < 0.75) return mutateBytes(rng, mutateJson(rng, rng.pick(SEEDS)));
  if (roll < 0.9) return JSON.stringify(randomValue(rng));
  return Buffer.from(Array.from({ length: rng.int(300) }, () => rng.int(256)));
}

const managementEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('gpi'), deviceId: z.string().min(1), pin: z.number().int().nonnegative(), state: z.enum(['high', 'low']), deviceTime: z.number().int().nonnegative(), receivedAt: z.number(), gatewayTime: z.number().int().nonnegative().optional() }).strict(),
  z.object({ type: z.literal('heartbeat'), deviceId: z.string().min(1), receivedAt: z.number(), body: z.record(z.string(), z.unknown()), deviceTime: z.number().int().nonnegative().optional() }).strict(),
  z.object({ type: z.literal('response'), deviceId: z.string().min(1), command: z.string(), commandId: z.string(), ok: z.boolean(), error: z.string().optional(), receivedAt: z.number() }).strict(),
]);

const DECODERS = { decodeZebraTags, decodeZebraManagement, decodeImpinj, decodeImpinjManagement };

const rejectReasons = new Set<string>(REJECT_REASONS);
const skipReasons = new Set<string>(SKIP_REASONS);

/** Throws on the first malformed part; plain checks, since this runs some 16 000 times. */
function checkWellFormed(res: DecodeResult): void {
  for (const tag of res.tags) tagObservation.parse(tag);
  for (const m of res.management) managementEvent.parse(m);
  for (const r of res.rejected) {
    if (!rejectReasons.has(r.reason)) throw new Error(`unknown rejection reason ${r.reason}`);
    if (typeof r.detail !== 'string' || r.detail.length > 201) throw new Error(`bad detail ${String(r.detail).slice(0, 300)}`);
  }
  for (const s of res.skipped) {
    if (!skipReasons.has(s.reason) || !(s.count > 0)) throw new Error(`bad skip ${JSON.stringify(s)}`);
  }
}

describe('decoder fuzzing', () => {
  it(`never throws and only emits valid observations over ${ROUNDS} mangled payloads`, () => {
    const rng = prng(SEED);
    const seen = { tags: 0, management: 0, reasons: new Set<string>() };
    for (let round = 0; round < ROUNDS; round += 1) {
      const payload = nextPayload(rng);
      const maxBytes = rng.next() < 0.05 ? rng.int(200) : undefined;
      for (const [name, decode] of Object.entries(DECODERS)) {
        let res: DecodeResult;
        try {
          res = decode(payload, { ...ctx, maxBytes });
        } catch (err) {
          throw new Error(`${name} threw on round ${round} (seed ${SEED}): ${String(err)}\npayload: ${JSON.stringify(String(payload)).slice(0, 500)}`);
        }
        try {
          checkWellFormed(res);
        } catch (err) {
          throw new Error(`${name} emitted a malformed result on round ${round} (seed ${SEED}): ${String(err)}`);
        }
        seen.tags += res.tags.length;
        seen.management += res.management.length;
        for (const r of res.rejected) seen.reasons.add(r.reason);
      }
    }
    // The mangling must leave enough intact to reach past the framing into every field check.
    expect(seen.tags).toBeGreaterThan(500);
    expect(seen.management).toBeGreaterThan(500);
    expect([...seen.reasons].sort()).toEqual([...REJECT_REASONS].sort());
  });
});
