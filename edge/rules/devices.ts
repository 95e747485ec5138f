// Device liveness as the edge sees it: the gateway reports each link's state and counters as
// `device` observations; the edge keeps the latest per device for the API and opens
// `device_offline` (critical for a gate's reader) until the device is heard again.
import type { CustodyContext } from '../context.ts';
import type { DeviceObservation } from '../observations.ts';

export type DeviceLinkStatus = NonNullable<DeviceObservation['link']>;
import type { Device } from '../site/schema.ts';
import { autoResolve, raiseAlarm } from '../alarms/alarm.ts';
import { prepared } from '../store/db.ts';

export interface DeviceStatus {
  id: string; kind: Device['kind']; format: string | null; name: string | null; gateId: string | null;
  state: 'online' | 'offline' | 'unknown'; reason: string | null; lastSeen: string | null;
  readsPerSecond: number; accepted: number; rejected: Record<string, number>; restricted: boolean;
  /** The device's clock minus the gateway's, ms (positive: ahead); null until it has sent a time. Evidence only: decisions use the gateway's clock. */
  clockOffsetMs: number | null;
  /** The offset is beyond the site's `rules.maxDeviceClockOffsetSeconds`: the reader's clock wants setting. */
  clockOffsetExceeded: boolean;
  /** Times its clock jumped (set forward or back, a reboot to 1970) since the gateway started. */
  clockJumps: number;
  /** Its reads that its gate's portal left out: on an antenna the site does not map, or too late for their pass. */
  readsIgnored: { unknown_antenna: number; late: number };
  /** The link that carries it (serial port, device server, broker), as the gateway last reported it; null before any report. */
  link: DeviceLinkStatus | null;
}

export class DeviceRegistry {
  private readonly status = new Map<string, DeviceStatus>();

  constructor(private readonly ctx: CustodyContext) {
    for (const d of ctx.site.devices) {
      const gate = ctx.site.gates.find((g) => g.readers.some((r) => r.deviceId === d.id));
      this.status.set(d.id, {
        id: d.id, kind: d.kind, format: d.format ?? null, name: d.name ?? null, gateId: gate?.id ?? null,
        state: 'unknown', reason: null, lastSeen: null, readsPerSecond: 0, accepted: 0, rejected: {},
        clockOffsetMs: null, clockOffsetExceeded: false, clockJumps: 0, readsIgnored: { unknown_antenna: 0, late: 0 }, link: null,
        restricted: (!!gate && (ctx.isRestrictedZone(gate.innerZone) || ctx.isRestrictedZone(gate.outerZone))) || watchesRestricted(ctx, d),
      });
    }
    // A device that was offline when the gateway last stopped is still offline until it is heard:
    // say so, rather than `unknown` beside an open alarm.
    const open = prepared(ctx.db, `SELECT device_id, details FROM alarms WHERE kind = 'device_offline' AND state <> 'resolved'`).all() as { device_id: string; details: string }[];
    for (const a of open) {
      const s = this.status.get(a.device_id);
      if (!s) continue;
      const d = JSON.parse(a.details) as { reason?: string; lastSeen?: string | null };
      Object.assign(s, { state: 'offline', reason: d.reason ?? null, lastSeen: d.lastSeen ?? null });
    }
  }

  list(): DeviceStatus[] { return [...this.status.values()].map(copy); }

  /** The device's measured clock offset, as the gateway last measured it. */
  private setClock(s: DeviceStatus, offsetMs: number | null, jumps: number): void {
    s.clockOffsetMs = offsetMs;
    s.clockJumps = jumps;
    s.clockOffsetExceeded = offsetMs !== null && Math.abs(offsetMs) > this.ctx.site.rules.maxDeviceClockOffsetSeconds * 1000;
  }
  get(id: string): DeviceStatus | undefined {
    const s = this.status.get(id);
    return s ? copy(s) : undefined;
  }

  /**
   * The gateway's report of one device: its state and its counters. A change of state opens or
   * resolves `device_offline`; a report with no change (`status`) only brings the counters up to date.
   * False for a device the site does not have.
   */
  observe(o: DeviceObservation): boolean {
    const s = this.status.get(o.deviceId);
    if (!s) return false;
    const was = s.state;
    const changed = was !== o.state;
    const heard = o.lastHeard ?? (o.state === 'online' ? o.at : null);
    const lastSeen = heard !== null && heard > 0 ? new Date(heard).toISOString() : s.lastSeen;
    if (changed) {
      // The alarm first: should the store refuse it, the registry keeps the old state, so that the
      // next report is a change again and tries again, instead of an outage with no alarm.
      const causeKey = `device_offline:${o.deviceId}`;
      this.ctx.transaction(() => {
        if (o.state === 'offline') {
          raiseAlarm(this.ctx, {
            kind: 'device_offline', severity: s.gateId ? 'critical' : 'warning', causeKey, restricted: s.restricted,
            deviceId: o.deviceId, gateId: s.gateId, message: `设备 ${s.name ?? o.deviceId} 离线（${o.reason}）`,
            details: { reason: o.reason, lastSeen },
          });
        } else {
          // From `unknown` too: after a restart the registry starts blank, and an alarm opened before it
          // ends when the device signs in again.
          autoResolve(this.ctx, causeKey, `设备恢复在线（${o.reason}）`);
        }
      });
    }
    Object.assign(s, {
      state: o.state, readsPerSecond: o.readsPerSecond, accepted: o.accepted, rejected: o.rejected, lastSeen,
      ...(changed || o.reason !== 'status' ? { reason: o.reason } : {}),
      ...(o.readsIgnored ? { readsIgnored: { ...o.readsIgnored } } : {}),
      ...(o.link ? { link: { ...o.link, errors: { ...o.link.errors } } } : {}),
    });
    if (o.clockOffsetMs !== undefined) this.setClock(s, o.clockOffsetMs, o.clockJumps ?? s.clockJumps);
    if (!changed) return true;
    this.ctx.bus.emit('device', copy(s));
    return true;
  }
}

/** A shelf reader or load cell that watches a location of the restricted zone is seen by `discipline` only: its name and state say where activity is. */
function watchesRestricted(ctx: CustodyContext, d: Device): boolean {
  const zoneOf = (locationId: string) => ctx.site.locations.find((l) => l.id === locationId)?.zoneId;
  const watched = [...d.antennas.map((a) => a.locationId), ...(d.locationId ? [d.locationId] : [])];
  return watched.some((l) => { const z = zoneOf(l); return !!z && ctx.isRestrictedZone(z); });
}

/** What leaves the registry is a copy: a reader of the list must not change the edge's record. */
function copy(s: DeviceStatus): DeviceStatus {
  return { ...s, rejected: { ...s.rejected }, readsIgnored: { ...s.readsIgnored }, link: s.link ? { ...s.link, errors: { ...s.link.errors } } : null };
}
