// The outbox of one destination: the ledger is the queue, and all this keeps is how far the
// destination has acknowledged its chain (sync_destinations.acked_seq), written by the statement
// that records the acknowledgement. Nothing is ever dropped or expired: what is not acknowledged is
// sent again, in seq order, and the platform's idempotence (a resent event with the same hash is
// acknowledged again) makes a lost acknowledgement harmless.
//
// An `events` destination receives the chain's events; an `anchor` destination (the restricted
// chain when no commission endpoint exists) receives only the chain's head, seq and hash.
import { z } from 'zod';
import type { Db } from '../store/db.ts';
import { prepared } from '../store/db.ts';
import { eventFromRow, GENESIS_HASH, type Chain, type EventRow } from '../ledger/event.ts';
import type { EdgeLog } from '../log.ts';
import type { Failure, PlatformClient } from './client.ts';

export const MAX_BATCH_EVENTS = 1000;
export const MAX_BATCH_BYTES = 1024 * 1024;

export interface DestinationSpec {
  /** `platform:main`, `platform:restricted` (anchor) or `commission:restricted`. */
  id: string;
  chain: Chain;
  mode: 'events' | 'anchor';
  siteId: string;
}

export interface DestinationRow {
  id: string; chain: Chain; mode: 'events' | 'anchor'; acked_seq: number; acked_hash: string; acked_at: string | null;
  last_success_at: string | null; last_error: string | null; last_error_at: string | null;
}

/** What one attempt did: nothing to send, a batch acknowledged, or a failure (the checkpoint unchanged). */
export type Attempt = { kind: 'idle' } | { kind: 'sent'; events: number; ackedThrough: number } | { kind: 'failed'; failure: Failure };

const ackReply = z.object({ ackedThrough: z.number().int().min(0), hash: z.string().regex(/^[0-9a-f]{64}$/) });
const headReply = z.object({ seq: z.number().int().min(0), hash: z.string().regex(/^[0-9a-f]{64}$/) });

export class Outbox {
  constructor(private readonly db: Db, readonly spec: DestinationSpec, private readonly client: PlatformClient | null,
    private readonly log: EdgeLog, private readonly nowIso: () => string) {
    prepared(db, `INSERT INTO sync_destinations (id, chain, mode) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET mode = excluded.mode`)
      .run(spec.id, spec.chain, spec.mode);
  }

  row(): DestinationRow {
    return prepared(this.db, 'SELECT * FROM sync_destinations WHERE id = ?').get(this.spec.id) as DestinationRow;
  }

  /** The local head of the chain: what is there to acknowledge. */
  localHead(): { seq: number; hash: string } {
    return (prepared(this.db, 'SELECT seq, hash FROM events WHERE chain = ? ORDER BY seq DESC LIMIT 1').get(this.spec.chain) as
      { seq: number; hash: string } | undefined) ?? { seq: 0, hash: GENESIS_HASH };
  }

  backlog(): { events: number; oldestUnsentAt: string | null } {
    const acked = this.row().acked_seq;
    const head = this.localHead().seq;
    const oldest = head > acked
      ? (prepared(this.db, 'SELECT at FROM events WHERE chain = ? AND seq = ?').get(this.spec.chain, acked + 1) as { at: string } | undefined)?.at ?? null
      : null;
    return { events: Math.max(0, head - acked), oldestUnsentAt: oldest };
  }

  /** One batch (or one anchor) to the destination. Never throws. */
  async attempt(): Promise<Attempt> {
    if (!this.client) return this.failed({ code: 'NOT_CONFIGURED', message: 'no secret for this destination' });
    try {
      return this.spec.mode === 'anchor' ? await this.sendAnchor(this.client) : await this.sendBatch(this.client);
    } catch (err) {
      // A store that cannot be read (a disk fault) is a failure of this attempt, not of the process.
      this.log.error({ err, destination: this.spec.id }, 'sending to the platform failed inside the gateway');
      return this.failed({ code: 'GATEWAY_ERROR', message: err instanceof Error ? err.message : String(err) });
    }
  }

  private base() { return `/v1/sites/${encodeURIComponent(this.spec.siteId)}/chains/${this.spec.chain}`; }

  private async sendBatch(client: PlatformClient): Promise<Attempt> {
    const from = this.row().acked_seq;
    const rows = prepared(this.db, 'SELECT * FROM events WHERE chain = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(this.spec.chain, from, MAX_BATCH_EVENTS) as EventRow[];
    if (!rows.length) return { kind: 'idle' };
    // At most 1 MiB of body: events are added while they fit (one event alone always goes).
    const events: ReturnType<typeof eventFromRow>[] = [];
    let bytes = '{"events":[]}'.length;
    for (const r of rows) {
      const e = eventFromRow(r);
      const size = JSON.stringify(e).length + 1;
      if (events.length && bytes + size > MAX_BATCH_BYTES) break;
      events.push(e);
      bytes += size;
    }
    const last = events[events.length - 1]!;
    const res = await client.request('POST', `${this.base()}/custody-events`, { events });
    if (!res.ok) {
      if (res.failure.code === 'SEQUENCE_GAP') return this.realign(client, res.failure);
      return this.failed(res.failure);
    }
    const ack = ackReply.safeParse(res.body);
    if (!ack.success) return this.failed({ code: 'BAD_ACK', message: `an acknowledgement that does not match the contract: ${ack.error.issues[0]?.message}` });
    const { ackedThrough, hash } = ack.data;
    // The platform may acknowledge what it already had, never what it was not sent.
    if (ackedThrough > last.seq) {
      return this.failed({ code: 'ACK_BEYOND_SENT', message: `the platform acknowledged seq ${ackedThrough}, beyond the ${last.seq} it was sent` });
    }
    if (ackedThrough < from) {
      return this.failed({ code: 'ACK_BEHIND', message: `the platform acknowledged seq ${ackedThrough}, behind the ${from} it had acknowledged before` });
    }
    return this.record(ackedThrough, hash, events.length);
  }

  /** Moves the checkpoint to what the platform acknowledged, once its hash is the local hash at that seq. */
  private record(ackedThrough: number, hash: string, sent: number): Attempt {
    const local = this.hashAt(ackedThrough);
    if (local !== hash) {
      return this.failed({ code: 'ACK_HASH_MISMATCH', message: `the platform's hash at seq ${ackedThrough} is not this ledger's: the chains disagree` });
    }
    const now = this.nowIso();
    prepared(this.db, `UPDATE sync_destinations SET acked_seq = ?, acked_hash = ?, acked_at = ?, last_success_at = ?, last_error = NULL,
      last_error_at = NULL WHERE id = ?`).run(ackedThrough, hash, now, now, this.spec.id);
    return { kind: 'sent', events: sent, ackedThrough };
  }

  private hashAt(seq: number): string | null {
    if (seq === 0) return GENESIS_HASH;
    return (prepared(this.db, 'SELECT hash FROM events WHERE chain = ? AND seq = ?').get(this.spec.chain, seq) as { hash: string } | undefined)?.hash ?? null;
  }

  /**
   * The platform expects another seq than the one after our checkpoint: it lost what it had
   * acknowledged (restored from a backup), or it has more than we think. Its head decides, once its
   * hash is ours at that seq; a head beyond our own chain means our ledger lost its tail.
   */
  private async realign(client: PlatformClient, gap: Failure): Promise<Attempt> {
    const res = await client.request('GET', `${this.base()}/head`);
    if (!res.ok) return this.failed(res.failure);
    const head = headReply.safeParse(res.body);
    if (!head.success) return this.failed({ code: 'BAD_HEAD', message: 'the platform\'s head does not match the contract' });
    const local = this.localHead();
    if (head.data.seq > local.seq) {
      return this.failed({ code: 'LEDGER_SHORTER_THAN_PLATFORM', message: `the platform acknowledged seq ${head.data.seq} of this chain, and this ledger ends at ${local.seq}: run npm run verify -- --platform` });
    }
    const before = this.row().acked_seq;
    const r = this.record(head.data.seq, head.data.hash, 0);
    if (r.kind === 'sent') {
      this.log.warn({ destination: this.spec.id, was: before, now: head.data.seq, expectedSeq: gap.details?.expectedSeq },
        'the platform\'s head differs from our checkpoint; sending again from its head');
    }
    return r;
  }

  private async sendAnchor(client: PlatformClient): Promise<Attempt> {
    const head = this.localHead();
    if (head.seq <= this.row().acked_seq) return { kind: 'idle' };
    const res = await client.request('PUT', `${this.base()}/anchor`, { seq: head.seq, hash: head.hash, at: this.nowIso() });
    if (!res.ok) return this.failed(res.failure);
    const ack = headReply.safeParse(res.body);
    if (!ack.success) return this.failed({ code: 'BAD_ACK', message: 'an anchor acknowledgement that does not match the contract' });
    if (ack.data.seq !== head.seq) return this.failed({ code: 'ACK_BEYOND_SENT', message: `the platform anchored seq ${ack.data.seq}, not the ${head.seq} it was sent` });
    return this.record(ack.data.seq, ack.data.hash, 1);
  }

  private failed(failure: Failure): Attempt {
    try {
      prepared(this.db, 'UPDATE sync_destinations SET last_error = ?, last_error_at = ? WHERE id = ?')
        .run(`${failure.code}: ${failure.message}`, this.nowIso(), this.spec.id);
    } catch {
      // The failure is still returned and shown from memory; a store that cannot write says so elsewhere.
    }
    return { kind: 'failed', failure };
  }
}
