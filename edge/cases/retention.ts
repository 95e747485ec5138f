// A case's retention date (保管期限): until when its items may be kept before the retention rule
// warns (edge/rules/retention.ts). Set on site through the API by a supervisor (the commission for
// its own cases), or by the city platform through the sync inbox: both call setCaseRetention.
import { z } from 'zod';
import type { CustodyContext } from '../context.ts';
import { fail } from '../errors.ts';
import { itemVisibilitySql, requireAllowed, type Principal } from '../auth/principal.ts';
import { prepared } from '../store/db.ts';

/** Who sets it: a signed-in user, or a component acting without one (the platform's inbox). */
export type RetentionSetter = Principal | { by: string; role: 'platform' };

export const caseApi = z.object({
  id: z.string(), number: z.string(), agencyId: z.string().describe('the handling unit that opened it'), title: z.string().nullable(), openedAt: z.string(),
  items: z.number().int().describe('its items the role may see'),
  retainUntil: z.string().nullable().describe('until when its items may be kept (UTC); past it, a stored item raises retention_exceeded. Null: its categories\' periods apply'),
  retainSetBy: z.string().nullable().describe('who set retainUntil last: a user id, or the platform'),
  retainSetAt: z.string().nullable(),
  retainNote: z.string().nullable(),
});
export type CaseApi = z.infer<typeof caseApi>;

export const retentionInput = z.object({
  retainUntil: z.iso.datetime({ offset: true }).nullable().describe('ISO 8601 date-time with an offset; null clears it'),
  note: z.string().trim().min(1).max(2000).optional(),
}).strict();

interface CaseRow {
  id: string; number: string; agency_id: string; title: string | null; opened_at: string;
  retain_until: string | null; retain_set_by: string | null; retain_set_at: string | null; retain_note: string | null;
}

const isPrincipal = (s: RetentionSetter): s is Principal => s.role !== 'platform';

/** The case as a principal sees it (its items counted by what they may see); 404 for a case with none it may see. */
export function loadVisibleCase(ctx: CustodyContext, p: Principal, caseId: string): CaseApi {
  const vis = itemVisibilitySql(p);
  const row = prepared(ctx.db, `SELECT c.*, (SELECT count(*) FROM items i WHERE i.case_id = c.id AND ${vis.sql}) AS n
    FROM cases c WHERE c.id = ?`).get(...vis.params, caseId) as (CaseRow & { n: number }) | undefined;
  if (!row || row.n === 0) fail('CASE_NOT_FOUND', `No case ${caseId}`, { caseId });
  return caseToApi(row, row.n);
}

function caseToApi(r: CaseRow, items: number): CaseApi {
  return {
    id: r.id, number: r.number, agencyId: r.agency_id, title: r.title, openedAt: r.opened_at, items,
    retainUntil: r.retain_until, retainSetBy: r.retain_set_by, retainSetAt: r.retain_set_at, retainNote: r.retain_note,
  };
}

/**
 * Sets (or clears, with null) a case's retention date. A principal must see the case (404
 * otherwise) and be a supervisor, or the commission for a case with items in its zone; the platform
 * may set any case's. The date is stored as a UTC instant so that it compares with the clock's.
 * Returns the case as the setter sees it (the platform: every item counted).
 */
export function setCaseRetention(ctx: CustodyContext, who: RetentionSetter, caseId: string, retainUntil: string | null, note?: string): CaseApi {
  let iso: string | null = null;
  if (retainUntil !== null) {
    const ms = Date.parse(retainUntil);
    if (!retentionInput.shape.retainUntil.safeParse(retainUntil).success || Number.isNaN(ms)) {
      fail('VALIDATION_FAILED', 'retainUntil must be an ISO 8601 date-time with an offset', { field: 'retainUntil' });
    }
    iso = new Date(ms).toISOString();
  }
  if (isPrincipal(who)) {
    loadVisibleCase(ctx, who, caseId);
    // The commission's case: one with an item in its zone. Nobody else acts on it, as with its items.
    const restricted = !!prepared(ctx.db, 'SELECT 1 FROM items WHERE case_id = ? AND restricted = 1 LIMIT 1').get(caseId);
    requireAllowed(who, 'retention', restricted);
  } else if (!prepared(ctx.db, 'SELECT 1 FROM cases WHERE id = ?').get(caseId)) {
    fail('CASE_NOT_FOUND', `No case ${caseId}`, { caseId });
  }
  const by = isPrincipal(who) ? who.userId : who.by;
  ctx.transaction(() => {
    prepared(ctx.db, 'UPDATE cases SET retain_until = ?, retain_set_by = ?, retain_set_at = ?, retain_note = ? WHERE id = ?')
      .run(iso, by, ctx.nowIso(), note ?? null, caseId);
  });
  if (isPrincipal(who)) return loadVisibleCase(ctx, who, caseId);
  const row = prepared(ctx.db, 'SELECT c.*, (SELECT count(*) FROM items i WHERE i.case_id = c.id) AS n FROM cases c WHERE c.id = ?').get(caseId) as CaseRow & { n: number };
  return caseToApi(row, row.n);
}
