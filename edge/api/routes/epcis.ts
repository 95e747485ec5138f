// GET /events.epcis: the custody ledger as an EPCIS 2.0 JSON-LD document, paged as EPCIS's REST
// binding pages (`perPage`, `nextPageToken`, `Link: <…>; rel="next"` until the last page).
//
// The same events as GET /events, by the same rules (chainVisibility): the restricted chain for
// discipline only, an agency's (and discipline's, in the main chain) only for their own items. In
// (chain, seq) order: main first, then restricted. The first page fixes each chain's head in the
// token, so a walk is one snapshot: an event appended while a client pages is neither in it nor
// able to shift it (no event skipped, none repeated); the next export finds it.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Custody } from '../../custody.ts';
import type { ApiApp } from '../app.ts';
import { itemVisibilitySql, type Principal } from '../../auth/principal.ts';
import { eventFromRow, type Chain, type EventRow } from '../../ledger/event.ts';
import { chainsOf, chainVisibility } from '../../stream/visibility.ts';
import { loadVisibleItem } from '../../items/item.ts';
import { fail } from '../../errors.ts';
import { prepared } from '../../store/db.ts';
import { SiteCalendar } from '../../time/calendar.ts';
import { epcAt, toObjectEvent, type Retirement } from '../../epcis/event.ts';
import { epcisDocument, epcisDocumentApi, EPCIS_MEDIA_TYPE } from '../../epcis/document.ts';
import { errors } from '../schemas.ts';

export const EPCIS_PER_PAGE_MAX = 1000;

const instant = z.iso.datetime({ offset: true });
const epcisQuery = z.object({
  from: instant.optional().describe('ISO 8601 with offset; events at or after it (EPCIS GE_eventTime)'),
  to: instant.optional().describe('ISO 8601 with offset; events before it (EPCIS LT_eventTime)'),
  item: z.string().min(1).max(64).optional().describe('an item id: its events only (404 if the role may not see it)'),
  case: z.string().min(1).max(100).optional().describe('a case id or case number: the events of its items (404 if the role sees none of them)'),
  perPage: z.coerce.number().int().min(1).max(EPCIS_PER_PAGE_MAX).default(100).describe(`events per page, at most ${EPCIS_PER_PAGE_MAX}`),
  nextPageToken: z.string().max(500).optional().describe('from the previous page\'s Link header; the other parameters must stay as they were'),
}).strict();
type EpcisQuery = z.infer<typeof epcisQuery>;

/** Where a walk is: after `seq` in chain `chain` (an index into the principal's chains), up to `heads` fixed at its first page. */
interface Position { chain: number; seq: number; heads: number[]; filters: string }

/** The filters a token belongs to: a token carried over to another query would page the wrong list. */
function fingerprint(q: EpcisQuery): string {
  return createHash('sha256').update(JSON.stringify([q.from ?? null, q.to ?? null, q.item ?? null, q.case ?? null])).digest('base64url').slice(0, 16);
}

function encodeToken(p: Position): string {
  return Buffer.from(JSON.stringify([p.chain, p.seq, p.heads, p.filters]), 'utf8').toString('base64url');
}

function decodeToken(token: string, chains: number, filters: string): Position {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 4 && Number.isInteger(v[0]) && v[0] >= 0 && v[0] < chains && Number.isInteger(v[1]) && v[1] >= 0
      && Array.isArray(v[2]) && v[2].length === chains && v[2].every((h) => Number.isInteger(h) && h >= 0) && typeof v[3] === 'string') {
      if (v[3] !== filters) fail('BAD_CURSOR', 'The nextPageToken belongs to a query with other from, to, item or case', { field: 'nextPageToken' });
      return { chain: v[0], seq: v[1], heads: v[2], filters: v[3] };
    }
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
  }
  fail('BAD_CURSOR', 'The nextPageToken is not one this API gave out', { field: 'nextPageToken' });
}

export function epcisRoutes(app: ApiApp, custody: Custody): void {
  const { db } = custody;
  const siteId = custody.ctx.site.site.id;
  const calendar = new SiteCalendar(custody.ctx.site.site.timezone);

  /** The item and case filters as SQL over the events alias; a direct request for something unseen answers 404. */
  function subjectFilter(p: Principal, q: EpcisQuery): { where: string[]; params: unknown[] } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.item) {
      const item = loadVisibleItem(db, p, q.item);
      where.push('e.item_id = ?');
      params.push(item.id);
    }
    if (q.case) {
      const vis = itemVisibilitySql(p);
      const ids = prepared(db, `SELECT i.id FROM items i JOIN cases c ON c.id = i.case_id WHERE (c.id = ? OR c.number = ?) AND ${vis.sql}`)
        .all(q.case, q.case, ...vis.params) as { id: string }[];
      if (!ids.length) fail('CASE_NOT_FOUND', `No case ${q.case}`, { case: q.case });
      where.push('e.item_id IN (SELECT i.id FROM items i JOIN cases c ON c.id = i.case_id WHERE c.id = ? OR c.number = ?)');
      params.push(q.case, q.case);
    }
    if (q.from) { where.push('e.at >= ?'); params.push(new Date(q.from).toISOString()); }
    if (q.to) { where.push('e.at < ?'); params.push(new Date(q.to).toISOString()); }
    return { where, params };
  }

  /** One page in (chain, seq) order across the principal's chains, from `pos`, at most `limit` (+1 to tell whether there is more). */
  function readPage(p: Principal, chains: Chain[], pos: Position, subject: { where: string[]; params: unknown[] }, limit: number) {
    const rows: { chain: number; row: EventRow }[] = [];
    for (let c = pos.chain; c < chains.length && rows.length <= limit; c++) {
      const vis = chainVisibility(p, chains[c]);
      const where = [...vis.where, ...subject.where, 'e.seq > ?', 'e.seq <= ?'];
      const sql = `SELECT e.* FROM events e WHERE ${where.join(' AND ')} ORDER BY e.seq ASC LIMIT ?`;
      const found = prepared(db, sql).all(...vis.params, ...subject.params, c === pos.chain ? pos.seq : 0, pos.heads[c], limit + 1 - rows.length) as EventRow[];
      for (const row of found) rows.push({ chain: c, row });
    }
    return rows;
  }

  /** The EPC each event's item carried then: the item's present tag and its retired ones, read once per page. */
  function epcsOf(rows: EventRow[]): (row: EventRow) => string | null {
    const ids = [...new Set(rows.map((r) => r.item_id).filter((x): x is string => x !== null))];
    const current = new Map<string, string | null>();
    const retired = new Map<string, Retirement[]>();
    for (const id of ids) {
      const item = prepared(db, 'SELECT epc FROM items WHERE id = ?').get(id) as { epc: string | null } | undefined;
      current.set(id, item?.epc ?? null);
      retired.set(id, prepared(db, 'SELECT epc, retired_at AS at, chain, seq FROM retired_epcs WHERE item_id = ?').all(id) as Retirement[]);
    }
    return (row) => (row.item_id === null ? null
      : epcAt(eventFromRow(row), current.get(row.item_id) ?? null, retired.get(row.item_id) ?? []));
  }

  app.get('/events.epcis', {
    schema: {
      querystring: epcisQuery, tags: ['ledger'],
      response: {
        200: { description: 'An EPCIS 2.0 document (JSON-LD); a `Link: <…>; rel="next"` header while there are more pages', content: { [EPCIS_MEDIA_TYPE]: { schema: epcisDocumentApi } } },
        ...errors(400, 404),
      },
      description: 'Custody events as an EPCIS 2.0 JSON-LD document of ObjectEvents (CBV business steps and dispositions, our fields under cpsc:), ' +
        'oldest first by chain and seq, visible as on GET /events; paged by perPage and nextPageToken with a Link rel="next" header, as EPCIS\'s REST binding pages.',
    },
  }, async (req, reply) => {
    const q = req.query;
    const p: Principal = req.principal;
    if (q.from && q.to && Date.parse(q.from) > Date.parse(q.to)) fail('VALIDATION_FAILED', 'from is after to', { field: 'from', from: q.from, to: q.to });
    const chains = chainsOf(p);
    const filters = fingerprint(q);
    const pos: Position = q.nextPageToken !== undefined ? decodeToken(q.nextPageToken, chains.length, filters)
      : { chain: 0, seq: 0, heads: chains.map((c) => custody.ctx.ledger.headOf(c).seq), filters };
    const rows = readPage(p, chains, pos, subjectFilter(p, q), q.perPage);
    const more = rows.length > q.perPage;
    const pageRows = more ? rows.slice(0, q.perPage) : rows;
    const epcOf = epcsOf(pageRows.map((r) => r.row));
    const events = pageRows.map(({ row }) => toObjectEvent(eventFromRow(row), { siteId, epc: epcOf(row), offsetMs: calendar.offsetMs(row.at) }));
    if (more) {
      const last = pageRows[pageRows.length - 1];
      const next = new URLSearchParams();
      for (const k of ['from', 'to', 'item', 'case'] as const) if (q[k] !== undefined) next.set(k, q[k]);
      next.set('perPage', String(q.perPage));
      next.set('nextPageToken', encodeToken({ ...pos, chain: last.chain, seq: last.row.seq }));
      // A path-absolute reference (RFC 8288 allows any URI reference): right behind a proxy that renames the host.
      reply.header('link', `</api/v1/events.epcis?${next.toString()}>; rel="next"`);
    }
    reply.type(EPCIS_MEDIA_TYPE).header('gs1-epcis-version', '2.0.0').header('gs1-cbv-version', '2.0.0');
    return epcisDocument(events, custody.ctx.nowIso());
  });
}
