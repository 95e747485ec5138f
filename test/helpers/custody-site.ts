// A small fixture site for the custody-core suites: real SQLite files in a temp folder, a real
// HTTP server on an ephemeral port, an injectable clock, and one API user per role with a known
// token. No mocks: every test drives the same code the gateway runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { parseSite } from '../../gateway/config.ts';
import type { Site, SiteInput } from '../../edge/site/schema.ts';
import { Custody } from '../../edge/custody.ts';
import { buildApi } from '../../edge/api/server.ts';
import type { Clock, CustodyContext } from '../../edge/context.ts';
import type { Principal } from '../../edge/auth/principal.ts';
import type { EdgeLog } from '../../edge/log.ts';
import type { SyncSecrets } from '../../edge/sync/sync.ts';
import { issueOrder, type OrderInput, type OrderRow } from '../../edge/orders/order.ts';
import { announce } from '../../edge/lifecycle/announce.ts';
import { receive } from '../../edge/lifecycle/receive.ts';
import { putaway } from '../../edge/lifecycle/putaway.ts';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const T0 = Date.parse('2025-03-03T08:00:00.000Z');

export const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

/** The clock the custody core reads; tests move it. */
export class TestClock implements Clock {
  constructor(public t = T0) {}
  now() { return this.t; }
  advance(ms: number) { this.t += ms; }
  iso(offsetMs = 0) { return new Date(this.t + offsetMs).toISOString(); }
}

export const ROLE_USERS = {
  operator: { id: 'u-operator', name: '王建国', role: 'operator', agencyId: 'op', staffId: 'op-01' },
  supervisor: { id: 'u-supervisor', name: '孙志强', role: 'supervisor', agencyId: 'op', staffId: 'sup-01' },
  agency: { id: 'u-agency', name: '吴刚', role: 'agency', agencyId: 'psb-taishan', staffId: 'ag-ts-01' },
  agencyB: { id: 'u-agency-b', name: '郑海', role: 'agency', agencyId: 'psb-daiyue', staffId: 'ag-dy-01' },
  discipline: { id: 'u-discipline', name: '高洁', role: 'discipline', agencyId: 'ccdi', staffId: 'dc-01' },
  auditor: { id: 'u-auditor', name: '梁文', role: 'auditor', agencyId: 'op', staffId: 'au-01' },
  admin: { id: 'u-admin', name: '宋涛', role: 'admin', agencyId: 'op', staffId: 'adm-01' },
} as const;
export type UserKey = keyof typeof ROLE_USERS;
export const USER_KEYS = Object.keys(ROLE_USERS) as UserKey[];
export const tokenOf = (u: UserKey) => `tok-${u}-${'x'.repeat(8)}`;

/** The fixture site as written in a site file (input form, before defaults). */
export function fixtureSiteInput(dataDir = 'data'): SiteInput {
  return {
    site: { id: 'test-center', name: '测试涉案财物管理中心', nameEn: 'Test center' },
    dataDir,
    ledger: { siteKeyEnv: 'TEST_SITE_KEY' },
    rules: { escortWindowSeconds: 10, overdueGraceMinutes: 60, misplacedGraceSeconds: 300, checkIntervalSeconds: 30 },
    zones: [
      { id: 'intake', name: '移交待检区', kind: 'intake' },
      { id: 'general', name: '一般物品库', kind: 'general' },
      { id: 'valuables', name: '贵重物品库', kind: 'valuables' },
      { id: 'restricted', name: '纪委监委专区', kind: 'restricted' },
    ],
    locations: [
      { id: 'IN-01', zoneId: 'intake', name: '待检台 1', kind: 'bay' },
      { id: 'GN-01', zoneId: 'general', name: '货架 1-1' },
      { id: 'GN-02', zoneId: 'general', name: '货架 1-2' },
      { id: 'VL-01', zoneId: 'valuables', name: '保险柜 1', kind: 'cabinet' },
      { id: 'RS-01', zoneId: 'restricted', name: '专区货架 1' },
      { id: 'RS-02', zoneId: 'restricted', name: '专区货架 2' },
    ],
    gates: [
      { id: 'gate-main', name: '主出入口', innerZone: 'general', outerZone: 'outside',
        readers: [{ deviceId: 'rd-main', antennas: { outer: [1, 2], inner: [3, 4] } }] },
      { id: 'gate-restricted', name: '专区门', innerZone: 'restricted', outerZone: 'general',
        readers: [{ deviceId: 'rd-restricted', antennas: { outer: [1], inner: [2] } }] },
    ],
    devices: [
      { id: 'rd-main', kind: 'rfid_reader', format: 'zebra' },
      { id: 'rd-restricted', kind: 'rfid_reader', format: 'zebra' },
    ],
    agencies: [
      { id: 'op', name: '第三方运营单位', kind: 'operator' },
      { id: 'psb-taishan', name: '泰山分局', kind: 'police' },
      { id: 'psb-daiyue', name: '岱岳分局', kind: 'police' },
      { id: 'procuratorate', name: '市人民检察院', kind: 'procuratorate' },
      { id: 'ccdi', name: '市纪委监委', kind: 'discipline' },
    ],
    categories: [
      { id: 'cash', name: '现金', dualControl: true },
      { id: 'electronics', name: '手机及电子设备' },
      { id: 'documents', name: '文书资料' },
    ],
    staff: [
      { id: 'op-01', name: '王建国', agencyId: 'op', roles: ['operator'], clearances: ['intake', 'general', 'valuables'] },
      { id: 'op-02', name: '李秀英', agencyId: 'op', roles: ['operator'], clearances: ['intake', 'general', 'valuables'] },
      { id: 'sup-01', name: '孙志强', agencyId: 'op', roles: ['supervisor'], clearances: ['intake', 'general', 'valuables'] },
      { id: 'ag-ts-01', name: '吴刚', agencyId: 'psb-taishan', roles: ['agency'] },
      { id: 'ag-dy-01', name: '郑海', agencyId: 'psb-daiyue', roles: ['agency'] },
      { id: 'dc-01', name: '高洁', agencyId: 'ccdi', roles: ['discipline'], clearances: ['general', 'restricted'] },
      { id: 'au-01', name: '梁文', agencyId: 'op', roles: ['auditor'] },
      { id: 'adm-01', name: '宋涛', agencyId: 'op', roles: ['admin'] },
    ],
    users: USER_KEYS.map((k) => ({ ...ROLE_USERS[k], tokenSha256: sha256(tokenOf(k)) })),
  };
}

export function fixtureSite(dataDir: string): Site {
  return parseSite(fixtureSiteInput(dataDir), '(test site)');
}

export function principal(u: UserKey): Principal {
  const r = ROLE_USERS[u];
  return { userId: r.id, name: r.name, role: r.role, agencyId: r.agencyId, staffId: r.staffId };
}

export function tempDir(prefix = 'custody-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface CallResult<T = any> { status: number; body: T; text: string }

export interface Harness {
  dir: string;
  site: Site;
  key: Buffer;
  clock: TestClock;
  custody: Custody;
  ctx: CustodyContext;
  app: FastifyInstance;
  url: string;
  /** One HTTP request as user `u` (or with no token when u is null). */
  call<T = any>(u: UserKey | null, method: string, urlPath: string, body?: unknown, headers?: Record<string, string>): Promise<CallResult<T>>;
  raw(method: string, urlPath: string, init?: { body?: BodyInit; headers?: Record<string, string> }): Promise<CallResult>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  dir?: string; key?: Buffer; clock?: TestClock; log?: EdgeLog; logger?: Logger;
  /** Changes to the fixture site file before it is parsed (badges, storage rules, …). */
  site?: (input: SiteInput) => void;
  /** The platform link's secrets (the site file's `platform` section names where). */
  platformSecrets?: SyncSecrets;
}

export async function openHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dir = opts.dir ?? tempDir();
  const input = fixtureSiteInput(dir);
  opts.site?.(input);
  const site = parseSite(input, '(test site)');
  const key = opts.key ?? randomBytes(32);
  const clock = opts.clock ?? new TestClock();
  const custody = new Custody({ site, dataDir: dir, siteKey: key, clock, ...(opts.log ? { log: opts.log } : {}),
    ...(opts.platformSecrets ? { platformSecrets: opts.platformSecrets } : {}) });
  const app = await buildApi(custody, { logger: opts.logger ?? false });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const raw = async (method: string, urlPath: string, init: { body?: BodyInit; headers?: Record<string, string> } = {}) => {
    const res = await fetch(`${address}/api/v1${urlPath}`, { method, body: init.body, headers: init.headers });
    const text = await res.text();
    let parsed: unknown = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
    return { status: res.status, body: parsed as any, text };
  };
  const h: Harness = {
    dir, site, key, clock, custody, ctx: custody.ctx, app, url: address,
    raw,
    call: (u, method, urlPath, body, headers = {}) => raw(method, urlPath, {
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: {
        ...(u ? { authorization: `Bearer ${tokenOf(u)}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
    }),
    close: async () => {
      await app.close();
      custody.close();
    },
  };
  return h;
}

const platform = { by: 'platform', source: 'platform' as const, emergency: false };
let orderCounter = 0;

/** A platform order, valid from now for two days unless said otherwise. */
export function issue(ctx: CustodyContext, input: Partial<OrderInput> & Pick<OrderInput, 'kind'>): OrderRow {
  orderCounter++;
  const now = ctx.clock.now();
  return issueOrder(ctx, {
    id: `OR-T-${process.pid}-${orderCounter}`,
    approvedBy: '中心主任 孙志强',
    validFrom: new Date(now).toISOString(),
    validUntil: new Date(now + 2 * DAY).toISOString(),
    ...(input.kind === 'dispose' ? { disposal: { method: 'confiscated', decisionRef: '(2026)鲁09刑初1号', decidedBy: '市中级人民法院' } } : {}),
    ...input,
  }, platform);
}

let epcCounter = 0;
/** A unique 96-bit EPC in hex. */
export const nextEpc = () => `3034${(++epcCounter).toString(16).padStart(8, '0')}${process.pid.toString(16).padStart(12, '0')}`.toUpperCase();

export interface IntakeOptions {
  agency?: string;
  restricted?: boolean;
  count?: number;
  category?: string;
  caseNumber?: string;
  /** Where to put the items: a location, or leave them received (null) or announced ('announced'). */
  to?: string | null | 'announced';
  idPrefix?: string;
}

/** Items brought in through the core operations (not HTTP), for tests that need them as a starting point. */
export function intake(ctx: CustodyContext, o: IntakeOptions = {}): { ids: string[]; transferOrder: OrderRow } {
  const restricted = o.restricted ?? false;
  const who = principal(restricted ? 'discipline' : 'operator');
  const agency = o.agency ?? (restricted ? 'ccdi' : 'psb-taishan');
  const count = o.count ?? 1;
  const to = o.to === undefined ? (restricted ? 'RS-01' : 'GN-01') : o.to;
  const transferOrder = issue(ctx, { kind: 'transfer_in', agencyId: agency, zoneId: restricted ? 'restricted' : 'intake' });
  const caseNumber = o.caseNumber ?? (restricted ? `泰纪监立〔2025〕${epcCounter + 1}号` : `A3709020000002025030${String(epcCounter + 1).padStart(4, '0')}`);
  const announced = announce(ctx, who, {
    orderId: transferOrder.id,
    items: Array.from({ length: count }, (_, i) => ({
      ...(o.idPrefix ? { id: `${o.idPrefix}-${i + 1}` } : {}),
      epc: nextEpc(), name: restricted ? '账本' : '华为手机', categoryId: o.category ?? 'electronics', caseNumber,
    })),
  });
  const ids = announced.map((a) => a.item.id);
  if (to === 'announced') return { ids, transferOrder };
  for (const id of ids) receive(ctx, who, id, { orderId: transferOrder.id, condition: '封装完好' });
  if (to === null) return { ids, transferOrder };
  const p = issue(ctx, { kind: 'putaway', itemIds: ids });
  for (const id of ids) putaway(ctx, who, id, { orderId: p.id, locationId: to });
  return { ids, transferOrder };
}

/** Every row of every custody table, hashed: equal fingerprints mean nothing was written. */
export function storeFingerprint(custody: Custody): { hash: string; head: { seq: number; hash: string }; headRow: unknown } {
  const db = custody.db;
  const tables = ['items', 'item_counts', 'cases', 'orders', 'order_items', 'events', 'ledger_heads', 'ledger_meta', 'checkouts', 'photos', 'alarms'];
  const h = createHash('sha256');
  for (const t of tables) {
    const rows = db.prepare(`SELECT * FROM ${t}`).all().map((r) => JSON.stringify(r, (_k, v) =>
      (v && typeof v === 'object' && v.type === 'Buffer') || Buffer.isBuffer(v) ? sha256(Buffer.from(v.data ?? v)) : v));
    rows.sort();
    h.update(`${t}\n${rows.join('\n')}\n`);
  }
  return {
    hash: h.digest('hex'),
    head: custody.ctx.ledger.headNow,
    headRow: db.prepare('SELECT * FROM ledger_heads ORDER BY chain').all(),
  };
}

export function itemRow(custody: Custody, id: string): Record<string, unknown> | undefined {
  return custody.db.prepare('SELECT * FROM items WHERE id = ?').get(id) as Record<string, unknown> | undefined;
}
