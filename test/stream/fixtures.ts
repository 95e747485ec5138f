// A small real site for the stream suites: a Custody on a temp SQLite folder with a restricted
// zone, users of every role with tokens, items of two police agencies and of the commission, and a
// tiny SSE client over fetch (what a dashboard does with a Bearer header).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { siteSchema, type SiteInput } from '../../edge/site/schema.ts';
import { Custody } from '../../edge/custody.ts';
import { sha256Hex } from '../../edge/auth/principal.ts';
import { raiseAlarm, type RaiseAlarm } from '../../edge/alarms/alarm.ts';

export const TOKENS = {
  operator: 'tok-operator-0123456789',
  supervisor: 'tok-supervisor-0123456789',
  agency: 'tok-agency-pol-0123456789',
  agency2: 'tok-agency-pol2-0123456789',
  discipline: 'tok-discipline-0123456789',
  auditor: 'tok-auditor-0123456789',
} as const;

export function makeSiteInput(extra: Partial<SiteInput> = {}): SiteInput {
  return {
    site: { id: 'site-1', name: '泰安市涉案财物管理中心' },
    zones: [
      { id: 'intake', name: '移交待检区', kind: 'intake' },
      { id: 'general', name: '一般物品库', kind: 'general' },
      { id: 'vault', name: '纪委监委专区', kind: 'restricted' },
    ],
    locations: [
      { id: 'G-01', zoneId: 'general', name: 'G-01' },
      { id: 'V-01', zoneId: 'vault', name: 'V-01' },
    ],
    agencies: [
      { id: 'op', name: '第三方运营单位', kind: 'operator' },
      { id: 'pol', name: '泰山分局', kind: 'police' },
      { id: 'pol2', name: '岱岳分局', kind: 'police' },
      { id: 'jw', name: '市纪委监委', kind: 'discipline' },
    ],
    categories: [{ id: 'misc', name: '其他' }],
    users: [
      { id: 'u-op', name: '操作员', role: 'operator', agencyId: 'op', tokenSha256: sha256Hex(TOKENS.operator) },
      { id: 'u-sup', name: '主管', role: 'supervisor', agencyId: 'op', tokenSha256: sha256Hex(TOKENS.supervisor) },
      { id: 'u-pol', name: '泰山分局民警', role: 'agency', agencyId: 'pol', tokenSha256: sha256Hex(TOKENS.agency) },
      { id: 'u-pol2', name: '岱岳分局民警', role: 'agency', agencyId: 'pol2', tokenSha256: sha256Hex(TOKENS.agency2) },
      { id: 'u-jw', name: '纪委干部', role: 'discipline', agencyId: 'jw', tokenSha256: sha256Hex(TOKENS.discipline) },
      { id: 'u-aud', name: '审计', role: 'auditor', tokenSha256: sha256Hex(TOKENS.auditor) },
    ],
    ...extra,
  };
}

export interface TestCustody {
  custody: Custody;
  dir: string;
  close(): void;
}

export function openCustody(input: SiteInput = makeSiteInput()): TestCustody {
  const dir = mkdtempSync(join(tmpdir(), 'stream-test-'));
  const site = siteSchema.parse(input);
  const custody = new Custody({ site, dataDir: dir, siteKey: randomBytes(32) });
  const now = new Date().toISOString();
  // Items straight into the store: the stream reads them, it does not care how they arrived.
  const db = custody.db;
  db.prepare('INSERT INTO cases (id, number, agency_id, title, opened_at) VALUES (?, ?, ?, NULL, ?)').run('C-POL', 'A3709020000002024110012', 'pol', now);
  db.prepare('INSERT INTO cases (id, number, agency_id, title, opened_at) VALUES (?, ?, ?, NULL, ?)').run('C-POL2', 'A3709110000002024110013', 'pol2', now);
  db.prepare('INSERT INTO cases (id, number, agency_id, title, opened_at) VALUES (?, ?, ?, NULL, ?)').run('C-JW', '泰纪〔2024〕7号', 'jw', now);
  const item = db.prepare(`INSERT INTO items (id, epc, name, category_id, quantity, unit, case_id, agency_id, zone_id, location_id,
    state, restricted, created_at, updated_at) VALUES (?, ?, ?, 'misc', 1, '件', ?, ?, ?, ?, 'stored', ?, ?, ?)`);
  item.run('IT-POL', '300000000000000000000001', '手机', 'C-POL', 'pol', 'general', 'G-01', 0, now, now);
  item.run('IT-POL2', '300000000000000000000002', '笔记本电脑', 'C-POL2', 'pol2', 'general', 'G-01', 0, now, now);
  item.run('IT-JW', '300000000000000000000003', '账册', 'C-JW', 'jw', 'vault', 'V-01', 1, now, now);
  return {
    custody,
    dir,
    close() {
      custody.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let causes = 0;
/** Raises an alarm in its own custody transaction, as the rules do. */
export function raise(custody: Custody, a: Partial<RaiseAlarm> & Pick<RaiseAlarm, 'restricted'>) {
  return custody.ctx.transaction(() => raiseAlarm(custody.ctx, {
    kind: 'unauthorized_movement', severity: 'critical', causeKey: `test:${++causes}`, message: 'test alarm', ...a,
  }));
}

/** Appends one custody event in its own transaction. */
export function appendEvent(custody: Custody, itemId: string | null, restricted: boolean, kind = 'inspected') {
  return custody.ctx.transaction((tx) => tx.append({
    kind, itemId, orderId: null, actors: { by: 'test', role: 'operator' }, from: null, to: null, details: { note: kind }, restricted,
  }));
}

/** Listeners on the custody bus, all names together (the bus keeps them private). */
/** Listeners on the custody bus of parts outside the edge (streams, outputs): the edge's own shelf state listens for as long as it runs. */
export function busListenerCount(custody: Custody): number {
  const bus = custody.ctx.bus;
  return (['event', 'alarm', 'crossing', 'device'] as const).flatMap((k) => bus.ownersOf(k)).filter((o) => o !== 'shelves').length;
}

export function waitFor<T>(probe: () => T | undefined | false | null, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      let v: T | undefined | false | null;
      try {
        v = probe();
      } catch (e) {
        return reject(e);
      }
      if (v !== undefined && v !== false && v !== null) return resolve(v);
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- a small SSE client ----

export interface SseMessage { id?: string; event: string; data: string }

export class SseClient {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  readonly fields: string[] = [];
  raw = '';
  ended = false;
  private buf = '';

  constructor(readonly status: number, readonly headers: Headers, private readonly abort: AbortController, body: ReadableStream<Uint8Array> | null) {
    if (body) void this.pump(body);
    else this.ended = true;
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const dec = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const s = dec.decode(value, { stream: true });
        this.raw += s;
        this.buf += s;
        let i: number;
        while ((i = this.buf.indexOf('\n\n')) >= 0) {
          this.block(this.buf.slice(0, i));
          this.buf = this.buf.slice(i + 2);
        }
      }
    } catch {
      // aborted
    } finally {
      this.ended = true;
    }
  }

  private block(b: string): void {
    const m: SseMessage = { event: 'message', data: '' };
    let hasData = false;
    for (const line of b.split('\n')) {
      if (line.startsWith(':')) { this.comments.push(line.slice(1).trim()); continue; }
      const c = line.indexOf(':');
      const field = c < 0 ? line : line.slice(0, c);
      const value = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
      this.fields.push(field);
      if (field === 'id') m.id = value;
      else if (field === 'event') m.event = value;
      else if (field === 'data') { m.data += (hasData ? '\n' : '') + value; hasData = true; }
    }
    if (hasData) this.messages.push(m);
  }

  /** Parsed `data` of every message of this event name. */
  all<T = any>(event: string): T[] {
    return this.messages.filter((m) => m.event === event).map((m) => JSON.parse(m.data) as T);
  }

  next<T = any>(event: string, pred: (d: T) => boolean = () => true, timeoutMs = 5_000): Promise<T> {
    return waitFor(() => this.all<T>(event).find(pred), timeoutMs, `an SSE "${event}"`);
  }

  close(): void { this.abort.abort(); }
}

export async function openStream(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  return new SseClient(res.status, res.headers, abort, res.body);
}

export async function bodyOf(c: SseClient): Promise<any> {
  await waitFor(() => c.ended, 5_000, 'the body to end');
  return JSON.parse(c.raw);
}
