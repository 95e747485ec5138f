// A cycle count as stored and as the API shows it: its scope, who opened and closed it, while open
// its live progress, once closed its report (the stored canonical JSON, fingerprinted by SHA-256).
import { z } from 'zod';
import { CHAINS, type Chain } from '../../ledger/event.ts';
import { COUNT_CLASSES, COUNT_VIA, type CountLine, type CountTotals } from './report.ts';

export const COUNT_STATES = ['open', 'closed'] as const;
export type CountState = (typeof COUNT_STATES)[number];

export interface CountRow {
  id: string; zone_id: string | null; location_ids: string; restricted: number; note: string | null; state: CountState;
  opened_at: string; opened_by: string; opened_by_name: string; opened_role: string;
  closed_at: string | null; closed_by: string | null; closed_by_name: string | null;
  report: string | null; report_sha256: string | null; event_chain: Chain | null; event_seq: number | null;
}

const ids = z.array(z.string().min(1).max(64));

export const openCountInput = z.object({
  zoneId: z.string().min(1).max(64).optional().describe('count every location of this zone'),
  locationIds: ids.min(1).max(1000).optional().describe('or count these locations (all in the restricted zone, or none)'),
  note: z.string().trim().min(1).max(500).optional().describe('why, or by whom on the floor: kept with the count and in its report'),
}).strict().refine((v) => (v.zoneId === undefined) !== (v.locationIds === undefined), { message: 'give zoneId or locationIds, not both' })
  .meta({ id: 'CountRequest' });

export const listCountsQuery = z.object({
  state: z.enum(COUNT_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
}).strict();

const totalsApi = z.object(Object.fromEntries(COUNT_CLASSES.map((c) => [c, z.number().int()])) as Record<(typeof COUNT_CLASSES)[number], z.ZodNumber>)
  .meta({ id: 'CountTotals' });

export const countLineApi = z.object({
  class: z.enum(COUNT_CLASSES),
  itemId: z.string().nullable().describe('null for a tag that is no item of this center (or of the other chain)'),
  epc: z.string().nullable(),
  itemName: z.string().nullable(),
  caseNumber: z.string().nullable(),
  expectedLocationId: z.string().nullable().describe('where the ledger says the item is'),
  seenLocationId: z.string().nullable().describe('where the count last read it'),
  seenAt: z.string().nullable(),
  via: z.enum(COUNT_VIA).nullable(),
  measuredGrams: z.number().nullable().describe('weight_mismatch: what the location\'s load cell weighed during the count'),
  expectedGrams: z.number().nullable().describe('weight_mismatch: what it should weigh (tare and the stored items\' weights)'),
}).meta({ id: 'CountLine' });

const person = z.object({ by: z.string(), name: z.string() });
const scopeApi = z.object({ zoneId: z.string().nullable(), locationIds: z.array(z.string()) });

export const countReportApi = z.object({
  countId: z.string(),
  siteId: z.string(),
  scope: scopeApi,
  restricted: z.boolean(),
  note: z.string().nullable(),
  openedAt: z.string(),
  openedBy: person,
  closedAt: z.string(),
  closedBy: person,
  locations: z.array(z.object({ locationId: z.string(), coveredAt: z.string().nullable(), via: z.enum(COUNT_VIA).nullable() })),
  totals: totalsApi,
  lines: z.array(countLineApi),
}).meta({ id: 'CountReport', description: 'The report as fingerprinted: its RFC 8785 canonical JSON is what reportSha256 and the count_closed custody event hash' });
export type CountReport = z.infer<typeof countReportApi>;

export const countProgressApi = z.object({
  expected: z.number().int().describe('items stored in scope'),
  found: z.number().int(),
  misplaced: z.number().int(),
  unexpected: z.number().int(),
  locations: z.array(z.object({
    locationId: z.string(), name: z.string(), covered: z.boolean().describe('read at least once since the count opened'),
    expected: z.number().int(), found: z.number().int(),
  })),
}).meta({ id: 'CountProgress' });
export type CountProgress = z.infer<typeof countProgressApi>;

export const countApi = z.object({
  id: z.string(),
  scope: scopeApi,
  restricted: z.boolean(),
  note: z.string().nullable(),
  state: z.enum(COUNT_STATES),
  openedAt: z.string(),
  openedBy: person,
  closedAt: z.string().nullable(),
  closedBy: person.nullable(),
  totals: totalsApi.nullable().describe('once closed'),
  reportSha256: z.string().nullable().describe('SHA-256 of the report\'s canonical JSON, once closed'),
  event: z.object({ chain: z.enum(CHAINS), seq: z.number().int() }).nullable().describe('the count_closed custody event'),
  progress: countProgressApi.nullable().describe('while open, in GET /counts/{id}'),
  report: countReportApi.nullable().describe('once closed, in GET /counts/{id} and the close answer'),
}).meta({ id: 'Count' });
export type CountApi = z.infer<typeof countApi>;

/** `report`: the closed count's, for one count's answer (a list has only the totals). */
export function countToApi(r: CountRow, extra: { progress?: CountProgress; report?: CountReport | null } = {}): CountApi {
  const report = extra.report ?? null;
  return {
    id: r.id, scope: { zoneId: r.zone_id, locationIds: JSON.parse(r.location_ids) as string[] }, restricted: r.restricted === 1, note: r.note,
    state: r.state, openedAt: r.opened_at, openedBy: { by: r.opened_by, name: r.opened_by_name }, closedAt: r.closed_at,
    closedBy: r.closed_by ? { by: r.closed_by, name: r.closed_by_name ?? r.closed_by } : null,
    totals: report?.totals ?? null, reportSha256: r.report_sha256,
    event: r.event_chain && r.event_seq !== null ? { chain: r.event_chain, seq: r.event_seq } : null,
    progress: extra.progress ?? null, report,
  };
}

export type { CountLine, CountTotals };
