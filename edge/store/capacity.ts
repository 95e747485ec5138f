// A full disk (SQLITE_FULL, or a store capped by max_page_count). SQLite rolls the failed
// transaction back whole, so nothing already stored is lost and nothing is half-kept; what could not
// be stored is refused with STORAGE_FULL where it came from (the API answers 507; an observation is
// refused as `failed` and counted). The rules that need no write keep running. The moment it is
// seen, a critical `storage_full` alarm goes out on the bus (the dashboards' stream, the MQTT alarm
// topics, the gate panels) although it cannot be stored; a small write is tried every few seconds,
// and once one succeeds, the alarm is stored (open, for a person to resolve with a note) and
// everything works again, without a restart.
import type { CustodyContext } from '../context.ts';
import type { EdgeLog } from '../log.ts';
import { randomUUID } from 'node:crypto';
import { raiseAlarm, type Alarm, type RaiseAlarm } from '../alarms/alarm.ts';
import { prepared } from './db.ts';

export const isStorageFull = (err: unknown) => (err as { code?: unknown } | null)?.code === 'SQLITE_FULL';

const CAUSE = 'storage_full';

export class StorageWatch {
  /** Since when the store refuses writes (gateway clock), or null. */
  fullSince: number | null = null;
  /** Writes refused since the disk filled, for the log and the alarm. */
  refused = 0;

  constructor(private readonly ctx: CustodyContext, private readonly log: EdgeLog) {}

  /** Told of every custody transaction that failed; only a full store matters here. */
  noteFailure(err: unknown): void {
    if (!isStorageFull(err)) return;
    this.refused++;
    if (this.fullSince !== null) return;
    this.fullSince = this.ctx.clock.now();
    this.log.error({ code: 'SQLITE_FULL' }, 'the store\'s disk is full: changes are refused until space is back; the rules that need no write keep running, nothing stored is lost');
    this.ctx.bus.emit('alarm', this.unstoredAlarm());
  }

  /** While full: one small write; when it goes through, the alarm is stored and work goes on. */
  tick(): void {
    if (this.fullSince === null) return;
    try {
      prepared(this.ctx.db, `INSERT INTO sync_state (key, value) VALUES ('storage.probe', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`)
        .run(this.ctx.nowIso());
    } catch (err) {
      if (!isStorageFull(err)) this.log.error({ err }, 'the store\'s write probe failed');
      return;
    }
    const since = new Date(this.fullSince).toISOString();
    const refused = this.refused;
    this.fullSince = null;
    this.refused = 0;
    try {
      this.ctx.transaction(() => raiseAlarm(this.ctx, {
        kind: 'storage_full', severity: 'critical', restricted: false, causeKey: CAUSE,
        message: `The store's disk was full from ${since} to ${this.ctx.nowIso()}: ${refused} change(s) were refused and not stored`,
        details: { since, recoveredAt: this.ctx.nowIso(), refused },
      }));
      this.log.info({ since, refused }, 'the store takes writes again');
    } catch (err) {
      this.noteFailure(err);
    }
  }

  private unstoredAlarm(): Alarm {
    return unstoredAlarm(this.ctx, {
      kind: 'storage_full', severity: 'critical', causeKey: CAUSE, restricted: false,
      message: 'The gateway\'s disk is full: changes are refused until space is back', details: { since: new Date(this.fullSince!).toISOString() },
    });
  }
}

/**
 * An alarm as the outputs hear it (stream, MQTT alarm topics, gate light) when the store cannot take
 * it: `details.stored` false, an id of its own. What it says is stored once space is back only for
 * `storage_full`; a gate's unstored alarm is also in the log.
 */
export function unstoredAlarm(ctx: CustodyContext, a: RaiseAlarm): Alarm {
  const at = ctx.nowIso();
  return {
    id: `unstored-${randomUUID()}`, kind: a.kind, severity: a.severity, state: 'open', message: a.message,
    itemId: a.itemId ?? null, epc: a.epc ?? null, gateId: a.gateId ?? null, zoneId: a.zoneId ?? null, locationId: a.locationId ?? null,
    deviceId: a.deviceId ?? null, orderId: a.orderId ?? null, details: { ...a.details, stored: false }, occurrences: 1, openedAt: at, updatedAt: at,
    acknowledgedBy: null, acknowledgedAt: null, acknowledgeNote: null, resolvedBy: null, resolvedAt: null, resolveNote: null, version: 1, restricted: a.restricted,
  };
}
