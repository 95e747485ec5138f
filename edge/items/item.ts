// An item as stored and as the API shows it.
import { z } from 'zod';
import type { Db } from '../store/db.ts';
import { prepared } from '../store/db.ts';
import type { CustodySnapshot } from '../ledger/event.ts';
import { epcUri } from '../epc.ts';
import { fail } from '../errors.ts';
import { canSeeItem, type Principal } from '../auth/principal.ts';

export const ITEM_STATES = ['announced', 'received', 'stored', 'out', 'withdrawn', 'rejected', 'disposed'] as const;
export type ItemState = (typeof ITEM_STATES)[number];
export const FINAL_STATES: readonly ItemState[] = ['withdrawn', 'rejected', 'disposed'];

export interface ItemRow {
  id: string;
  /** Null until the intake desk binds a tag to it (an item announced untagged). */
  epc: string | null;
  name: string;
  description: string | null;
  category_id: string;
  quantity: number;
  unit: string;
  case_id: string;
  agency_id: string;
  zone_id: string | null;
  location_id: string | null;
  state: ItemState;
  restricted: number;
  due_at: string | null;
  created_at: string;
  updated_at: string;
  /** Where and when a shelf reader last saw it (written at most once a minute: edge/rules/shelves.ts holds the latest). */
  last_seen_at: string | null;
  last_seen_location_id: string | null;
  /** The shelf's confirmation of its last putaway (or move, or return): its first sighting at its own location after it. */
  confirmed_at: string | null;
  confirmed_location_id: string | null;
  weight_grams: number | null;
}

export interface ItemRowWithCase extends ItemRow { case_number: string }

/** An item as the API shows it: every list, search and operation answers this shape. */
export const itemApi = z.object({
  id: z.string(),
  epc: z.string().nullable().describe('the tag\'s EPC in hex; null while the item is untagged (announced without a tag, not yet enrolled at the intake desk)'),
  tagged: z.boolean().describe('the item carries a tag (epc is not null): only a tagged item can be seen at a gate or on a shelf'),
  epcUri: z.string().nullable().describe('the EPC as a pure-identity URI, when the EPC decodes'),
  name: z.string(),
  description: z.string().nullable(),
  category: z.string(),
  quantity: z.number(),
  unit: z.string(),
  caseId: z.string(),
  caseNumber: z.string(),
  agencyId: z.string().describe('the controlling agency'),
  zoneId: z.string().nullable(),
  locationId: z.string().nullable(),
  state: z.enum(ITEM_STATES),
  dueAt: z.string().nullable().describe('when a retrieved item is due back'),
  weightGrams: z.number().nullable().describe('its weight, for the load cells under the shelves; null when not weighed'),
  lastSeenAt: z.string().nullable().describe('when a shelf reader last saw it (not a custody event)'),
  lastSeenLocationId: z.string().nullable().describe('where a shelf reader last saw it'),
  confirmedAt: z.string().nullable().describe('when a shelf reader first saw it at its own location after its putaway, move or return; null until then'),
  confirmedLocationId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ItemApi = z.infer<typeof itemApi>;

export function itemToApi(r: ItemRowWithCase): ItemApi {
  return {
    id: r.id,
    epc: r.epc,
    tagged: r.epc !== null,
    epcUri: r.epc === null ? null : epcUri(r.epc),
    name: r.name,
    description: r.description,
    category: r.category_id,
    quantity: r.quantity,
    unit: r.unit,
    caseId: r.case_id,
    caseNumber: r.case_number,
    agencyId: r.agency_id,
    zoneId: r.zone_id,
    locationId: r.location_id,
    state: r.state,
    dueAt: r.due_at,
    weightGrams: r.weight_grams,
    lastSeenAt: r.last_seen_at,
    lastSeenLocationId: r.last_seen_location_id,
    confirmedAt: r.confirmed_at,
    confirmedLocationId: r.confirmed_location_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export const ITEM_SELECT = 'SELECT i.*, c.number AS case_number FROM items i JOIN cases c ON c.id = i.case_id';

export function snapshot(r: Pick<ItemRow, 'state' | 'zone_id' | 'location_id' | 'agency_id'>): CustodySnapshot {
  return { state: r.state, zoneId: r.zone_id, locationId: r.location_id, agencyId: r.agency_id };
}

/** Loads an item the principal may see; anything else is ITEM_NOT_FOUND, so that hidden items cannot be probed. */
export function loadVisibleItem(db: Db, p: Principal, id: string): ItemRowWithCase {
  const row = prepared(db, `${ITEM_SELECT} WHERE i.id = ?`).get(id) as ItemRowWithCase | undefined;
  if (!row || !canSeeItem(p, row)) fail('ITEM_NOT_FOUND', `No item ${id}`, { itemId: id });
  return row;
}

export interface ItemChange {
  state?: ItemState;
  /** Only the intake desk's enrolment binds (or replaces) a tag. */
  epc?: string;
  zone_id?: string | null;
  location_id?: string | null;
  agency_id?: string;
  due_at?: string | null;
  restricted?: number;
  weight_grams?: number | null;
  confirmed_at?: string | null;
  confirmed_location_id?: string | null;
}

export function updateItem(db: Db, id: string, change: ItemChange, at: string): void {
  const cols = Object.keys(change) as (keyof ItemChange)[];
  const sets = cols.map((c) => `${c} = @${c}`).join(', ');
  prepared(db, `UPDATE items SET ${sets}, updated_at = @updated_at WHERE id = @id`).run({ ...change, updated_at: at, id });
}
