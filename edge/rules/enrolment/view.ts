// An enrolment as stored and as the API shows it to one principal. The item a refusal names is named
// only to whoever may see that item: to anyone else it is "another item" (the restricted zone's items
// exist for the discipline role only, an agency's for that agency).
import { z } from 'zod';
import type { Db } from '../../store/db.ts';
import { prepared } from '../../store/db.ts';
import { canSeeItem, type Principal } from '../../auth/principal.ts';
import { CHAINS, type Chain } from '../../ledger/event.ts';
import { REFUSAL_REASONS, type RefusalReason } from './desk.ts';

export const ENROLMENT_STATES = ['waiting', 'bound', 'several_tags', 'refused', 'timed_out', 'cancelled'] as const;
export type EnrolmentState = (typeof ENROLMENT_STATES)[number];

export interface EnrolmentRow {
  id: string; item_id: string; device_id: string; replace_tag: number; state: EnrolmentState;
  opened_by: string; opened_by_name: string; opened_role: string; opened_at: string; expires_at: string;
  ended_at: string | null; ended_by: string | null; epc: string | null; retired_epc: string | null;
  /** JSON of StoredRefusal. */
  refusal: string | null; tags_on_desk: number | null; restricted: number; event_chain: Chain | null; event_seq: number | null;
}

/** What is stored: the item an EPC belongs to, named in full; what is shown depends on who asks. */
export interface StoredRefusal { reason: RefusalReason; epc: string | null; itemId: string | null; itemName: string | null }

export const REFUSAL_MESSAGES: Record<RefusalReason, string> = {
  epc_in_use: '标签已绑定在另一物品上 (the tag is already on another item)',
  epc_retired: '标签已在换签时注销，不可再用 (the tag was retired by a re-tagging)',
  badge: '台上是工牌，不是物品标签 (a staff badge, not an item tag)',
  location_tag: '台上是库位标签，不是物品标签 (a location\'s own tag, not an item tag)',
  item_not_eligible: '物品状态已变化，不能再绑定标签 (the item changed and can no longer be tagged here)',
};

export const enrolmentRefusalApi = z.object({
  reason: z.enum(REFUSAL_REASONS),
  epc: z.string().nullable().describe('the tag on the desk that was in the way'),
  itemId: z.string().nullable().describe('the item that tag is (or was) on; null for a badge or a location tag, and for an item the role may not see'),
  itemName: z.string().nullable(),
  message: z.string().describe('for the operator at the desk; names no item the role may not see ("another item")'),
}).meta({ id: 'EnrolmentRefusal' });

export const enrolmentApi = z.object({
  id: z.string(),
  itemId: z.string(),
  itemName: z.string(),
  deviceId: z.string().describe('the intake desk reader'),
  deviceName: z.string().nullable().describe('the desk reader\'s name in the site file'),
  replace: z.boolean().describe('re-tagging (换签): the item\'s old EPC is retired when the new one is bound'),
  state: z.enum(ENROLMENT_STATES).describe('waiting for a tag on the desk; every other state is final'),
  openedAt: z.string(),
  openedBy: z.object({ by: z.string(), name: z.string() }),
  expiresAt: z.string().describe('the end of the window, on the gateway\'s clock'),
  endedAt: z.string().nullable(),
  epc: z.string().nullable().describe('the EPC bound, once bound'),
  retiredEpc: z.string().nullable().describe('re-tagging: the item\'s old EPC, retired in the same custody event'),
  refusal: enrolmentRefusalApi.nullable().describe('why it was refused (state refused)'),
  tagsOnDesk: z.number().int().nullable().describe('how many tags the desk reader saw at its last poll during the window; null before any'),
  event: z.object({ chain: z.enum(CHAINS), seq: z.number().int() }).nullable().describe('the custody event (tag_bound or tag_replaced), once bound'),
}).meta({ id: 'Enrolment' });
export type EnrolmentApi = z.infer<typeof enrolmentApi>;

export function enrolmentToApi(db: Db, deviceName: string | null, p: Principal, r: EnrolmentRow): EnrolmentApi {
  const item = prepared(db, 'SELECT name FROM items WHERE id = ?').get(r.item_id) as { name: string };
  return {
    id: r.id, itemId: r.item_id, itemName: item.name, deviceId: r.device_id, deviceName, replace: r.replace_tag === 1, state: r.state,
    openedAt: r.opened_at, openedBy: { by: r.opened_by, name: r.opened_by_name }, expiresAt: r.expires_at, endedAt: r.ended_at,
    epc: r.epc, retiredEpc: r.retired_epc, refusal: r.refusal ? refusalFor(db, p, JSON.parse(r.refusal) as StoredRefusal) : null,
    tagsOnDesk: r.tags_on_desk, event: r.event_chain && r.event_seq !== null ? { chain: r.event_chain, seq: r.event_seq } : null,
  };
}

function refusalFor(db: Db, p: Principal, s: StoredRefusal): z.infer<typeof enrolmentRefusalApi> {
  const other = s.itemId ? prepared(db, 'SELECT restricted, agency_id FROM items WHERE id = ?').get(s.itemId) as { restricted: number; agency_id: string } | undefined : undefined;
  const named = !!other && canSeeItem(p, other);
  const base = REFUSAL_MESSAGES[s.reason];
  const message = s.reason === 'epc_in_use' || s.reason === 'epc_retired'
    ? `${base}: ${named ? `${s.itemName} (${s.itemId})` : '另一物品 (another item)'}`
    : base;
  return { reason: s.reason, epc: s.epc, itemId: named ? s.itemId : null, itemName: named ? s.itemName : null, message };
}
