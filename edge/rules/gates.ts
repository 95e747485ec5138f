// The gates' portals as the edge knows them: the gateway reports each gate's open tracks and its
// smoothing counters as `gate` observations, and the API and the metrics read them here, never
// from the gateway's portal itself.
import type { CustodyContext } from '../context.ts';
import type { GateObservation } from '../observations.ts';

export type PortalStatus = Omit<GateObservation, 'type' | 'gateId'>;

export class GateBoard {
  private readonly latest = new Map<string, PortalStatus>();

  constructor(private readonly ctx: CustodyContext) {}

  observe(o: GateObservation): boolean {
    if (!this.ctx.gates.has(o.gateId)) return false;
    const { type: _t, gateId, ...status } = o;
    this.latest.set(gateId, status);
    return true;
  }

  /** `crossing` while the portal reads tags at the gate; `idle` otherwise, and before the gateway has said. */
  state(gateId: string): 'idle' | 'crossing' {
    return (this.latest.get(gateId)?.openTracks ?? 0) > 0 ? 'crossing' : 'idle';
  }

  /** The portal's counters, null until the gateway has reported the gate. */
  portal(gateId: string): PortalStatus | null {
    const s = this.latest.get(gateId);
    return s ? { ...s, ignored: { ...s.ignored }, crossings: { ...s.crossings } } : null;
  }
}
