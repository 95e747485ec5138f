// The simulated city platform (contract.md): the signed /v1 API a gateway syncs with, and an unsigned
// /admin API on loopback with which tests and the demo play the platform's people (orders, staff,
// manifests) and inject faults. node:http rather than a framework: the signature covers the raw
// request-line bytes and the raw body bytes, and a fault must be able to hold or cut a socket.
import http from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import type { z } from 'zod';
import { isChainName, type WireEvent } from './chain.ts';
import { PlatformError } from './errors.ts';
import { AFTER_PROCESSING, BEFORE_PROCESSING, Faults, faultSchema, type Fault } from './faults.ts';
import {
  alarmsBody, anchorBody, cancelBody, environmentBody, eventSchema, eventsBody, inventoryBody, issuePath,
  manifestSchema, MAX_BATCH, orderSchema, staffSchema,
} from './schemas.ts';
import { secretOf, type Seed } from './seed.ts';
import { authorizationHeader, parseAuthorization, verify, type Verdict } from './signing.ts';
import { openStore, type ChangeRow, type PlatformStore } from './store.ts';

/** 1 MiB of content (the contract's limit) plus a margin for the JSON around it. */
export const BODY_LIMIT = 1024 * 1024 + 64 * 1024;
/** A body this far over the limit is not even drained: the socket is cut. */
const DRAIN_LIMIT = 16 * BODY_LIMIT;

/** Every endpoint of the contract: the OpenAPI test checks docs/platform-openapi.yaml against this table. */
export const ROUTES = [
  { method: 'POST', path: '/v1/sites/{siteId}/chains/{chain}/custody-events', op: 'postCustodyEvents' },
  { method: 'PUT', path: '/v1/sites/{siteId}/chains/{chain}/anchor', op: 'putAnchor' },
  { method: 'GET', path: '/v1/sites/{siteId}/chains/{chain}/head', op: 'getHead' },
  { method: 'POST', path: '/v1/sites/{siteId}/alarms', op: 'postAlarms' },
  { method: 'PUT', path: '/v1/sites/{siteId}/inventory', op: 'putInventory' },
  { method: 'POST', path: '/v1/sites/{siteId}/environment', op: 'postEnvironment' },
  { method: 'GET', path: '/v1/sites/{siteId}/changes', op: 'getChanges' },
] as const;
export type RouteOp = (typeof ROUTES)[number]['op'];

export const ADMIN_ROUTES = [
  { method: 'POST', path: '/admin/sites/{siteId}/orders', op: 'addOrder' },
  { method: 'POST', path: '/admin/sites/{siteId}/orders/{id}/cancel', op: 'cancelOrder' },
  { method: 'POST', path: '/admin/sites/{siteId}/staff', op: 'addStaff' },
  { method: 'DELETE', path: '/admin/sites/{siteId}/staff/{id}', op: 'revokeStaff' },
  { method: 'POST', path: '/admin/sites/{siteId}/items', op: 'announceItems' },
  { method: 'GET', path: '/admin/sites/{siteId}/chains/{chain}', op: 'chainReport' },
  { method: 'GET', path: '/admin/sites/{siteId}/alarms', op: 'alarms' },
  { method: 'GET', path: '/admin/sites/{siteId}/inventory', op: 'inventory' },
  { method: 'GET', path: '/admin/sites/{siteId}/environment', op: 'environment' },
  { method: 'GET', path: '/admin/stats', op: 'stats' },
  { method: 'GET', path: '/admin/faults', op: 'listFaults' },
  { method: 'POST', path: '/admin/faults', op: 'addFault' },
  { method: 'DELETE', path: '/admin/faults', op: 'clearFaults' },
] as const;
type AdminOp = (typeof ADMIN_ROUTES)[number]['op'];

interface Compiled<Op> { method: string; path: string; op: Op; re: RegExp; names: string[] }
function compile<Op>(routes: readonly { method: string; path: string; op: Op }[]): Compiled<Op>[] {
  return routes.map((r) => {
    const names: string[] = [];
    const re = new RegExp(`^${r.path.replace(/\{(\w+)\}/g, (_, n: string) => { names.push(n); return '([^/]+)'; })}$`);
    return { ...r, re, names };
  });
}
function match<Op>(table: Compiled<Op>[], method: string, pathname: string): { route: Compiled<Op>; params: Record<string, string> } | 'wrong_method' | undefined {
  let pathMatched = false;
  for (const route of table) {
    const m = route.re.exec(pathname);
    if (!m) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    const params: Record<string, string> = {};
    route.names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1]); });
    return { route, params };
  }
  return pathMatched ? 'wrong_method' : undefined;
}
const V1 = compile(ROUTES);
const ADMIN = compile(ADMIN_ROUTES);

export interface Refusal { siteId: string; route: string; status: number; code: string; reason?: string; message: string }

export interface PlatformOptions {
  port?: number;
  host?: string;
  dbFile: string;
  seed: Seed;
  now?: () => number;
  /** Told of every refused /v1 request (main.ts logs them briefly). */
  onRefusal?: (r: Refusal) => void;
}

export interface Platform {
  url: string;
  port: number;
  close(): Promise<void>;
  store: PlatformStore;
  faults: Faults;
}

interface Reply { status: number; body: unknown }
const ok = (body: unknown, status = 200): Reply => ({ status, body });

function validate<S extends z.ZodType>(schema: S, value: unknown, prefix: (string | number)[] = []): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const { path, message } = issuePath(r.error, prefix);
    throw new PlatformError('VALIDATION_FAILED', message, { path });
  }
  return r.data;
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new PlatformError('VALIDATION_FAILED', 'the body is not JSON', { path: '' });
  }
}

/** The site's changes since the seed: staff, then orders, then manifests (the gateway's apply order). */
function seedChanges(store: PlatformStore, site: Seed['sites'][number]) {
  for (const p of site.staff ?? []) store.addChange(site.id, 'staff', p.id, { ...p, active: p.active ?? true });
  for (const o of site.orders ?? []) store.addChange(site.id, 'orders', o.id, { ...o, active: true });
  for (const m of site.items ?? []) for (const i of m.items) store.addChange(site.id, 'items', i.id, { orderId: m.orderId, ...i, active: true });
}

export async function startPlatform(opts: PlatformOptions): Promise<Platform> {
  const now = opts.now ?? Date.now;
  const store = openStore(opts.dbFile, now);
  const faults = new Faults();
  const keys = new Map<string, { siteId: string; secret: string }>();
  for (const site of opts.seed.sites) {
    keys.set(site.keyId, { siteId: site.id, secret: secretOf(site) });
    if (store.ensureSite(site.id)) seedChanges(store, site);
  }
  const requests = new Map<string, number>();
  const count = (name: string) => requests.set(name, (requests.get(name) ?? 0) + 1);
  const held = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  // ---------- /v1 handlers ----------
  const v1: Record<RouteOp, (siteId: string, p: Record<string, string>, body: Buffer, query: URLSearchParams, fault: (k: 'duplicate_changes') => Fault | undefined) => Reply> = {
    postCustodyEvents: (siteId, p, raw) => {
      const body = parseJson(raw);
      const events = validate(eventsBody, body).events;
      if (events.length > MAX_BATCH) throw new PlatformError('TOO_LARGE', `${events.length} events: at most ${MAX_BATCH} in one batch`);
      const parsed = events.map((e, i) => {
        validate(eventSchema, e, ['events', i]);
        const we = e as WireEvent;
        if (we.chain !== undefined && we.chain !== p.chain) throw new PlatformError('VALIDATION_FAILED', `events.${i}.chain is ${we.chain}, sent to ${p.chain}`, { path: `events.${i}.chain` });
        return we;
      });
      return ok(store.ingest(siteId, p.chain, parsed));
    },
    putAnchor: (siteId, p, raw) => {
      const a = validate(anchorBody, parseJson(raw));
      return ok(store.anchor(siteId, p.chain, a));
    },
    getHead: (siteId, p) => ok(store.head(siteId, p.chain)),
    postAlarms: (siteId, _p, raw) => {
      const body = parseJson(raw) as { alarms?: unknown };
      if (Array.isArray(body?.alarms) && body.alarms.length > MAX_BATCH) throw new PlatformError('TOO_LARGE', `${body.alarms.length} alarms: at most ${MAX_BATCH} in one request`);
      return ok(store.putAlarms(siteId, validate(alarmsBody, body).alarms));
    },
    putInventory: (siteId, _p, raw) => {
      const inv = validate(inventoryBody, parseJson(raw));
      return ok(store.putInventory(siteId, inv.at, inv.items, inv.part, inv.parts));
    },
    postEnvironment: (siteId, _p, raw) => ok(store.putEnvironment(siteId, validate(environmentBody, parseJson(raw)).summaries)),
    getChanges: (siteId, _p, _raw, query, fault) => {
      const c = query.get('cursor') ?? '';
      const last = store.lastChange(siteId);
      if (c !== '' && (!/^\d{1,15}$/.test(c) || Number(c) > last)) throw new PlatformError('VALIDATION_FAILED', `cursor ${JSON.stringify(c)} is not one this platform gave out`, { path: 'cursor' });
      const after = c === '' ? 0 : Number(c);
      const l = query.get('limit');
      if (l !== null && !/^\d{1,6}$/.test(l)) throw new PlatformError('VALIDATION_FAILED', 'limit must be a positive integer', { path: 'limit' });
      const limit = Math.min(1000, l === null ? 500 : Number(l));
      if (limit < 1) throw new PlatformError('VALIDATION_FAILED', 'limit must be a positive integer', { path: 'limit' });
      const page = store.changesAfter(siteId, after, limit);
      const cursor = page.rows.length ? page.rows[page.rows.length - 1].no : after;
      let rows: ChangeRow[] = page.rows;
      if (fault('duplicate_changes')) {
        // The previous page again before this one; from the start there is none, so this page twice.
        const previous = after > 0 ? store.changesUpTo(siteId, after, limit) : rows;
        rows = [...previous, ...rows];
      }
      const pick = (t: ChangeRow['type']) => rows.filter((r) => r.type === t).map((r) => r.body);
      return ok({ cursor: String(cursor), more: page.more, orders: pick('orders'), staff: pick('staff'), items: pick('items') });
    },
  };

  function sendSigned(req: http.IncomingMessage, res: http.ServerResponse, reply: Reply, secret: string | undefined, keyId: string | undefined, tamper?: Fault) {
    const body = Buffer.from(JSON.stringify(reply.body), 'utf8');
    const headers: Record<string, string | number> = { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length };
    if (secret !== undefined && keyId !== undefined) {
      let ts = Math.floor(now() / 1000);
      let key = secret;
      if (tamper?.kind === 'skew') ts += 600;
      if (tamper?.kind === 'bad_signature') key = `${secret}-not-the-key`;
      headers.authorization = authorizationHeader(keyId, key, reply.status, req.url ?? '/', ts, body);
    }
    if (res.destroyed) return;
    res.writeHead(reply.status, headers);
    res.end(body);
  }

  async function handleV1(req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer | 'too_large') {
    const pathWithQuery = req.url ?? '/';
    const qi = pathWithQuery.indexOf('?');
    const pathname = qi < 0 ? pathWithQuery : pathWithQuery.slice(0, qi);
    const query = new URLSearchParams(qi < 0 ? '' : pathWithQuery.slice(qi + 1));
    const method = req.method ?? 'GET';
    let found: ReturnType<typeof match<RouteOp>>;
    try { found = match(V1, method, pathname); } catch { found = undefined; }
    const routeName = typeof found === 'object' ? `${method} ${found.route.path}` : `${method} (no route)`;
    count(routeName);

    const header = req.headers.authorization;
    const claimed = parseAuthorization(header)?.keyId;
    const key = claimed === undefined ? undefined : keys.get(claimed);
    const siteOfRequest = typeof found === 'object' ? found.params.siteId ?? key?.siteId ?? '' : key?.siteId ?? '';
    const chainOfRequest = typeof found === 'object' ? found.params.chain ?? '' : '';

    const refuse = (e: PlatformError, tamper?: Fault) => {
      const reason = typeof e.details.reason === 'string' ? e.details.reason : '';
      store.logRefusal(siteOfRequest, chainOfRequest, e.code, reason);
      opts.onRefusal?.({ siteId: siteOfRequest, route: routeName, status: e.status, code: e.code, reason: reason || undefined, message: e.message });
      sendSigned(req, res, { status: e.status, body: e.body() }, key?.secret, claimed, tamper);
    };

    // Faults that answer instead of the platform: the request is not processed.
    const before = faults.take(BEFORE_PROCESSING, pathWithQuery);
    if (before) {
      switch (before.kind) {
        case 'status_500':
          return refuse(new PlatformError('INTERNAL', 'injected fault: status_500'));
        case 'timeout': {
          const socket = req.socket;
          held.add(socket);
          const drop = faults.whenCleared(() => { held.delete(socket); socket.destroy(); });
          socket.once('close', () => { held.delete(socket); drop(); });
          return;
        }
        case 'html': {
          const page = '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n';
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end(page);
          return;
        }
        case 'garbage': {
          const bytes = randomBytes(64 + Math.floor(Math.random() * 512));
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(bytes);
          return;
        }
      }
    }

    let reply: Reply;
    try {
      if (raw === 'too_large') throw new PlatformError('TOO_LARGE', `the body is over ${BODY_LIMIT} bytes`);
      const verdict: Verdict = verify({ header, first: method, pathWithQuery, body: raw, secretOf: (k) => keys.get(k)?.secret, nowMs: now() });
      if (!verdict.ok) {
        if (verdict.code === 'CLOCK_SKEW') throw new PlatformError('CLOCK_SKEW', `the request is ${verdict.skewSeconds} s off the platform clock`, { serverTime: new Date(now()).toISOString(), skewSeconds: verdict.skewSeconds });
        if (verdict.code === 'UNKNOWN_KEY') throw new PlatformError('UNKNOWN_KEY', `no key ${verdict.keyId}`);
        throw new PlatformError('BAD_SIGNATURE', verdict.reason);
      }
      if (found === undefined || found === 'wrong_method') throw new PlatformError('NOT_FOUND', `no ${method} ${pathname}`);
      const { route, params } = found;
      if (!store.hasSite(params.siteId) || ![...keys.values()].some((k) => k.siteId === params.siteId)) throw new PlatformError('UNKNOWN_SITE', `no site ${params.siteId}`);
      if (key?.siteId !== params.siteId) throw new PlatformError('FORBIDDEN', `key ${claimed} belongs to another site`);
      if (params.chain !== undefined && !isChainName(params.chain)) throw new PlatformError('NOT_FOUND', `no chain ${params.chain}: main or restricted`);
      reply = v1[route.op](params.siteId, params, raw, query, (k) => faults.take([k], pathWithQuery));
    } catch (e) {
      if (e instanceof PlatformError) return refuse(e);
      return refuse(new PlatformError('INTERNAL', e instanceof Error ? e.message : String(e)));
    }

    // Faults on the way out of a processed (and committed) request.
    const after = faults.take(AFTER_PROCESSING, pathWithQuery);
    if (after?.kind === 'cut_after_commit') { req.socket.destroy(); return; }
    if (after?.kind === 'slow') {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { timers.delete(t); resolve(); }, after.delayMs ?? 1_000);
        timers.add(t);
        res.once('close', () => { clearTimeout(t); timers.delete(t); resolve(); });
      });
    }
    sendSigned(req, res, reply, key?.secret, claimed, after);
  }

  // ---------- /admin ----------
  const adminJson = (res: http.ServerResponse, status: number, body: unknown) => {
    const b = Buffer.from(JSON.stringify(body), 'utf8');
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': b.length });
    res.end(b);
  };
  const requireAdminSite = (siteId: string) => { if (!store.hasSite(siteId)) throw new PlatformError('UNKNOWN_SITE', `no site ${siteId}`); };

  const admin: Record<AdminOp, (p: Record<string, string>, raw: Buffer) => Reply> = {
    addOrder: (p, raw) => {
      requireAdminSite(p.siteId);
      const { active: _active, ...order } = validate(orderSchema, parseJson(raw)) as Record<string, unknown> & { id: string };
      const body = { ...order, active: true };
      return ok({ change: store.addChange(p.siteId, 'orders', order.id, body), order: body }, 201);
    },
    cancelOrder: (p, raw) => {
      requireAdminSite(p.siteId);
      const { reason } = validate(cancelBody, parseJson(raw));
      if (!store.entity(p.siteId, 'orders', p.id)) throw new PlatformError('NOT_FOUND', `no order ${p.id}`);
      const body = { id: p.id, active: false, reason };
      return ok({ change: store.addChange(p.siteId, 'orders', p.id, body), order: body });
    },
    addStaff: (p, raw) => {
      requireAdminSite(p.siteId);
      const staff = validate(staffSchema, parseJson(raw));
      const body = { ...staff, active: staff.active ?? true };
      return ok({ change: store.addChange(p.siteId, 'staff', staff.id, body), staff: body }, 201);
    },
    revokeStaff: (p) => {
      requireAdminSite(p.siteId);
      const known = store.entity(p.siteId, 'staff', p.id);
      if (!known) throw new PlatformError('NOT_FOUND', `no staff ${p.id}`);
      const body = { ...known, active: false };
      return ok({ change: store.addChange(p.siteId, 'staff', p.id, body), staff: body });
    },
    announceItems: (p, raw) => {
      requireAdminSite(p.siteId);
      const m = validate(manifestSchema, parseJson(raw));
      const changes = m.items.map((i) => store.addChange(p.siteId, 'items', i.id, { orderId: m.orderId, ...i, active: true }));
      return ok({ changes }, 201);
    },
    chainReport: (p) => {
      requireAdminSite(p.siteId);
      if (!isChainName(p.chain)) throw new PlatformError('NOT_FOUND', `no chain ${p.chain}`);
      const head = store.head(p.siteId, p.chain);
      const v = store.verifyChain(p.siteId, p.chain);
      return ok({
        head: { seq: head.seq, hash: head.hash }, source: head.source, events: store.eventCount(p.siteId, p.chain),
        anchors: store.anchors(p.siteId, p.chain), verified: v.ok, ...(v.ok ? {} : { broken: v }),
        refusals: store.refusals(p.siteId, p.chain),
      });
    },
    alarms: (p) => { requireAdminSite(p.siteId); return ok({ alarms: store.alarms(p.siteId) }); },
    inventory: (p) => { requireAdminSite(p.siteId); return ok(store.inventory(p.siteId) ?? { at: null, count: 0, items: [] }); },
    environment: (p) => { requireAdminSite(p.siteId); return ok({ summaries: store.environment(p.siteId) }); },
    stats: () => ok({ requests: Object.fromEntries(requests), refusals: store.refusalsByCode() }),
    listFaults: () => ok({ faults: faults.all() }),
    addFault: (_p, raw) => ok({ fault: faults.add(validate(faultSchema, parseJson(raw))) }, 201),
    clearFaults: () => { faults.clear(); return ok({ cleared: true }); },
  };

  function handleAdmin(req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer | 'too_large') {
    try {
      const token = opts.seed.adminToken;
      if (token !== undefined) {
        const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() ?? '', 'utf8');
        const want = Buffer.from(token, 'utf8');
        if (given.length !== want.length || !timingSafeEqual(given, want)) throw new PlatformError('UNAUTHENTICATED');
      }
      if (raw === 'too_large') throw new PlatformError('TOO_LARGE');
      const pathname = (req.url ?? '/').split('?')[0];
      const found = match(ADMIN, req.method ?? 'GET', pathname);
      if (found === undefined || found === 'wrong_method') throw new PlatformError('NOT_FOUND', `no ${req.method} ${pathname}`);
      const r = admin[found.route.op](found.params, raw);
      adminJson(res, r.status, r.body);
    } catch (e) {
      const err = e instanceof PlatformError ? e : new PlatformError('INTERNAL', e instanceof Error ? e.message : String(e));
      adminJson(res, err.status, err.body());
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= BODY_LIMIT) chunks.push(c);
      else if (size > DRAIN_LIMIT) req.socket.destroy();
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      const raw = size > BODY_LIMIT ? 'too_large' as const : Buffer.concat(chunks);
      const isAdmin = (req.url ?? '').startsWith('/admin/') || req.url === '/admin';
      const run = isAdmin ? Promise.resolve(handleAdmin(req, res, raw)) : handleV1(req, res, raw);
      run.catch(() => { if (!res.headersSent) { res.statusCode = 500; } res.end(); });
    });
  });
  // A request the HTTP parser cannot read gets a plain 400 and the socket closed.
  server.on('clientError', (_err, socket: Socket) => { if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n'); else socket.destroy(); });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as AddressInfo).port;
  let closed = false;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    store,
    faults,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      for (const s of held) s.destroy();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
      store.close();
    },
  };
}
