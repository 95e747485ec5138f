// Alarms: list with filters, acknowledge with a note, resolve with a note.
import { z } from 'zod';
import type { Custody } from '../../custody.ts';
import type { ApiApp } from '../app.ts';
import { seesRestricted } from '../../auth/principal.ts';
import { acknowledgeAlarm, alarmApi, ALARM_KINDS, ALARM_STATES, alarmToApi, loadVisibleAlarm, resolveAlarm, SEVERITIES } from '../../alarms/alarm.ts';
import { decodeCursor, page, pageQuery, Where } from '../pagination.ts';
import { prepared } from '../../store/db.ts';
import { errors, idParam, pageApi } from '../schemas.ts';

const alarmQuery = z.object({
  state: z.enum(ALARM_STATES).optional(),
  kind: z.enum(ALARM_KINDS).optional(),
  severity: z.enum(SEVERITIES).optional(),
  item: z.string().max(64).optional(),
  gate: z.string().max(64).optional(),
  ...pageQuery,
}).strict();
const note = z.object({ note: z.string().trim().min(1, 'a note is required').max(2000) }).strict();

export function alarmRoutes(app: ApiApp, custody: Custody): void {
  const { db, ctx } = custody;
  app.get('/alarms', {
    schema: {
      querystring: alarmQuery, tags: ['alarms'], response: { 200: pageApi(alarmApi), ...errors(400) },
      description: 'Alarms the role may see, newest first, filtered by state, kind, severity, item or gate.',
    },
  }, async (req) => {
    const q = req.query;
    const p = req.principal;
    const w = new Where();
    if (!seesRestricted(p)) w.add('a.restricted = 0');
    if (p.role === 'agency') w.add('a.item_id IN (SELECT id FROM items WHERE agency_id = ?)', p.agencyId);
    if (p.role === 'discipline') w.add('(a.restricted = 1 OR a.item_id IN (SELECT id FROM items WHERE agency_id = ?))', p.agencyId);
    if (q.state) w.add('a.state = ?', q.state);
    if (q.kind) w.add('a.kind = ?', q.kind);
    if (q.severity) w.add('a.severity = ?', q.severity);
    if (q.item) w.add('a.item_id = ?', q.item);
    if (q.gate) w.add('a.gate_id = ?', q.gate);
    const after = decodeCursor(q.cursor, 2);
    if (after) w.add('(a.opened_at, a.id) < (?, ?)', after[0], after[1]);
    // Newest first; the dashboards sort open before acknowledged themselves.
    const rows = prepared(db, `SELECT a.* FROM alarms a ${w.sql} ORDER BY a.opened_at DESC, a.id DESC LIMIT ?`).all(...w.params, q.limit + 1) as Parameters<typeof alarmToApi>[0][];
    const pg = page(rows, q.limit, (r) => [r.opened_at, r.id]);
    return { data: pg.data.map(alarmToApi), nextCursor: pg.nextCursor };
  });
  app.get('/alarms/:id', {
    schema: { params: idParam, tags: ['alarms'], response: { 200: alarmApi, ...errors(400, 404) }, description: 'One alarm with its evidence and who acknowledged or resolved it.' },
  }, async (req) => alarmToApi(loadVisibleAlarm(ctx, req.principal, req.params.id)));
  app.post('/alarms/:id/acknowledge', {
    schema: {
      params: idParam, body: note, tags: ['alarms'], response: { 200: alarmApi, ...errors(400, 403, 404, 409, 413, 415) },
      description: 'Acknowledge an open alarm with a note (operator, supervisor; discipline in the restricted zone): it stays live until resolved.',
    },
  }, async (req) => acknowledgeAlarm(ctx, req.principal, req.params.id, req.body.note));
  app.post('/alarms/:id/resolve', {
    schema: {
      params: idParam, body: note, tags: ['alarms'], response: { 200: alarmApi, ...errors(400, 403, 404, 409, 413, 415) },
      description: 'Resolve an alarm with a note (supervisor; discipline in the restricted zone); device_offline, misplaced and environment alarms resolve themselves.',
    },
  }, async (req) => resolveAlarm(ctx, req.principal, req.params.id, req.body.note));
}
