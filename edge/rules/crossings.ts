// What a gate crossing means for custody; each rule it applies is its own module in gate/.
// An item crossing waits until its escort window has
// closed (badges may cross a few seconds after the items they escort), then is decided in one
// transaction: the crossing row, the custody operation its order authorises, and any alarm.
// Only then is anything told to the outside. A crash loses at most the undecided crossings held
// here in memory; a decided one is unique by (gate, tag, first sighting) and cannot count twice.
import { randomUUID } from 'node:crypto';
import type { CustodyContext } from '../context.ts';
import type { CrossingObservation } from '../observations.ts';
import type { Principal } from '../auth/principal.ts';
import { CustodyError } from '../errors.ts';
import { raiseAlarm, type RaiseAlarm } from '../alarms/alarm.ts';
import { effectiveState, type OrderRow } from '../orders/order.ts';
import { FINAL_STATES, type ItemRow } from '../items/item.ts';
import { retrieve } from '../lifecycle/retrieve.ts';
import { returnItem } from '../lifecycle/return.ts';
import { dispose } from '../lifecycle/dispose.ts';
import { receive } from '../lifecycle/receive.ts';
import type { Gate } from '../site/schema.ts';
import type { Chain, HashedEvent } from '../ledger/event.ts';
import { gateFacts } from './gate/context.ts';
import { badgeBreach, itemBreach } from './gate/restricted-zone.ts';
import { checkEscort } from './gate/escort.ts';
import { unauthorizedMovement } from './gate/unauthorized.ts';
import { unknownTag } from './gate/unknown-tag.ts';
import { prepared } from '../store/db.ts';
import { isStorageFull, unstoredAlarm } from '../store/capacity.ts';
import { retiredEpc } from '../items/retired.ts';

export const CROSSING_DECISIONS = ['authorised', 'alarm', 'badge', 'undetermined', 'failed'] as const;
/** `failed`: deciding threw; the crossing is kept with its error and a `decision_failed` alarm, never retried. */
export type CrossingDecision = (typeof CROSSING_DECISIONS)[number];

export interface DecidedCrossing {
  id: string; gateId: string; epc: string; itemId: string | null; staffId: string | null;
  direction: string; confidence: number; firstSeen: string; lastSeen: string;
  deviceFirstSeen: string | null; deviceLastSeen: string | null; readCount: number;
  badges: string[]; orderId: string | null; decision: CrossingDecision; alarmKinds: string[];
  eventSeq: number | null; eventChain: Chain | null; restricted: boolean; itemAgencyId: string | null; at: string;
  error: string | null;
}

interface StaffRow { id: string; name: string; clearances: string }

/** How an order kind moves an item through a gate, by direction relative to the gate's inner zone. */
const APPLIES: Record<string, { out?: true; in?: true }> = {
  retrieve: { out: true }, dispose: { out: true }, return: { in: true }, transfer_in: { in: true },
  putaway: { in: true, out: true }, move: { in: true, out: true },
};

export class GateDecider {
  private pending: CrossingObservation[] = [];
  private badgeSightings: { gateId: string; staffId: string; at: number }[] = [];
  private readonly windowMs: number;
  /** Crossings decided together share one transaction; off only to measure what that is worth (the storm benchmark). */
  shareTransactions = true;

  // The statements of every crossing, prepared once: this is the gate's hot path.
  private readonly itemByEpc;
  private readonly staffByEpc;
  private readonly insertCrossing;
  private readonly setCrossingEvent;
  private readonly setCrossingAlarm;

  constructor(private readonly ctx: CustodyContext) {
    this.windowMs = ctx.site.rules.escortWindowSeconds * 1000;
    this.itemByEpc = ctx.db.prepare('SELECT * FROM items WHERE epc = ?');
    this.staffByEpc = ctx.db.prepare('SELECT id, name, clearances FROM staff WHERE badge_epc = ?');
    this.insertCrossing = ctx.db.prepare(`INSERT OR IGNORE INTO crossings (id, gate_id, epc, item_id, staff_id, direction, confidence,
      first_seen, last_seen, device_first_seen, device_last_seen, read_count, badges, order_id, decision, alarm_kinds, event_seq,
      restricted, agency_id, decided_at, error)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)`);
    this.setCrossingEvent = ctx.db.prepare('UPDATE crossings SET event_chain = ?, event_seq = ? WHERE id = ?');
    this.setCrossingAlarm = ctx.db.prepare('UPDATE crossings SET decision = ?, alarm_kinds = ? WHERE id = ?');
  }

  pendingCount(): number { return this.pending.length; }

  /**
   * A crossing from a portal. Badges are decided at once. An item that an order covers waits for
   * its escort window (and for the portal to close the tracks of badges seen in it); anything no
   * order can cover (no order, a final state, an unknown tag) is an alarm now, not in ten seconds.
   */
  observe(c: CrossingObservation): void {
    this.observeAll([c]);
  }

  /**
   * Crossings the portal closed in the same tick: those decided now share one transaction (one
   * commit, not one per crossing, when a crowd passes), each in its own savepoint.
   */
  observeAll(cs: readonly CrossingObservation[]): void {
    const now: (() => DecidedCrossing | null)[] = [];
    const of: CrossingObservation[] = [];
    for (const c of cs) {
      let decide: () => DecidedCrossing | null;
      try {
        const staff = this.staffByBadge(c.epc);
        if (staff) {
          // Escorting is being at the gate with the items: a badge counts whatever direction the portal read.
          this.badgeSightings.push({ gateId: c.gateId, staffId: staff.id, at: c.lastSeen });
          decide = () => this.decide(c, staff);
        } else if (this.needsEscortWindow(c)) {
          this.pending.push(c);
          continue;
        } else {
          decide = () => this.decide(c, null);
        }
      } catch (e) {
        decide = () => { throw e; };
      }
      now.push(decide);
      of.push(c);
    }
    this.decideAll(of, now);
  }

  private needsEscortWindow(c: CrossingObservation): boolean {
    const gate = this.ctx.gates.get(c.gateId);
    if (!gate || c.direction === 'unknown') return false;
    const item = this.itemByEpc.get(c.epc) as ItemRow | undefined;
    return !!item && !FINAL_STATES.includes(item.state) && !!this.coveringOrder(item, gate, c.direction);
  }

  /** When an item crossing can be decided: its window has ended and badge tracks in it have closed. */
  private readyAt(c: CrossingObservation): number {
    return c.lastSeen + this.windowMs + this.ctx.site.portal.closeAfterMs;
  }

  /** Decides every item crossing whose escort window has ended by `now`. */
  tick(now: number): DecidedCrossing[] {
    const ready = this.pending.filter((c) => now >= this.readyAt(c));
    this.pending = this.pending.filter((c) => now < this.readyAt(c));
    const out = this.decideAll(ready, ready.map((c) => () => this.decide(c, null)));
    const horizon = now - 3 * this.windowMs;
    this.badgeSightings = this.badgeSightings.filter((b) => b.at >= horizon);
    return out;
  }

  private staffByBadge(epc: string): StaffRow | undefined {
    return this.staffByEpc.get(epc) as StaffRow | undefined;
  }

  private badgesNear(c: CrossingObservation): string[] {
    const ids = this.badgeSightings
      .filter((b) => b.gateId === c.gateId && b.at >= c.firstSeen - this.windowMs && b.at <= c.lastSeen + this.windowMs)
      .map((b) => b.staffId);
    return [...new Set(ids)];
  }

  /**
   * Each crossing is decided on its own: one that throws (a store error, a bug) rolls back only its own
   * transaction and is then recorded as a `failed` decision with its error and a critical alarm, so
   * that the other crossings of the tick are decided as usual and nothing disappears without a trace.
   * It is not retried: it has already left `pending`, and a retry would fail the same way every tick.
   */
  private guarded(c: CrossingObservation, decide: () => DecidedCrossing | null): DecidedCrossing | null {
    let d: DecidedCrossing | null;
    try {
      d = this.ctx.savepoint(() => decide());
    } catch (e) {
      try {
        d = this.ctx.savepoint(() => this.recordFailure(c, e));
      } catch (e2) {
        // Not even the failure could be written (the disk, the database): the log is all that is left.
        this.ctx.bus.log.error({ err: e2, decisionError: String(e), gateId: c.gateId, epc: c.epc }, 'a crossing could not be decided nor recorded as failed');
        d = null;
      }
    }
    // Told once it has committed; a listener's fault is the bus's to log, never the decision's.
    const decided = d;
    if (decided) this.ctx.afterCommit(() => this.ctx.bus.emit('crossing', decided));
    return d;
  }

  /**
   * Decides several crossings in one transaction. Should the commit itself fail (nothing of the batch
   * is then stored, nor told), each is decided again in a transaction of its own.
   */
  private decideAll(cs: readonly CrossingObservation[], decides: (() => DecidedCrossing | null)[]): DecidedCrossing[] {
    const one = () => cs.map((c, i) => this.guarded(c, decides[i]!)).filter((d): d is DecidedCrossing => d !== null);
    if (cs.length < 2 || !this.shareTransactions) return one();
    try {
      return this.ctx.transaction(() => one());
    } catch (err) {
      this.ctx.bus.log.error({ err, crossings: cs.length }, 'deciding a tick\'s crossings together failed; deciding each on its own');
      return one();
    }
  }

  private recordFailure(c: CrossingObservation, e: unknown): DecidedCrossing | null {
    const ctx = this.ctx;
    const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    const gate = ctx.gates.get(c.gateId);
    // Each lookup may be what failed: the record of the failure must not depend on it.
    const item = this.safely(() => this.itemByEpc.get(c.epc) as ItemRow | undefined);
    const staff = item ? undefined : this.safely(() => this.staffByBadge(c.epc));
    const restricted = item?.restricted === 1 || ctx.isRestrictedZone(gate?.innerZone) || ctx.isRestrictedZone(gate?.outerZone);
    const at = ctx.nowIso();
    const decided = this.decidedRecord(c, {
      itemId: item?.id ?? null, staffId: staff?.id ?? null, badges: [], orderId: null, decision: 'failed',
      alarmKinds: ['decision_failed'], restricted, itemAgencyId: item?.agency_id ?? null, at, error,
    });
    const gateName = gate?.name ?? c.gateId;
    const what = item ? `物品 ${item.name}` : staff ? `工牌 ${staff.name}` : `标签 ${c.epc}`;
    const alarm = {
      kind: 'decision_failed' as const, severity: 'critical' as const, causeKey: `decision_failed:${c.gateId}:${c.epc}:${decided.firstSeen}`,
      restricted, itemId: item?.id ?? null, epc: c.epc, gateId: gate ? gate.id : null,
      message: `${gateName}：${what}的通行未能判定，需人工核查（${error}）`,
      details: { crossingId: decided.id, direction: c.direction, firstSeen: decided.firstSeen, lastSeen: decided.lastSeen, error },
    };
    try {
      const inserted = ctx.transaction(() => {
        if (this.insert(decided) === 0) return false;
        raiseAlarm(ctx, alarm);
        return true;
      });
      return inserted ? decided : null;
    } catch (err) {
      // Not even the failure could be stored (a full disk): the gate's light and the stream are still told.
      if (!isStorageFull(err)) throw err;
      ctx.bus.emit('alarm', unstoredAlarm(ctx, alarm));
      return null;
    }
  }

  private safely<T>(fn: () => T): T | undefined {
    try { return fn(); } catch { return undefined; }
  }

  private decidedRecord(c: CrossingObservation, d: Pick<DecidedCrossing, 'itemId' | 'staffId' | 'badges' | 'orderId' | 'decision'
    | 'alarmKinds' | 'restricted' | 'itemAgencyId' | 'at' | 'error'>): DecidedCrossing {
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    return {
      id: randomUUID(), gateId: c.gateId, epc: c.epc, direction: c.direction, confidence: c.confidence,
      firstSeen: new Date(c.firstSeen).toISOString(), lastSeen: new Date(c.lastSeen).toISOString(),
      deviceFirstSeen: iso(c.deviceFirstSeen), deviceLastSeen: iso(c.deviceLastSeen), readCount: c.readCount,
      eventSeq: null, eventChain: null, ...d,
    };
  }

  /** The crossing row; 0 when the same crossing (gate, tag, first sighting) was decided before. */
  private insert(d: DecidedCrossing): number {
    return this.insertCrossing.run(
      d.id, d.gateId, d.epc, d.itemId, d.staffId, d.direction, d.confidence, d.firstSeen, d.lastSeen, d.deviceFirstSeen,
      d.deviceLastSeen, d.readCount, JSON.stringify(d.badges), d.orderId, d.decision, JSON.stringify(d.alarmKinds),
      d.restricted ? 1 : 0, d.itemAgencyId, d.at, d.error).changes;
  }

  private decide(c: CrossingObservation, staff: StaffRow | undefined | null): DecidedCrossing | null {
    const ctx = this.ctx;
    const gate = ctx.gates.get(c.gateId);
    if (!gate) return null;
    const item = staff ? undefined : this.itemByEpc.get(c.epc) as ItemRow | undefined;
    const badges = staff ? [] : this.badgesNear(c);
    const alarms: RaiseAlarm[] = [];
    let decision: CrossingDecision = 'alarm';
    let orderId: string | null = null;
    let apply: ((p: Principal, via: Record<string, unknown>) => HashedEvent) | null = null;
    const f = gateFacts(ctx, c, gate);
    const restricted = f.gateRestricted || item?.restricted === 1;

    if (staff) {
      decision = 'badge';
      const breach = badgeBreach(f, staff);
      if (breach) alarms.push(breach);
    } else if (!item) {
      alarms.push(...unknownTag(f, this.activeOrderAtGate('transfer_in', gate.id), retiredEpc(ctx.db, c.epc)));
    } else if (FINAL_STATES.includes(item.state)) {
      alarms.push(unauthorizedMovement(f, item, badges, `已${item.state}的物品经过出入口`));
    } else if (c.direction === 'unknown') {
      // A turn-around or a pass the portal could not read: nothing moved for certain, so nothing is
      // applied; the crossing is kept for the record and shown, not alarmed.
      decision = 'undetermined';
    } else {
      const order = this.coveringOrder(item, gate, c.direction);
      if (!order) {
        alarms.push(unauthorizedMovement(f, item, badges, '无有效指令的物品移动'));
      } else {
        decision = 'authorised';
        orderId = order.id;
        const escort = checkEscort(f, item, order, badges);
        if (escort.alarm) alarms.push(escort.alarm);
        const breach = itemBreach(f, item, escort.allowed);
        if (breach) alarms.push(breach);
        const direction = c.direction;
        apply = (p, via) => this.applyOrder(order, item, escort.allowed.length ? escort.allowed : badges, p, via, direction);
      }
    }

    const at = ctx.nowIso();
    const decided = this.decidedRecord(c, {
      itemId: item?.id ?? null, staffId: staff?.id ?? null, badges, orderId,
      decision: alarms.length && decision !== 'authorised' ? 'alarm' : decision, alarmKinds: alarms.map((a) => a.kind),
      restricted, itemAgencyId: item?.agency_id ?? null, at, error: null,
    });
    const inserted = ctx.transaction(() => {
      if (this.insert(decided) === 0) return false;
      if (apply) {
        const gatePrincipal: Principal = {
          userId: `gateway:${gate.id}`, name: gate.name, role: item?.restricted === 1 ? 'discipline' : 'supervisor',
          agencyId: null, staffId: null, actingAs: 'gateway',
        };
        try {
          const event = apply(gatePrincipal, { gateId: gate.id, direction: c.direction, badges, crossingId: decided.id, confidence: c.confidence });
          decided.eventSeq = event.seq;
          decided.eventChain = event.chain;
          this.setCrossingEvent.run(event.chain, event.seq, decided.id);
        } catch (e) {
          // The operation's checks run before it writes anything, so a refusal leaves nothing half-done:
          // the item moved and no operation could record it, which is an unauthorised movement.
          if (!(e instanceof CustodyError)) throw e;
          decided.decision = 'alarm';
          alarms.push({ ...unauthorizedMovement(f, item!, badges, `指令不允许此移动（${e.code}）`, { code: e.code, reason: e.message }), orderId });
          decided.alarmKinds = alarms.map((a) => a.kind);
          this.setCrossingAlarm.run('alarm', JSON.stringify(decided.alarmKinds), decided.id);
        }
      }
      for (const a of alarms) raiseAlarm(ctx, { ...a, details: { ...a.details, crossingId: decided.id } });
      return true;
    });
    return inserted ? decided : null;
  }

  private activeOrderAtGate(kind: string, gateId: string): OrderRow | undefined {
    const rows = prepared(this.ctx.db, `SELECT * FROM orders WHERE kind = ? AND state IN ('open', 'active')`).all(kind) as OrderRow[];
    return rows.find((o) => effectiveState(o, this.ctx.clock.now()) === 'active' && (JSON.parse(o.gates) as string[]).includes(gateId));
  }

  /** The active order that covers this item at this gate in this direction, if any. */
  private coveringOrder(item: ItemRow, gate: Gate, direction: 'in' | 'out'): OrderRow | undefined {
    const now = this.ctx.clock.now();
    const rows = prepared(this.ctx.db, `SELECT o.* FROM orders o JOIN order_items oi ON oi.order_id = o.id
      WHERE oi.item_id = ? AND o.state IN ('open', 'active', 'completed')`).all(item.id) as OrderRow[];
    return rows.find((o) => {
      const gates = JSON.parse(o.gates) as string[];
      if (gates.length && !gates.includes(gate.id)) return false;
      if (o.direction !== 'any' && o.direction !== direction) return false;
      if (!APPLIES[o.kind]?.[direction]) return false;
      // A completed retrieve order still covers the way back in of what it took out.
      if (o.state === 'completed') return o.kind === 'retrieve' && direction === 'in' && item.state === 'out';
      return effectiveState(o, now) === 'active' || (o.kind === 'return' && effectiveState(o, now) !== 'cancelled');
    }) ?? (direction === 'in' && item.state === 'out' ? this.retrieveOrderOf(item, gate) : undefined);
  }

  private retrieveOrderOf(item: ItemRow, gate: Gate): OrderRow | undefined {
    const row = prepared(this.ctx.db, `SELECT o.* FROM checkouts c JOIN orders o ON o.id = c.order_id
      WHERE c.item_id = ? AND c.in_seq IS NULL ORDER BY c.rowid DESC LIMIT 1`).get(item.id) as OrderRow | undefined;
    if (!row) return undefined;
    const gates = JSON.parse(row.gates) as string[];
    return !gates.length || gates.includes(gate.id) ? row : undefined;
  }

  /** Applies the operation the order authorises for this crossing; returns its custody event. */
  private applyOrder(o: OrderRow, item: ItemRow, badges: string[], p: Principal, via: Record<string, unknown>, direction: 'in' | 'out'): HashedEvent {
    const ctx = this.ctx;
    // The escorts the order names come first: they are the people responsible for the item.
    const taker = badges[0] ?? 'unknown';
    if (o.kind === 'retrieve' && direction === 'out' && item.state === 'stored') {
      return retrieve(ctx, p, item.id, { orderId: o.id, takenBy: taker, condition: '经出入口自动登记，未开封查验' }, via).event;
    }
    if ((o.kind === 'return' || o.kind === 'retrieve') && direction === 'in' && item.state === 'out') {
      const open = prepared(ctx.db, 'SELECT condition_out FROM checkouts WHERE item_id = ? AND in_seq IS NULL ORDER BY rowid DESC LIMIT 1').get(item.id) as { condition_out: string } | undefined;
      // The gate cannot see the condition: it records the one at check-out, to be confirmed at the bench.
      return returnItem(ctx, p, item.id, { orderId: o.id, condition: open?.condition_out ?? '待查验', returnedBy: taker }, via).event;
    }
    if (o.kind === 'dispose' && direction === 'out' && (item.state === 'stored' || item.state === 'out')) {
      // The order carries the decision; an order from before that is executed as its approver decided it.
      return dispose(ctx, p, item.id, { orderId: o.id, ...(o.decision_ref ? {} : { method: 'returned_to_owner', decisionRef: o.note ?? o.id, decidedBy: o.approved_by }) }, via).event;
    }
    if (o.kind === 'transfer_in' && direction === 'in' && item.state === 'announced') {
      return receive(ctx, p, item.id, { orderId: o.id, condition: '经移交通道自动登记' }, via).event;
    }
    // move and putaway: the crossing is authorised; the location changes when the operator scans the shelf.
    const event = ctx.transaction((tx) => tx.append({
      kind: 'crossed', itemId: item.id, orderId: o.id, actors: { by: p.userId, name: p.name, role: 'gateway', staff: badges },
      from: { state: item.state, zoneId: item.zone_id, locationId: item.location_id, agencyId: item.agency_id },
      to: { state: item.state, zoneId: item.zone_id, locationId: item.location_id, agencyId: item.agency_id },
      details: via, restricted: item.restricted === 1,
    }));
    return event;
  }
}
