// Alarms: one live alarm per cause. A rule that fires again updates the live one (more
// occurrences, a higher severity) instead of opening a second.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { CustodyContext } from '../context.ts';
import { fail } from '../errors.ts';
import { requireAllowed, seesRestricted, type Principal } from '../auth/principal.ts';
import { prepared } from '../store/db.ts';

export const ALARM_KINDS = [
  'unauthorized_movement', 'escort_missing', 'restricted_zone_breach', 'unexpected_removal', 'misplaced',
  'overdue_return', 'unknown_tag', 'environment', 'device_offline', 'manifest_discrepancy', 'decision_failed',
  // The platform link (edge/sync/): an order cancelled upstream while its items are out under it; a platform that refuses our chain.
  'order_cancelled_upstream', 'sync_refused',
  // The store's disk was full: changes were refused until space came back (edge/store/capacity.ts).
  'storage_full',
  // Warnings before the fact, each raised once per cause (edge/rules/due-soon.ts, edge/rules/retention.ts).
  'due_soon', 'retention_exceeded',
] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];
export const SEVERITIES = ['warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const ALARM_STATES = ['open', 'acknowledged', 'resolved'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];
/** These end by themselves when their cause ends; every other alarm is resolved by a person. */
export const SELF_RESOLVING: readonly AlarmKind[] = ['device_offline', 'misplaced', 'environment'];

interface AlarmRow {
  id: string; kind: AlarmKind; severity: Severity; state: AlarmState; cause_key: string; restricted: number;
  item_id: string | null; epc: string | null; gate_id: string | null; zone_id: string | null; location_id: string | null;
  device_id: string | null; order_id: string | null; message: string; details: string; occurrences: number;
  opened_at: string; updated_at: string; acknowledged_by: string | null; acknowledged_at: string | null; acknowledge_note: string | null;
  resolved_by: string | null; resolved_at: string | null; resolve_note: string | null; version: number;
}

/** An alarm as the API, the stream and the gateway's outputs show it. */
export const alarmApi = z.object({
  id: z.string(),
  kind: z.enum(ALARM_KINDS),
  severity: z.enum(SEVERITIES),
  state: z.enum(ALARM_STATES),
  message: z.string(),
  itemId: z.string().nullable(),
  epc: z.string().nullable(),
  gateId: z.string().nullable(),
  zoneId: z.string().nullable(),
  locationId: z.string().nullable(),
  deviceId: z.string().nullable(),
  orderId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).describe('the evidence, by kind: EPCs, badges, readings'),
  occurrences: z.number().int().describe('how often the same cause fired while the alarm was live'),
  openedAt: z.string(),
  updatedAt: z.string(),
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  acknowledgeNote: z.string().nullable(),
  resolvedBy: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  resolveNote: z.string().nullable(),
  version: z.number().int(),
  restricted: z.boolean(),
});
export type Alarm = z.infer<typeof alarmApi>;

export function alarmToApi(r: AlarmRow): Alarm {
  return {
    id: r.id, kind: r.kind, severity: r.severity, state: r.state, message: r.message,
    itemId: r.item_id, epc: r.epc, gateId: r.gate_id, zoneId: r.zone_id, locationId: r.location_id,
    deviceId: r.device_id, orderId: r.order_id, details: JSON.parse(r.details) as Record<string, unknown>,
    occurrences: r.occurrences, openedAt: r.opened_at, updatedAt: r.updated_at,
    acknowledgedBy: r.acknowledged_by, acknowledgedAt: r.acknowledged_at, acknowledgeNote: r.acknowledge_note,
    resolvedBy: r.resolved_by, resolvedAt: r.resolved_at, resolveNote: r.resolve_note, version: r.version,
    restricted: r.restricted === 1,
  };
}

export interface RaiseAlarm {
  kind: AlarmKind;
  severity: Severity;
  /** What makes two firings the same cause, e.g. `overdue_return:ITEM-1:OUT-SEQ-42`. */
  causeKey: string;
  message: string;
  restricted: boolean;
  itemId?: string | null; epc?: string | null; gateId?: string | null; zoneId?: string | null;
  locationId?: string | null; deviceId?: string | null; orderId?: string | null;
  details?: Record<string, unknown>;
}

const rank = (s: Severity) => (s === 'critical' ? 2 : 1);

/** A repeat of the same cause adds to its evidence: lists (foreign EPCs, badges) accumulate, the rest is the latest. */
function mergeDetails(old: Record<string, unknown>, next: Record<string, unknown>): Record<string, unknown> {
  const out = { ...old, ...next };
  for (const [k, v] of Object.entries(next)) {
    const before = old[k];
    if (Array.isArray(before) && Array.isArray(v)) out[k] = [...new Set([...before, ...v])];
  }
  return out;
}

/** Every alarm not yet resolved, oldest first: what an output tells again after a restart. */
export function liveAlarms(ctx: CustodyContext): Alarm[] {
  return (prepared(ctx.db, `SELECT * FROM alarms WHERE state <> 'resolved' ORDER BY opened_at`).all() as AlarmRow[]).map(alarmToApi);
}

/** Unresolved alarms counted by kind, severity and state, the restricted zone's left out (for the metrics). */
export function liveAlarmCounts(ctx: CustodyContext): { kind: AlarmKind; severity: Severity; state: AlarmState; n: number }[] {
  return prepared(ctx.db, `SELECT kind, severity, state, count(*) AS n FROM alarms WHERE state <> 'resolved' AND restricted = 0
    GROUP BY kind, severity, state`).all() as { kind: AlarmKind; severity: Severity; state: AlarmState; n: number }[];
}

/** Opens an alarm, or updates the live one of the same cause. Call inside the caller's transaction when there is one. */
export function raiseAlarm(ctx: CustodyContext, a: RaiseAlarm): Alarm {
  const db = ctx.db;
  const now = ctx.nowIso();
  const live = prepared(db, `SELECT * FROM alarms WHERE cause_key = ? AND state <> 'resolved'`).get(a.causeKey) as AlarmRow | undefined;
  let id: string;
  if (live) {
    id = live.id;
    const severity = rank(a.severity) > rank(live.severity) ? a.severity : live.severity;
    prepared(db, `UPDATE alarms SET severity = ?, message = ?, details = ?, occurrences = occurrences + 1, updated_at = ?,
      version = version + 1 WHERE id = ?`).run(severity, a.message, JSON.stringify(mergeDetails(JSON.parse(live.details), a.details ?? {})), now, id);
  } else {
    id = randomUUID();
    prepared(db, `INSERT INTO alarms (id, kind, severity, state, cause_key, restricted, item_id, epc, gate_id, zone_id, location_id,
      device_id, order_id, message, details, occurrences, opened_at, updated_at, version)
      VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, 1)`).run(
      id, a.kind, a.severity, a.causeKey, a.restricted ? 1 : 0, a.itemId ?? null, a.epc ?? null, a.gateId ?? null,
      a.zoneId ?? null, a.locationId ?? null, a.deviceId ?? null, a.orderId ?? null, a.message, JSON.stringify(a.details ?? {}), now, now);
  }
  return announce(ctx, id);
}

/**
 * New evidence on the live alarm of a cause that has not fired again (an item missing from its shelf
 * seen there again): its details gain the keys given and its message may change, without counting an
 * occurrence. Null when no alarm of that cause is live.
 */
export function annotateAlarm(ctx: CustodyContext, causeKey: string, details: Record<string, unknown>, message?: (old: string) => string): Alarm | null {
  const live = prepared(ctx.db, `SELECT id, message, details FROM alarms WHERE cause_key = ? AND state <> 'resolved'`).get(causeKey) as
    { id: string; message: string; details: string } | undefined;
  if (!live) return null;
  prepared(ctx.db, `UPDATE alarms SET message = ?, details = ?, updated_at = ?, version = version + 1 WHERE id = ?`)
    .run(message ? message(live.message) : live.message, JSON.stringify(mergeDetails(JSON.parse(live.details), details)), ctx.nowIso(), live.id);
  return announce(ctx, live.id);
}

/** The cause ended (a device came back, a misplaced item went home): resolve without a person. */
export function autoResolve(ctx: CustodyContext, causeKey: string, note: string): Alarm | null {
  const live = prepared(ctx.db, `SELECT id, kind FROM alarms WHERE cause_key = ? AND state <> 'resolved'`).get(causeKey) as { id: string; kind: AlarmKind } | undefined;
  if (!live) return null;
  prepared(ctx.db, `UPDATE alarms SET state = 'resolved', resolved_by = 'gateway', resolved_at = ?, resolve_note = ?,
    updated_at = ?, version = version + 1 WHERE id = ?`).run(ctx.nowIso(), note, ctx.nowIso(), live.id);
  return announce(ctx, live.id);
}

export function loadVisibleAlarm(ctx: CustodyContext, p: Principal, id: string): AlarmRow {
  const r = prepared(ctx.db, 'SELECT * FROM alarms WHERE id = ?').get(id) as AlarmRow | undefined;
  if (!r || !canSeeAlarm(ctx, p, r)) fail('ALARM_NOT_FOUND', `No alarm ${id}`, { alarmId: id });
  return r;
}

export function canSeeAlarm(ctx: CustodyContext, p: Principal, r: Pick<AlarmRow, 'restricted' | 'item_id'>): boolean {
  if (r.restricted === 1) return seesRestricted(p);
  // agency, and discipline outside its zone: only alarms about items of its own agency.
  if (p.role === 'agency' || p.role === 'discipline') {
    if (!r.item_id) return false;
    const item = prepared(ctx.db, 'SELECT agency_id FROM items WHERE id = ?').get(r.item_id) as { agency_id: string } | undefined;
    return item?.agency_id === p.agencyId;
  }
  return true;
}

export function acknowledgeAlarm(ctx: CustodyContext, p: Principal, id: string, note: string): Alarm {
  const r = loadVisibleAlarm(ctx, p, id);
  requireAllowed(p, 'acknowledge', r.restricted === 1);
  if (r.state === 'resolved') fail('ALARM_ALREADY_RESOLVED', undefined, { alarmId: id });
  prepared(ctx.db, `UPDATE alarms SET state = 'acknowledged', acknowledged_by = ?, acknowledged_at = ?, acknowledge_note = ?,
    updated_at = ?, version = version + 1 WHERE id = ?`).run(p.userId, ctx.nowIso(), note, ctx.nowIso(), id);
  return announce(ctx, id);
}

export function resolveAlarm(ctx: CustodyContext, p: Principal, id: string, note: string): Alarm {
  const r = loadVisibleAlarm(ctx, p, id);
  requireAllowed(p, 'resolve', r.restricted === 1);
  if (r.state === 'resolved') fail('ALARM_ALREADY_RESOLVED', undefined, { alarmId: id });
  if (SELF_RESOLVING.includes(r.kind)) fail('ALARM_SELF_RESOLVING', `A ${r.kind} alarm resolves itself when its cause ends`, { alarmId: id });
  prepared(ctx.db, `UPDATE alarms SET state = 'resolved', resolved_by = ?, resolved_at = ?, resolve_note = ?,
    updated_at = ?, version = version + 1 WHERE id = ?`).run(p.userId, ctx.nowIso(), note, ctx.nowIso(), id);
  return announce(ctx, id);
}

/** Tells the bus after the surrounding transaction (if any) has committed. */
function announce(ctx: CustodyContext, id: string): Alarm {
  const alarm = alarmToApi(prepared(ctx.db, 'SELECT * FROM alarms WHERE id = ?').get(id) as AlarmRow);
  ctx.afterCommit(() => ctx.bus.emit('alarm', alarm));
  return alarm;
}
