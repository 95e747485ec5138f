// Gates, their readers, devices and recent crossings, filtered like everything else: the
// restricted zone's gates, their readers and their crossings exist for the discipline role only.
// Everything here is the edge's own record: what the gateway told it as `device` and `gate`
// observations, never a call back into the gateway.
import { z } from 'zod';
import type { Custody } from '../../custody.ts';
import type { ApiApp } from '../app.ts';
import { seesRestricted, type Principal } from '../../auth/principal.ts';
import { DEVICE_KINDS, READER_FORMATS, readerTopics } from '../../site/schema.ts';
import { fail } from '../../errors.ts';
import { decodeCursor, page, pageQuery, Where } from '../pagination.ts';
import { canSeeAlarm } from '../../alarms/alarm.ts';
import { CROSSING_DECISIONS, type CrossingDecision } from '../../rules/crossings.ts';
import { CHAINS, type Chain } from '../../ledger/event.ts';
import { DIRECTIONS, type Direction } from '../../observations.ts';
import type { DeviceStatus } from '../../rules/devices.ts';
import type { PortalStatus } from '../../rules/gates.ts';
import { crossingForPrincipal, crossingVisibilitySql } from '../../stream/visibility.ts';
import { prepared } from '../../store/db.ts';
import { agrees, errors, idParam, pageApi } from '../schemas.ts';

const count = z.number().int();
const portalApi = z.object({
  at: z.number().int().describe('when the gateway reported it, ms since the epoch'),
  openTracks: count.describe('tags being read at the gate now'), residents: count.describe('tags that stay in the field, kept out of crossings'),
  reads: count, stray: count, bleed: count, forcedClose: count,
  ignored: z.object({ unknown_antenna: count, unknown_device: count, late: count }),
  crossings: z.object({ in: count, out: count, unknown: count }),
}).describe('the portal\'s smoothing since the gateway started; null until reported');
agrees<z.infer<typeof portalApi>, PortalStatus>();
const gateApi = z.object({
  id: z.string(), name: z.string(), nameEn: z.string().nullable(), innerZone: z.string(), outerZone: z.string(),
  state: z.enum(['idle', 'crossing', 'alarm']).describe('alarm: a critical alarm the role may see is open at the gate'),
  portal: portalApi.nullable(),
  readers: z.array(z.object({
    deviceId: z.string(), format: z.enum(READER_FORMATS).nullable(),
    topics: z.object({ tagEvents: z.string(), managementEvents: z.string(), commands: z.string(), responses: z.string() }),
    antennas: z.object({ inner: z.array(z.number().int()), outer: z.array(z.number().int()) }),
    online: z.enum(['online', 'offline', 'unknown']),
  })),
});
const deviceApi = z.object({
  id: z.string(), kind: z.enum(DEVICE_KINDS), format: z.string().nullable(), name: z.string().nullable(), gateId: z.string().nullable(),
  state: z.enum(['online', 'offline', 'unknown']), reason: z.string().nullable(), lastSeen: z.string().nullable(),
  readsPerSecond: z.number(), accepted: count, rejected: z.record(z.string(), count).describe('messages refused since start, by reason'),
  clockOffsetMs: z.number().nullable().describe('the device\'s clock minus the gateway\'s; evidence only, decisions use the gateway\'s clock'),
  clockOffsetExceeded: z.boolean(), clockJumps: count,
  readsIgnored: z.object({ unknown_antenna: count, late: count }),
  link: z.object({
    id: z.string(), transport: z.enum(['mqtt', 'serial', 'tcp', 'opcua']), target: z.string().describe('a port path, tcp://host:port of a device server, or the broker'),
    state: z.enum(['starting', 'open', 'down', 'stopped']), reconnects: count, lastError: z.string().nullable(),
    bytesIn: count, bytesOut: count, frames: count, errors: z.record(z.string(), count).describe('refused bytes and frames and transport errors since start, by reason'),
  }).nullable().describe('the link that carries the device, as last reported; null before the gateway reported it'),
});
agrees<z.infer<typeof deviceApi>, Omit<DeviceStatus, 'restricted'>>();
const crossingApi = z.object({
  id: z.string(), gateId: z.string(), epc: z.string(),
  itemId: z.string().nullable().describe('null for an EPC that is no item\'s, or an item the role may not see'),
  itemName: z.string().nullable(), staffId: z.string().nullable(), direction: z.enum(DIRECTIONS), confidence: z.number(),
  firstSeen: z.string(), lastSeen: z.string(), deviceFirstSeen: z.string().nullable(), deviceLastSeen: z.string().nullable(), readCount: count,
  badges: z.array(z.string()), orderId: z.string().nullable(), decision: z.enum(CROSSING_DECISIONS), alarmKinds: z.array(z.string()),
  eventChain: z.enum(CHAINS).nullable(), eventSeq: z.number().int().nullable(), at: z.string(), error: z.string().nullable(),
});

/** A crossing as stored, with its item's name and visibility (null when the EPC is no item's). */
interface CrossingRow {
  id: string; gate_id: string; epc: string; item_id: string | null; staff_id: string | null; direction: Direction; confidence: number;
  first_seen: string; last_seen: string; device_first_seen: string | null; device_last_seen: string | null; read_count: number;
  badges: string; order_id: string | null; decision: CrossingDecision; alarm_kinds: string; event_chain: Chain | null; event_seq: number | null;
  decided_at: string; error: string | null; item_name: string | null; item_restricted: number | null; item_agency: string | null;
}

export function gateRoutes(app: ApiApp, custody: Custody): void {
  const { ctx, db, devices, gates } = custody;
  const gateRestricted = (g: { innerZone: string; outerZone: string }) => ctx.isRestrictedZone(g.innerZone) || ctx.isRestrictedZone(g.outerZone);
  const visibleGates = (p: Principal) => ctx.site.gates.filter((g) => !gateRestricted(g) || seesRestricted(p));
  const liveAlarms = prepared(db, `SELECT restricted, item_id FROM alarms WHERE gate_id = ? AND state = 'open' AND severity = 'critical'`);
  // A gate is red only for those who may see an alarm that makes it red: an agency user must not see
  // every gate red because of alarms about other agencies' items that it cannot open.
  const showsAlarm = (p: Principal, gateId: string) =>
    (liveAlarms.all(gateId) as { restricted: number; item_id: string | null }[]).some((a) => canSeeAlarm(ctx, p, a));

  const gateToApi = (g: (typeof ctx.site.gates)[number], p: Principal): z.infer<typeof gateApi> => ({
    id: g.id, name: g.name, nameEn: g.nameEn ?? null, innerZone: g.innerZone, outerZone: g.outerZone,
    state: showsAlarm(p, g.id) ? 'alarm' : gates.state(g.id),
    /** The portal's smoothing since the gateway started: strays, bleed, reads left out; null until reported. */
    portal: gates.portal(g.id),
    readers: g.readers.map((r) => {
      const d = ctx.site.devices.find((x) => x.id === r.deviceId)!;
      return { deviceId: r.deviceId, format: d.format ?? null, topics: readerTopics(d), antennas: r.antennas, online: devices.get(d.id)?.state ?? 'unknown' };
    }),
  });

  app.get('/gates', {
    schema: { tags: ['gates'], response: { 200: pageApi(gateApi), ...errors() }, description: 'The RFID gates the role may see, each with its state, its portal\'s counters and its readers.' },
  }, async (req) => {
    return { data: visibleGates(req.principal).map((g) => gateToApi(g, req.principal)), nextCursor: null };
  });
  app.get('/gates/:id', {
    schema: { params: idParam, tags: ['gates'], response: { 200: gateApi, ...errors(400, 404) }, description: 'One gate with its state, its portal\'s counters and its readers.' },
  }, async (req) => {
    const g = visibleGates(req.principal).find((x) => x.id === req.params.id);
    if (!g) fail('NOT_FOUND', `No gate ${req.params.id}`);
    return gateToApi(g, req.principal);
  });

  app.get('/devices', {
    schema: {
      tags: ['gates'], response: { 200: pageApi(deviceApi), ...errors() },
      description: 'Readers, shelf sensors and environment monitors with their liveness and counters (none for the agency role).',
    },
  }, async (req) => {
    if (req.principal.role === 'agency') return { data: [], nextCursor: null };
    return { data: devices.list().filter((d) => !d.restricted || seesRestricted(req.principal)).map(({ restricted: _r, ...d }) => d), nextCursor: null };
  });

  const crossingQuery = z.object({ gate: z.string().max(64).optional(), decision: z.enum(CROSSING_DECISIONS).optional(), ...pageQuery }).strict();
  app.get('/crossings', {
    schema: {
      querystring: crossingQuery, tags: ['gates'], response: { 200: pageApi(crossingApi), ...errors(400) },
      description: 'Recent crossings of tags through the gates, newest first, with the decision on each (authorised, alarm, …).',
    },
  }, async (req) => {
    const q = req.query;
    const p: Principal = req.principal;
    const w = new Where();
    // The stream's rule: the commission reads its zone's crossings and its own agency's, not every unit's.
    const vis = crossingVisibilitySql(p, 'c');
    w.add(vis.sql, ...vis.params);
    if (q.gate) w.add('c.gate_id = ?', q.gate);
    if (q.decision) w.add('c.decision = ?', q.decision);
    const after = decodeCursor(q.cursor, 2);
    if (after) w.add('(c.decided_at, c.id) < (?, ?)', after[0], after[1]);
    const rows = prepared(db, `SELECT c.*, i.name AS item_name, i.restricted AS item_restricted, i.agency_id AS item_agency FROM crossings c LEFT JOIN items i ON i.id = c.item_id ${w.sql}
      ORDER BY c.decided_at DESC, c.id DESC LIMIT ?`).all(...w.params, q.limit + 1) as CrossingRow[];
    const pg = page(rows, q.limit, (r) => [r.decided_at, r.id]);
    return {
      data: pg.data.map((r) => crossingForPrincipal(db, p, {
        id: r.id, gateId: r.gate_id, epc: r.epc, itemId: r.item_id, itemName: r.item_name, staffId: r.staff_id,
        direction: r.direction, confidence: r.confidence, firstSeen: r.first_seen, lastSeen: r.last_seen,
        deviceFirstSeen: r.device_first_seen, deviceLastSeen: r.device_last_seen, readCount: r.read_count,
        badges: JSON.parse(r.badges), orderId: r.order_id, decision: r.decision, alarmKinds: JSON.parse(r.alarm_kinds),
        eventChain: r.event_chain, eventSeq: r.event_seq, at: r.decided_at, error: r.error,
      }, r.item_id && r.item_agency !== null ? { restricted: r.item_restricted ?? 0, agency_id: r.item_agency } : null)),
      nextCursor: pg.nextCursor,
    };
  });
}
