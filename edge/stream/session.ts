// One server-sent-events connection: what it listens to, what it lets through, and how it ends.
//
//   retry: 3000                          (once, first)
//   id: 41 / event: ready / data: {"cursor":41}     (discipline: id: 41.7, {"cursor":41,"restrictedCursor":7})
//   id: 42 / event: event / data: {custody event as the ledger gives it}
//   id: 42 / event: alarm / data: {alarm as the API gives it}
//   id: 42 / event: crossing / data: {crossing}
//   : ping                               (every heartbeat)
//
// Every `id:` is the stream's custody cursor: the seq of the last main-chain custody event this
// principal was sent (or, before any, the last it could have seen); for `discipline`, who also reads
// the restricted zone's chain, `<main>.<restricted>`. A browser reconnecting sends it back as
// `Last-Event-ID` and gets the visible custody events after it replayed first. Alarms and
// crossings are live only: their current state is in the lists.
//
// The cursor never moves on an event the principal may not see, so the ids reveal nothing that
// GET /events does not; and since the restricted zone's events are in a chain of their own, the ids
// other roles see do not move when only that zone changes.
import type { ServerResponse } from 'node:http';
import type { CustodyContext } from '../context.ts';
import type { Principal } from '../auth/principal.ts';
import type { Alarm } from '../alarms/alarm.ts';
import { eventFromRow, type Chain, type HashedEvent } from '../ledger/event.ts';
import { alarmVisible, chainsOf, crossingForPrincipal, crossingVisible, eventVisible, lastVisibleSeq, visibleEventsAfter, type StreamCrossing } from './visibility.ts';
import { prepared } from '../store/db.ts';

/** Where a stream stands in each chain it reads. */
export type StreamCursor = Partial<Record<Chain, number>>;

/** `41` (main only) or `41.7` (main and restricted), as `id:` carries it. */
export function parseCursor(v: string): StreamCursor | null {
  const m = /^(\d{1,15})(?:\.(\d{1,15}))?$/.exec(v.trim());
  if (!m) return null;
  return m[2] === undefined ? { main: Number(m[1]) } : { main: Number(m[1]), restricted: Number(m[2]) };
}

export interface SessionOptions {
  heartbeatMs: number;
  retryMs: number;
  /** Custody events replayed after a Last-Event-ID at most; beyond that `replay_truncated` tells the client to reload. */
  maxReplay: number;
  /** A client that does not read: once this much is buffered for it, the stream is closed (it reconnects and replays). */
  maxBufferedBytes: number;
}

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-store, no-transform',
  Connection: 'keep-alive',
  // nginx and similar proxies would otherwise hold events back in their buffers.
  'X-Accel-Buffering': 'no',
} as const;

/** A user still as the principal says (not removed, role and agency unchanged)? Checked at open and every heartbeat. */
export function principalStillValid(ctx: CustodyContext, p: Principal): boolean {
  const row = prepared(ctx.db, 'SELECT role, agency_id FROM users WHERE id = ?').get(p.userId) as { role: string; agency_id: string | null } | undefined;
  return !!row && row.role === p.role && (row.agency_id ?? null) === (p.agencyId ?? null);
}

let sessionCount = 0;

export class StreamSession {
  private closed = false;
  private cursor: Record<Chain, number> = { main: 0, restricted: 0 };
  private readonly chains: Chain[];
  private heartbeat: NodeJS.Timeout | null = null;
  /** The bus removes listeners by owner, and logs a failure under it: this session's own name. */
  private readonly owner = `sse:${++sessionCount}`;
  private readonly closeListeners: (() => void)[] = [];

  constructor(private readonly ctx: CustodyContext, private readonly res: ServerResponse, readonly principal: Principal,
    private readonly opts: SessionOptions) {
    this.chains = chainsOf(principal);
  }

  /**
   * Writes the headers, subscribes, replays, and says `ready`. Runs in one synchronous stretch:
   * nothing can commit between the replay query and the subscription, so nothing is lost or doubled.
   */
  open(lastEventId: StreamCursor | null): void {
    const { res, ctx } = this;
    res.once('close', () => this.close());
    res.once('error', () => this.close());
    res.socket?.setNoDelay(true);
    res.socket?.setKeepAlive(true);
    res.writeHead(200, SSE_HEADERS);
    this.write(`retry: ${this.opts.retryMs}\n\n`);

    ctx.bus.on('event', this.owner, (e) => this.onEvent(e));
    ctx.bus.on('alarm', this.owner, (a) => this.onAlarm(a));
    ctx.bus.on('crossing', this.owner, (c) => this.onCrossing(c));

    for (const chain of this.chains) {
      const after = lastEventId?.[chain];
      if (after !== undefined) this.replay(chain, after);
      else this.cursor[chain] = lastVisibleSeq(ctx.db, this.principal, chain);
      if (this.closed) return;
    }
    this.send('ready', this.cursorData());

    this.heartbeat = setInterval(() => this.beat(), this.opts.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Ends the stream and removes every listener; safe to call more than once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.ctx.bus.off(this.owner);
    if (!this.res.writableEnded) this.res.end();
    for (const l of this.closeListeners.splice(0)) l();
  }

  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.closeListeners.push(fn);
  }

  get isClosed(): boolean { return this.closed; }

  // ---- sources ----

  private replay(chain: Chain, after: number): void {
    const rows = visibleEventsAfter(this.ctx.db, this.principal, chain, after, this.opts.maxReplay);
    const truncated = rows.length > this.opts.maxReplay;
    // A Last-Event-ID from the future (another site, a rebuilt store) replays nothing and starts at the head.
    this.cursor[chain] = Math.min(after, lastVisibleSeq(this.ctx.db, this.principal, chain));
    for (const r of rows.slice(0, this.opts.maxReplay)) {
      this.cursor[chain] = r.seq;
      this.send('event', eventFromRow(r));
      if (this.closed) return;
    }
    if (truncated) {
      this.cursor[chain] = lastVisibleSeq(this.ctx.db, this.principal, chain);
      this.send('replay_truncated', { ...this.cursorData(), chain, replayed: this.opts.maxReplay });
    }
  }

  private onEvent(e: HashedEvent): void {
    if (this.closed || !this.chains.includes(e.chain) || e.seq <= this.cursor[e.chain]) return;
    if (!eventVisible(this.ctx.db, this.principal, e)) return;
    this.cursor[e.chain] = e.seq;
    this.send('event', e);
  }

  private cursorData(): { cursor: number; restrictedCursor?: number } {
    return this.chains.includes('restricted') ? { cursor: this.cursor.main, restrictedCursor: this.cursor.restricted } : { cursor: this.cursor.main };
  }

  private cursorId(): string {
    return this.chains.map((c) => this.cursor[c]).join('.');
  }

  private onAlarm(a: Alarm): void {
    if (this.closed || !alarmVisible(this.ctx, this.principal, a)) return;
    this.send('alarm', a);
  }

  private onCrossing(c: StreamCrossing): void {
    if (this.closed || !crossingVisible(this.principal, c)) return;
    this.send('crossing', crossingForPrincipal(this.ctx.db, this.principal, c as StreamCrossing & { itemId?: string | null }));
  }

  private beat(): void {
    if (this.closed) return;
    // A user removed or changed in the site file loses the stream within one heartbeat.
    let valid = false;
    try {
      valid = principalStillValid(this.ctx, this.principal);
    } catch {
      valid = false; // the store is closing
    }
    if (!valid) return this.close();
    this.write(': ping\n\n');
  }

  // ---- wire ----

  private send(event: string, data: unknown): void {
    // JSON.stringify never emits a raw CR or LF, so one `data:` line carries the whole object.
    this.write(`id: ${this.cursorId()}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private write(s: string): void {
    if (this.closed) return;
    const res = this.res;
    if (res.writableEnded || res.destroyed) return this.close();
    res.write(s);
    if (res.writableLength > this.opts.maxBufferedBytes) {
      // Not reading: drop the connection rather than hold an ever-growing buffer for it.
      res.destroy();
      this.close();
    }
  }
}
