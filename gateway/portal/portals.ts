// Every gate's portal, found by the reader that speaks for it: what the gateway feeds.
import type { CrossingObservation, TagObservation } from '../../edge/observations.ts';
import type { Gate } from '../../edge/site/schema.ts';
import type { GpiEvent } from '../decoders/types.ts';
import type { PortalOptions } from './options.ts';
import { Portal, type PortalStats } from './portal.ts';

export interface PortalsStats {
  /** Reads and GPI edges from devices that serve no gate. */
  unrouted: { reads: number; gpi: number };
  gates: Record<string, PortalStats>;
}

export class Portals {
  private readonly byGate = new Map<string, Portal>();
  private readonly byDevice = new Map<string, Portal>();
  private readonly unrouted = { reads: 0, gpi: 0 };

  constructor(gates: readonly Gate[], opts: Partial<PortalOptions> = {}) {
    for (const gate of gates) {
      const portal = new Portal(gate, opts);
      this.byGate.set(gate.id, portal);
      // The site schema lets a reader serve one gate only.
      for (const r of gate.readers) this.byDevice.set(r.deviceId, portal);
    }
  }

  gate(gateId: string): Portal | undefined {
    return this.byGate.get(gateId);
  }

  forDevice(deviceId: string): Portal | undefined {
    return this.byDevice.get(deviceId);
  }

  /** False when the reader serves no gate (a shelf reader's reads do not belong here). */
  ingest(tag: TagObservation): boolean {
    const p = this.byDevice.get(tag.deviceId);
    if (!p) {
      this.unrouted.reads++;
      return false;
    }
    p.ingest(tag);
    return true;
  }

  ingestGpi(e: GpiEvent): boolean {
    const p = this.byDevice.get(e.deviceId);
    if (!p) {
      this.unrouted.gpi++;
      return false;
    }
    p.ingestGpi(e);
    return true;
  }

  tick(now: number): CrossingObservation[] {
    const out: CrossingObservation[] = [];
    for (const p of this.byGate.values()) out.push(...p.tick(now));
    return out;
  }

  /** Resident tags per gate. */
  residents(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [id, p] of this.byGate) out[id] = p.residents();
    return out;
  }

  stats(): PortalsStats {
    const gates: Record<string, PortalStats> = {};
    for (const [id, p] of this.byGate) gates[id] = p.stats();
    return { unrouted: { ...this.unrouted }, gates };
  }
}
