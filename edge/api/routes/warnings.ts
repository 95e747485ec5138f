// Warnings before the fact: check-outs due back within 24 hours (即将到期) and stored items kept past
// their retention limit (超期存放), as the rules see them now (edge/rules/due-soon.ts,
// edge/rules/retention.ts), filtered like the items themselves.
import { z } from 'zod';
import type { Custody } from '../../custody.ts';
import type { ApiApp } from '../app.ts';
import { itemVisibilitySql } from '../../auth/principal.ts';
import { dueSoon, dueSoonCause, DUE_SOON_MS } from '../../rules/due-soon.ts';
import { retentionCause, retentionExceeded } from '../../rules/retention.ts';
import { prepared } from '../../store/db.ts';
import { errors } from '../schemas.ts';

const place = {
  itemId: z.string(), itemName: z.string(), epc: z.string().nullable(), caseId: z.string(), caseNumber: z.string(),
  agencyId: z.string().describe('the controlling agency'),
  zoneId: z.string().nullable(), locationId: z.string().nullable(),
  locationName: z.string().nullable().describe('its own location (for a check-out: the one it came from and goes back to)'),
  alarmId: z.string().nullable().describe('the warning raised for it, once the rules have run'),
};
const dueSoonApi = z.object({
  ...place,
  dueAt: z.string().describe('when it is due back (UTC)'),
  takenBy: z.string().describe('who took it out (a staff id or name as the check-out recorded it)'),
  takenByName: z.string().nullable().describe('the staff member\'s name, when takenBy is a staff id'),
  orderId: z.string(),
});
const retentionApi = z.object({
  ...place,
  retainUntil: z.string().describe('the limit that passed (UTC)'),
  basis: z.enum(['category', 'case']).describe('case: the case\'s retention date; category: reception plus the category\'s retentionDays'),
  retentionDays: z.number().int().nullable(),
  receivedAt: z.string().nullable(),
});
const warningsApi = z.object({
  dueSoon: z.array(dueSoonApi).describe('not back yet, due within the next 24 hours, soonest first'),
  retentionExceeded: z.array(retentionApi).describe('stored past their limit, oldest limit first'),
  dueSoonTotal: z.number().int(),
  retentionExceededTotal: z.number().int(),
});
const warningsQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200).describe('at most this many of each list') }).strict();

export function warningRoutes(app: ApiApp, custody: Custody): void {
  const { db, ctx } = custody;
  const alarmOf = (causeKey: string) =>
    (prepared(db, 'SELECT id FROM alarms WHERE cause_key = ? ORDER BY opened_at DESC LIMIT 1').get(causeKey) as { id: string } | undefined)?.id ?? null;
  const locationName = (id: string | null) =>
    id ? (prepared(db, 'SELECT name FROM locations WHERE id = ?').get(id) as { name: string } | undefined)?.name ?? null : null;
  const staffName = (id: string) => (prepared(db, 'SELECT name FROM staff WHERE id = ?').get(id) as { name: string } | undefined)?.name ?? null;

  app.get('/warnings', {
    schema: {
      querystring: warningsQuery, tags: ['alarms'], response: { 200: warningsApi, ...errors(400) },
      description: `Warnings before the fact, as of now: check-outs due back within ${DUE_SOON_MS / 3_600_000} hours (即将到期, due_soon) ` +
        'and stored items kept past their retention limit (超期存放, retention_exceeded: the case\'s date, or the category\'s period from ' +
        'reception), each with the warning alarm raised for it. Only the items the role may see.',
    },
  }, async (req) => {
    const now = ctx.clock.now();
    const vis = itemVisibilitySql(req.principal);
    const soon = dueSoon(ctx, now, vis);
    const late = retentionExceeded(ctx, now, vis);
    const n = req.query.limit;
    const common = (r: { id: string; name: string; epc: string | null; case_number: string; agency_id: string; zone_id: string | null; location_id: string | null }, cause: string) => ({
      itemId: r.id, itemName: r.name, epc: r.epc, caseNumber: r.case_number, agencyId: r.agency_id,
      zoneId: r.zone_id, locationId: r.location_id, locationName: locationName(r.location_id), alarmId: alarmOf(cause),
    });
    return {
      dueSoon: soon.slice(0, n).map((r) => ({
        ...common(r, dueSoonCause(r)), caseId: r.case_id, dueAt: r.due_at, takenBy: r.taken_by, takenByName: staffName(r.taken_by), orderId: r.order_id,
      })),
      retentionExceeded: late.slice(0, n).map((r) => ({
        ...common(r, retentionCause(r)), caseId: r.case_id, retainUntil: r.retain_until, basis: r.basis,
        retentionDays: r.basis === 'category' ? r.retention_days : null, receivedAt: r.received_at,
      })),
      dueSoonTotal: soon.length,
      retentionExceededTotal: late.length,
    };
  });
}
