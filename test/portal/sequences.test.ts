// The hand-written read sequences in ./sequences: one file each, written from the physics of a
// tag walking through a portal (see README.md there), each with the crossings it must give.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { crossingObservation, type Direction, type TagObservation } from '../../edge/observations.ts';
import { gateSchema } from '../../edge/site/schema.ts';
import { Portal } from '../../gateway/portal/portal.ts';
import type { PortalOptions } from '../../gateway/portal/options.ts';
import { feed, type Arrival } from './feed.ts';

interface SequenceFile {
  description: string;
  gate: unknown;
  portal?: Partial<PortalOptions>;
  /** The EPC of reads that do not name one. */
  epc?: string;
  reads: { antenna: number; rssi: number | null; t: number; deviceId?: string; epc?: string; receivedAt?: number; reads?: number }[];
  gpi?: { pin: number; state: 'high' | 'low'; t: number; deviceId?: string; receivedAt?: number }[];
  /** EPC → the crossing(s) it must give, in order; an EPC not named must give none. */
  expected: Record<string, Direction | Direction[]>;
  confidence?: Record<string, { min?: number; max?: number }>;
  /** EPCs that must be listed as resident at gateway time `at` (relative ms). */
  residents?: { at: number; epcs: string[] }[];
  /** Counters the portal must show at the end (a subset of stats()). */
  stats?: Record<string, unknown>;
}

/** Relative times in the files are put on a real epoch: 2024-11-01T08:00:00Z. */
const BASE = Date.UTC(2024, 10, 1, 8, 0, 0);
/** A reader's MQTT report reaches the gateway this long after its device time, unless a read says. */
const LATENCY = 30;

const dir = join(dirname(fileURLToPath(import.meta.url)), 'sequences');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

describe('hand-written read sequences', () => {
  it('has at least 30 of them', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  for (const file of files) {
    const seq = JSON.parse(readFileSync(join(dir, file), 'utf8')) as SequenceFile;
    it(`${file}: ${seq.description}`, () => {
      const gate = gateSchema.parse(seq.gate);
      const portal = new Portal(gate, seq.portal);
      const device = gate.readers[0]!.deviceId;
      const arrivals: Arrival[] = [];
      for (const r of seq.reads) {
        const epc = r.epc ?? seq.epc;
        if (!epc) throw new Error(`${file}: a read without an EPC and no default`);
        const tag: TagObservation = {
          type: 'tag', deviceId: r.deviceId ?? device, antenna: r.antenna, epc, rssi: r.rssi,
          deviceTime: BASE + r.t, receivedAt: BASE + (r.receivedAt ?? r.t + LATENCY), reads: r.reads ?? 1,
        };
        arrivals.push({ kind: 'tag', tag });
      }
      for (const g of seq.gpi ?? []) {
        arrivals.push({
          kind: 'gpi',
          gpi: { type: 'gpi', deviceId: g.deviceId ?? device, pin: g.pin, state: g.state, deviceTime: BASE + g.t, receivedAt: BASE + (g.receivedAt ?? g.t + LATENCY) },
        });
      }
      const residentChecks = [...(seq.residents ?? [])];
      const decided = feed(portal, arrivals, {
        onTick: (now) => {
          while (residentChecks.length && BASE + residentChecks[0]!.at <= now) {
            const check = residentChecks.shift()!;
            expect(portal.residents(), `residents at ${check.at}`).toEqual([...check.epcs].sort());
          }
        },
      });
      expect(residentChecks, 'every resident check ran').toEqual([]);

      const got: Record<string, Direction[]> = {};
      for (const { observation: o, decision } of decided) {
        expect(crossingObservation.safeParse(o).success, JSON.stringify(o)).toBe(true);
        expect(o.gateId).toBe(gate.id);
        (got[o.epc] ??= []).push(o.direction);
        const bounds = seq.confidence?.[o.epc];
        const why = `${o.epc} ${o.direction} ${o.confidence} ${decision.reason} ${JSON.stringify(decision.evidence)}`;
        if (bounds?.min !== undefined) expect(o.confidence, why).toBeGreaterThanOrEqual(bounds.min);
        if (bounds?.max !== undefined) expect(o.confidence, why).toBeLessThanOrEqual(bounds.max);
      }
      const want: Record<string, Direction[]> = {};
      for (const [epc, d] of Object.entries(seq.expected)) want[epc] = Array.isArray(d) ? d : [d];
      const detail = decided.map((c) => `${c.observation.epc} ${c.observation.direction} ${c.decision.reason} ${JSON.stringify(c.decision.evidence)}`).join('\n');
      expect(got, detail).toEqual(want);
      if (seq.stats) expect(portal.stats()).toMatchObject(seq.stats);
      expect(portal.openTracks()).toEqual([]);
    });
  }
});
