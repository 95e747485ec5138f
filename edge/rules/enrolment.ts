// Enrolment at the intake desk (一物一码): a person opens a window at a desk reader for one item, puts
// a new tag on the desk, and the reader's next poll binds it to the item as one custody event
// (`tag_bound`; `tag_replaced` for re-tagging (换签), which retires the old EPC in the same event).
// The verdict on a poll is the pure rule of enrolment/desk.ts; this holds the enrolments in the store
// (so that outcomes survive a restart and can be listed) and ends those whose window has passed, on
// the gateway's clock: from Custody.tick(), at start, and before anything reads or acts on them.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { CustodyContext } from '../context.ts';
import type { DeskObservation } from '../observations.ts';
import { canSeeItem, itemVisibilitySql, requireAllowed, type Principal } from '../auth/principal.ts';
import { fail } from '../errors.ts';
import { ITEM_SELECT, loadVisibleItem, snapshot, updateItem, type ItemRowWithCase, type ItemState } from '../items/item.ts';
import { prepared } from '../store/db.ts';
import { deskVerdict, type DeskTag } from './enrolment/desk.ts';
import { ENROLMENT_STATES, enrolmentToApi, type EnrolmentApi, type EnrolmentRow, type EnrolmentState, type StoredRefusal } from './enrolment/view.ts';

export { ENROLMENT_STATES, enrolmentApi, enrolmentRefusalApi, type EnrolmentApi, type EnrolmentState } from './enrolment/view.ts';

export const openEnrolmentInput = z.object({
  itemId: z.string().min(1).max(64),
  deviceId: z.string().min(1).max(64).describe('an intake desk reader (a device of kind desk_reader)'),
  windowSeconds: z.number().int().min(10).max(600).default(60).describe('how long the desk waits for the tag'),
  replace: z.boolean().default(false).describe('re-tagging (换签): the item has a tag; the new one replaces it and the old EPC is retired'),
}).strict().meta({ id: 'EnrolmentRequest' });

export const listEnrolmentsQuery = z.object({
  state: z.enum(ENROLMENT_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
}).strict();

/** An untagged item can be tagged from its announcement until it is put away (it cannot be stored untagged). */
const ENROL_FROM: readonly ItemState[] = ['announced', 'received'];
/** Re-tagging needs the item in the center's hands: received or stored, not out, not gone. */
const RETAG_FROM: readonly ItemState[] = ['received', 'stored'];

export interface DeskRefusal { reason: 'unknown_device'; detail: string }

export class Enrolments {
  /** Desk readers of the site file, by id, with their names. */
  private readonly desks = new Map<string, string | null>();
  /** Every location's own tag (cycle counts read it before the location's items). */
  private readonly locationTags: Set<string>;

  constructor(private readonly ctx: CustodyContext) {
    for (const d of ctx.site.devices) if (d.kind === 'desk_reader') this.desks.set(d.id, d.name ?? null);
    this.locationTags = new Set(ctx.site.locations.flatMap((l) => (l.tagEpc ? [l.tagEpc] : [])));
    // A window that passed while the gateway was down ended then.
    this.expire();
  }

  /** Ends every waiting enrolment whose window has passed; its end is the end of its window. */
  expire(): number {
    return prepared(this.ctx.db, `UPDATE enrolments SET state = 'timed_out', ended_at = expires_at WHERE state = 'waiting' AND expires_at <= ?`)
      .run(this.ctx.nowIso()).changes;
  }

  tick(): void { this.expire(); }

  open(p: Principal, raw: z.input<typeof openEnrolmentInput>): EnrolmentApi {
    const input = openEnrolmentInput.parse(raw);
    const ctx = this.ctx;
    const device = ctx.site.devices.find((d) => d.id === input.deviceId);
    if (!device) fail('DEVICE_NOT_FOUND', `No device ${input.deviceId}`, { deviceId: input.deviceId });
    if (device.kind !== 'desk_reader') fail('NOT_A_DESK_READER', `Device ${device.id} is a ${device.kind}, not an intake desk reader`, { deviceId: device.id, kind: device.kind });
    this.expire();
    const row = ctx.transaction(() => {
      const item = loadVisibleItem(ctx.db, p, input.itemId);
      requireAllowed(p, 'handle', item.restricted === 1);
      requireEligible(item, input.replace);
      const busy = prepared(ctx.db, `SELECT e.id, e.restricted, i.agency_id FROM enrolments e JOIN items i ON i.id = e.item_id
        WHERE e.device_id = ? AND e.state = 'waiting'`).get(device.id) as { id: string; restricted: number; agency_id: string } | undefined;
      if (busy) {
        // Its id only to whoever may see it: the commission's enrolment at a shared desk is not another role's to learn of.
        const seen = canSeeItem(p, busy);
        fail('DESK_BUSY', `An enrolment is already waiting at ${device.id}${seen ? ` (${busy.id})` : ''}`, { deviceId: device.id, ...(seen ? { enrolmentId: busy.id } : {}) });
      }
      const same = prepared(ctx.db, `SELECT id FROM enrolments WHERE item_id = ? AND state = 'waiting'`).get(item.id) as { id: string } | undefined;
      if (same) fail('ENROLMENT_WAITING', `An enrolment is already waiting for item ${item.id} (${same.id})`, { itemId: item.id, enrolmentId: same.id });
      const now = ctx.clock.now();
      const r: EnrolmentRow = {
        id: `EN-${randomUUID()}`, item_id: item.id, device_id: device.id, replace_tag: input.replace ? 1 : 0, state: 'waiting',
        opened_by: p.userId, opened_by_name: p.name, opened_role: p.role, opened_at: new Date(now).toISOString(),
        expires_at: new Date(now + input.windowSeconds * 1000).toISOString(), ended_at: null, ended_by: null, epc: null, retired_epc: null,
        refusal: null, tags_on_desk: null, restricted: item.restricted, event_chain: null, event_seq: null,
      };
      prepared(ctx.db, `INSERT INTO enrolments (id, item_id, device_id, replace_tag, state, opened_by, opened_by_name, opened_role, opened_at,
        expires_at, restricted) VALUES (@id, @item_id, @device_id, @replace_tag, @state, @opened_by, @opened_by_name, @opened_role, @opened_at,
        @expires_at, @restricted)`).run(r);
      return r;
    });
    return this.toApi(p, row);
  }

  /** The opener, a supervisor, or (in the restricted zone, where only the commission acts) the discipline role. */
  cancel(p: Principal, id: string): EnrolmentApi {
    this.expire();
    const r = this.loadVisible(p, id);
    const may = r.opened_by === p.userId || (r.restricted === 1 ? p.role === 'discipline' : p.role === 'supervisor');
    if (!may) fail('FORBIDDEN', 'Only the person who opened the enrolment or a supervisor may cancel it', { enrolmentId: id });
    if (r.state !== 'waiting') fail('ENROLMENT_NOT_WAITING', `Enrolment ${id} has already ended (${r.state})`, { enrolmentId: id, state: r.state });
    const changed = prepared(this.ctx.db, `UPDATE enrolments SET state = 'cancelled', ended_at = ?, ended_by = ? WHERE id = ? AND state = 'waiting'`)
      .run(this.ctx.nowIso(), p.userId, id).changes;
    if (!changed) fail('ENROLMENT_NOT_WAITING', `Enrolment ${id} has already ended`, { enrolmentId: id });
    return this.get(p, id);
  }

  get(p: Principal, id: string): EnrolmentApi {
    this.expire();
    return this.toApi(p, this.loadVisible(p, id));
  }

  /** Newest first, as far as their items are visible to the principal. */
  list(p: Principal, q: { state?: EnrolmentState; limit: number }): EnrolmentApi[] {
    this.expire();
    const vis = itemVisibilitySql(p, 'x');
    // Opened in the same millisecond: the later insert is the newer (ids are random).
    const rows = prepared(this.ctx.db, `SELECT * FROM (SELECT e.*, e.rowid AS inserted, i.agency_id FROM enrolments e JOIN items i ON i.id = e.item_id) x
      WHERE ${vis.sql} AND (? IS NULL OR x.state = ?) ORDER BY x.opened_at DESC, x.inserted DESC LIMIT ?`)
      .all(...vis.params, q.state ?? null, q.state ?? null, q.limit) as EnrolmentRow[];
    return rows.map((r) => this.toApi(p, r));
  }

  /**
   * One poll of a desk reader. Null when taken (with or without an enrolment waiting there); a refusal
   * for a device that is no desk reader of the site.
   */
  observe(o: DeskObservation): DeskRefusal | null {
    if (!this.desks.has(o.deviceId)) return { reason: 'unknown_device', detail: `no desk reader ${o.deviceId}` };
    this.expire();
    const ctx = this.ctx;
    const r = prepared(ctx.db, `SELECT * FROM enrolments WHERE device_id = ? AND state = 'waiting'`).get(o.deviceId) as EnrolmentRow | undefined;
    // A poll from before the window opened says nothing of the tag put on the desk for it.
    if (!r || o.at < Date.parse(r.opened_at)) return null;
    const epcs = [...new Set(o.epcs)];
    ctx.transaction((tx) => {
      const item = prepared(ctx.db, `${ITEM_SELECT} WHERE i.id = ?`).get(r.item_id) as ItemRowWithCase;
      const at = ctx.nowIso();
      const end = (state: EnrolmentState, set: { refusal?: StoredRefusal; epc?: string; retired?: string | null; event?: { chain: string; seq: number } }) =>
        prepared(ctx.db, `UPDATE enrolments SET state = ?, ended_at = ?, tags_on_desk = ?, refusal = ?, epc = ?, retired_epc = ?, event_chain = ?,
          event_seq = ? WHERE id = ?`).run(state, at, epcs.length, set.refusal ? JSON.stringify(set.refusal) : null, set.epc ?? null,
          set.retired ?? null, set.event?.chain ?? null, set.event?.seq ?? null, r.id);
      if (!isEligible(item, r.replace_tag === 1)) {
        end('refused', { refusal: { reason: 'item_not_eligible', epc: null, itemId: null, itemName: null } });
        return;
      }
      const verdict = deskVerdict(epcs.map((epc) => this.classify(epc, item)));
      switch (verdict.kind) {
        case 'wait':
          // A clear desk is polled twice a second: written only when the count changes.
          if (r.tags_on_desk !== epcs.length) prepared(ctx.db, 'UPDATE enrolments SET tags_on_desk = ? WHERE id = ?').run(epcs.length, r.id);
          return;
        case 'several_tags':
          end('several_tags', {});
          return;
        case 'refuse':
          end('refused', { refusal: { reason: verdict.reason, epc: verdict.epc, itemId: verdict.itemId, itemName: verdict.itemName } });
          return;
        case 'bind': {
          const retired = r.replace_tag === 1 ? item.epc : null;
          updateItem(ctx.db, item.id, { epc: verdict.epc }, at);
          const after = prepared(ctx.db, `${ITEM_SELECT} WHERE i.id = ?`).get(item.id) as ItemRowWithCase;
          const event = tx.append({
            at, kind: retired ? 'tag_replaced' : 'tag_bound', itemId: item.id, orderId: null,
            actors: { by: r.opened_by, name: r.opened_by_name, role: r.opened_role },
            from: snapshot(item), to: snapshot(after),
            details: { epc: verdict.epc, ...(retired ? { retiredEpc: retired } : {}), deviceId: r.device_id, enrolmentId: r.id },
            restricted: item.restricted === 1,
          });
          if (retired) {
            prepared(ctx.db, 'INSERT INTO retired_epcs (epc, item_id, retired_at, chain, seq) VALUES (?, ?, ?, ?, ?)')
              .run(retired, item.id, at, event.chain, event.seq);
          }
          end('bound', { epc: verdict.epc, retired, event });
        }
      }
    });
    return null;
  }

  /** What the store says of one EPC on the desk. */
  private classify(epc: string, enrolled: ItemRowWithCase): DeskTag {
    const db = this.ctx.db;
    if (epc === enrolled.epc) return { epc, kind: 'own' };
    const carrier = prepared(db, 'SELECT id, name FROM items WHERE epc = ?').get(epc) as { id: string; name: string } | undefined;
    if (carrier) return { epc, kind: 'bound', reason: 'epc_in_use', itemId: carrier.id, itemName: carrier.name };
    const retired = prepared(db, 'SELECT r.item_id, i.name FROM retired_epcs r JOIN items i ON i.id = r.item_id WHERE r.epc = ?').get(epc) as
      { item_id: string; name: string } | undefined;
    if (retired) return { epc, kind: 'bound', reason: 'epc_retired', itemId: retired.item_id, itemName: retired.name };
    if (prepared(db, 'SELECT 1 FROM staff WHERE badge_epc = ?').get(epc)) return { epc, kind: 'bound', reason: 'badge', itemId: null, itemName: null };
    if (this.locationTags.has(epc)) return { epc, kind: 'bound', reason: 'location_tag', itemId: null, itemName: null };
    return { epc, kind: 'unbound' };
  }

  private loadVisible(p: Principal, id: string): EnrolmentRow {
    const r = prepared(this.ctx.db, `SELECT e.*, i.agency_id FROM enrolments e JOIN items i ON i.id = e.item_id WHERE e.id = ?`).get(id) as
      (EnrolmentRow & { agency_id: string }) | undefined;
    if (!r || !canSeeItem(p, r)) fail('ENROLMENT_NOT_FOUND', `No enrolment ${id}`, { enrolmentId: id });
    return r;
  }

  private toApi(p: Principal, r: EnrolmentRow): EnrolmentApi {
    return enrolmentToApi(this.ctx.db, this.desks.get(r.device_id) ?? null, p, r);
  }
}

function isEligible(item: Pick<ItemRowWithCase, 'epc' | 'state'>, replace: boolean): boolean {
  return replace ? item.epc !== null && RETAG_FROM.includes(item.state) : item.epc === null && ENROL_FROM.includes(item.state);
}

function requireEligible(item: ItemRowWithCase, replace: boolean): void {
  if (replace) {
    if (item.epc === null) fail('ITEM_UNTAGGED', `Item ${item.id} has no tag to replace: enrol it without replace`, { itemId: item.id });
    if (!RETAG_FROM.includes(item.state)) {
      fail('ILLEGAL_TRANSITION', `Item ${item.id} is ${item.state}; re-tagging needs ${RETAG_FROM.join(' or ')}`, { itemId: item.id, state: item.state, allowedFrom: RETAG_FROM });
    }
  } else {
    if (item.epc !== null) fail('ITEM_ALREADY_TAGGED', `Item ${item.id} already carries a tag; re-tag it with replace: true`, { itemId: item.id });
    if (!ENROL_FROM.includes(item.state)) {
      fail('ILLEGAL_TRANSITION', `Item ${item.id} is ${item.state}; enrolment needs ${ENROL_FROM.join(' or ')}`, { itemId: item.id, state: item.state, allowedFrom: ENROL_FROM });
    }
  }
}
