// The platform link as one worker: an outbox per destination (one per chain), the inbox, and the
// other uploads, each on its own timer, all on the gateway's clock for what is decided and on
// Node's timers only for when to try next. A failure backs off exponentially with jitter; one
// exchange that succeeds with an endpoint wakes every destination on it at once (the link is back),
// and the inbox is polled then too. A long backlog drains at a bounded rate so that the gate's
// decisions and the API keep their latency while it does.
import type { CustodyContext } from '../context.ts';
import type { EnvironmentHistory } from '../history/environment.ts';
import type { PlatformConfig } from '../site/schema.ts';
import type { Chain } from '../ledger/event.ts';
import type { EdgeLog } from '../log.ts';
import { PlatformClient, transient, type Failure } from './client.ts';
import { Outbox, type DestinationSpec } from './outbox.ts';
import { Inbox, refusedChanges, type RefusedChange } from './inbox.ts';
import { Uplink, type Upload } from './uplink.ts';
import { raiseAlarm } from '../alarms/alarm.ts';

export interface SyncSecrets { platform: Buffer | null; commission: Buffer | null }

export interface DestinationStatus {
  id: string; chain: Chain; mode: 'events' | 'anchor'; url: string;
  state: 'idle' | 'sending' | 'retrying' | 'not_configured';
  backlog: number; oldestUnsentAt: string | null; ackedThrough: number; ackedHash: string; lastSuccessAt: string | null;
  lastError: string | null; lastErrorAt: string | null; nextAttemptAt: string | null; sentSinceStart: number;
}
export interface SyncStatus {
  destinations: DestinationStatus[];
  inbox: { url: string; cursor: string | null; lastPollAt: string | null; lastSuccessAt: string | null; lastError: string | null; refused: number; recentRefusals: RefusedChange[] };
  uploads: { alarmsPending: number; inventorySentAt: string | null; environmentSentThrough: string | null };
}

interface Runner {
  outbox: Outbox; client: PlatformClient | null; url: string; failures: number; timer: NodeJS.Timeout | null;
  running: boolean; again: boolean; nextAttemptAt: number | null; sent: number; lastCode: string | null;
}

export interface SyncOptions {
  ctx: CustodyContext; history: EnvironmentHistory; config: PlatformConfig; secrets: SyncSecrets; log: EdgeLog;
  /** Ticks of the alarm upload (and of the check that nothing is left waiting). */
  alarmIntervalMs?: number;
}

export class PlatformSync {
  readonly runners: Runner[];
  readonly inbox: Inbox;
  private readonly uplink: Uplink;
  private readonly platform: PlatformClient | null;
  private readonly commission: PlatformClient | null;
  private timers: NodeJS.Timeout[] = [];
  private stopped = true;
  private polling = false;
  private readonly owner = 'platform-sync';

  constructor(private readonly opts: SyncOptions) {
    const { ctx, config, secrets } = opts;
    const siteId = ctx.site.site.id;
    const now = () => ctx.clock.now();
    const client = (url: string, keyId: string, secret: Buffer | null) => (secret ? new PlatformClient({ url, keyId, secret }, now, config.timeoutMs) : null);
    this.platform = client(config.url, config.keyId, secrets.platform);
    this.commission = config.commission ? client(config.commission.url, config.commission.keyId, secrets.commission) : null;
    const specs: [DestinationSpec, PlatformClient | null, string][] = [
      [{ id: 'platform:main', chain: 'main', mode: 'events', siteId }, this.platform, config.url],
      config.commission
        ? [{ id: 'commission:restricted', chain: 'restricted', mode: 'events', siteId }, this.commission, config.commission.url]
        : [{ id: 'platform:restricted', chain: 'restricted', mode: 'anchor', siteId }, this.platform, config.url],
    ];
    const nowIso = () => ctx.nowIso();
    this.runners = specs.map(([spec, c, url]) => ({
      outbox: new Outbox(ctx.db, spec, c, opts.log, nowIso), client: c, url, failures: 0, timer: null, running: false, again: false,
      nextAttemptAt: null, sent: 0, lastCode: null,
    }));
    this.inbox = new Inbox(ctx, this.platform, siteId, opts.log);
    this.uplink = new Uplink(ctx, opts.history, siteId);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const { ctx, config, log } = this.opts;
    for (const r of this.runners) {
      if (!r.client) log.error({ destination: r.outbox.spec.id }, `no secret for ${r.outbox.spec.id}: set the environment variable the site file names (secretEnv); its chain waits in the ledger`);
    }
    if (/^http:/.test(config.url) && !/^http:\/\/(127\.|localhost|\[::1\])/.test(config.url)) {
      log.warn({ url: config.url }, 'the platform is reached over plain HTTP: signed but readable by anyone on the way; use HTTPS in production');
    }
    ctx.bus.on('event', this.owner, (e) => { for (const r of this.runners) if (r.outbox.spec.chain === e.chain) this.wake(r); });
    const every = (ms: number, fn: () => void) => { const t = setInterval(fn, ms); t.unref(); this.timers.push(t); };
    every(config.pollIntervalMs, () => void this.poll());
    every(this.opts.alarmIntervalMs ?? 5_000, () => { void this.sendAlarms(); for (const r of this.runners) this.wake(r); });
    every(config.inventoryIntervalMs, () => void this.upload('inventory', (c) => this.uplink.sendInventory(c)));
    every(config.environmentIntervalMs, () => void this.upload('environment', (c) => this.uplink.sendEnvironment(c)));
    for (const r of this.runners) this.wake(r);
    void this.poll();
    void this.upload('inventory', (c) => this.uplink.sendInventory(c));
    void this.upload('environment', (c) => this.uplink.sendEnvironment(c));
  }

  stop(): void {
    this.stopped = true;
    this.opts.ctx.bus.off(this.owner);
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const r of this.runners) if (r.timer) clearTimeout(r.timer);
  }

  /** Try now (an event was appended, a tick): a destination waiting out its backoff keeps waiting. */
  wake(r: Runner, force = false): void {
    if (this.stopped || !r.client) return;
    if (r.running) { r.again = true; return; }
    if (r.timer && !force) return;
    if (r.timer) clearTimeout(r.timer);
    r.timer = null;
    void this.pump(r);
  }

  private async pump(r: Runner): Promise<void> {
    r.running = true;
    try {
      do {
        r.again = false;
        for (;;) {
          if (this.stopped) return;
          const started = Date.now();
          const a = await r.outbox.attempt();
          if (a.kind === 'idle') break;
          if (a.kind === 'failed') return this.backOff(r, a.failure);
          this.succeeded(r.client!);
          r.failures = 0;
          r.nextAttemptAt = null;
          r.lastCode = null;
          r.sent += a.events;
          // The bound on the drain's rate: at most drainEventsPerSecond, the wait given back to the event loop.
          const wait = (a.events * 1000) / this.opts.config.drainEventsPerSecond - (Date.now() - started);
          if (wait > 0) await new Promise((res) => setTimeout(res, wait));
        }
      } while (r.again);
    } finally {
      r.running = false;
    }
  }

  private backOff(r: Runner, f: Failure): void {
    r.failures++;
    const { retryBaseMs, retryMaxMs } = this.opts.config;
    const span = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(r.failures - 1, 20));
    const delay = Math.round(span / 2 + Math.random() * (span / 2));
    r.nextAttemptAt = Date.now() + delay;
    const log = this.opts.log;
    // Said once per kind of failure, not once per retry: a field engineer reads the change, the count is on the Sync page.
    if (r.lastCode !== f.code) {
      (transient(f) ? log.warn : log.error).call(log, { destination: r.outbox.spec.id, code: f.code, status: f.status, retryInMs: delay, failures: r.failures },
        `sending to ${r.outbox.spec.id} failed: ${f.message}`);
    }
    r.lastCode = f.code;
    if (!transient(f) && (f.code === 'CHAIN_BROKEN' || f.code === 'ACK_HASH_MISMATCH' || f.code === 'LEDGER_SHORTER_THAN_PLATFORM')) {
      this.raiseRefusal(r, f);
    }
    r.timer = setTimeout(() => { r.timer = null; this.wake(r); }, delay);
    r.timer.unref();
  }

  /** The chains disagree with the platform's: nothing resolves that by retrying, a person must look. */
  private raiseRefusal(r: Runner, f: Failure): void {
    try {
      this.opts.ctx.transaction(() => raiseAlarm(this.opts.ctx, {
        kind: 'sync_refused', severity: 'critical', restricted: r.outbox.spec.chain === 'restricted',
        causeKey: `sync_refused:${r.outbox.spec.id}:${f.code}`,
        message: `${r.outbox.spec.id}: ${f.message}`, details: { destination: r.outbox.spec.id, code: f.code, ...(f.details ?? {}) },
      }));
    } catch (err) {
      this.opts.log.error({ err }, 'could not record the platform\'s refusal as an alarm');
    }
  }

  /** The endpoint answered: whoever waits on it goes now, and the inbox hears what it missed. */
  private succeeded(client: PlatformClient): void {
    for (const r of this.runners) {
      if (r.client !== client || r.failures === 0) continue;
      r.failures = 0;
      r.nextAttemptAt = null;
      this.wake(r, true);
      if (client === this.platform) {
        void this.poll();
        for (const [what, fn] of this.owed) void this.upload(what, fn);
      }
    }
  }

  async poll(): Promise<void> {
    if (this.stopped || this.polling) return;
    this.polling = true;
    try {
      for (let pages = 0; pages < 100 && !this.stopped; pages++) {
        const res = await this.inbox.poll();
        if (!res.ok) {
          this.opts.log.warn({ code: res.failure.code }, `polling the platform's changes failed: ${res.failure.message}`);
          return;
        }
        this.succeeded(this.platform!);
        if (!res.result.more) return;
      }
    } finally {
      this.polling = false;
    }
  }

  private async sendAlarms(): Promise<void> {
    const targets: [PlatformClient | null, string, boolean][] = [[this.platform, 'platform', false], [this.commission, 'commission', true]];
    for (const [client, id, restricted] of targets) {
      if (client) await this.report(`alarms to ${id}`, await this.uplink.sendAlarms(client, id, restricted), client);
    }
  }

  /** Uploads that failed, sent again as soon as the platform answers anything (not an interval later). */
  private readonly owed = new Map<string, (c: PlatformClient) => Promise<Upload>>();

  private async upload(what: string, fn: (c: PlatformClient) => Promise<Upload>): Promise<void> {
    if (this.stopped || !this.platform) return;
    const u = await fn(this.platform).catch((err: unknown) => ({ ok: false as const, failure: { code: 'GATEWAY_ERROR', message: String(err) } }));
    if (u.ok) this.owed.delete(what);
    else this.owed.set(what, fn);
    await this.report(what, u, this.platform);
  }

  private async report(what: string, u: Upload, client: PlatformClient): Promise<void> {
    if (u.ok) { if (u.sent) this.succeeded(client); return; }
    this.opts.log.warn({ code: u.failure.code }, `sending ${what} failed: ${u.failure.message}`);
  }

  status(): SyncStatus {
    const destinations = this.runners.map((r): DestinationStatus => {
      const row = r.outbox.row();
      const b = r.outbox.backlog();
      return {
        id: row.id, chain: row.chain, mode: row.mode, url: r.url,
        state: !r.client ? 'not_configured' : r.running ? 'sending' : r.nextAttemptAt ? 'retrying' : 'idle',
        backlog: b.events, oldestUnsentAt: b.oldestUnsentAt, ackedThrough: row.acked_seq, ackedHash: row.acked_hash,
        lastSuccessAt: row.last_success_at, lastError: row.last_error, lastErrorAt: row.last_error_at,
        nextAttemptAt: r.nextAttemptAt ? new Date(r.nextAttemptAt).toISOString() : null, sentSinceStart: r.sent,
      };
    });
    const i = this.inbox.row();
    const env = this.uplink.state('environment.sentThrough');
    return {
      destinations,
      inbox: {
        url: this.opts.config.url, cursor: i.cursor, lastPollAt: i.last_poll_at, lastSuccessAt: i.last_success_at, lastError: i.last_error,
        refused: this.inbox.refusedCount(), recentRefusals: refusedChanges(this.opts.ctx, 20),
      },
      uploads: {
        alarmsPending: this.uplink.pendingAlarms(false), inventorySentAt: this.uplink.state('inventory.sentAt'),
        environmentSentThrough: env ? new Date(Number(env)).toISOString() : null,
      },
    };
  }
}
