// The only way the dashboards talk to the gateway: fetch with the Bearer token, a timeout on
// every request, and one shared "reachable" state that drives the offline banner and the retry.
import { session } from './session.js';

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code || (status === 0 ? 'UNREACHABLE' : `HTTP_${status}`);
    this.details = body?.details || {};
  }
  /** 404 on an endpoint that is not built yet (or something we may not see). */
  get notFound() { return this.status === 404; }
  get unreachable() { return this.status === 0 || this.status >= 502; }
}

const TIMEOUT_MS = 8000;
const listeners = new Set();
let reachable = true;
let probe = null;

/** Subscribe to reachability changes: fn(true|false). */
export function onReachability(fn) { listeners.add(fn); return () => listeners.delete(fn); }
export function isReachable() { return reachable; }

function setReachable(v) {
  if (v === reachable) return;
  reachable = v;
  for (const fn of listeners) { try { fn(v); } catch (e) { console.error(e); } }
  if (!v) startProbe();
}

/** While the gateway is unreachable, ask /api/health with a growing delay (1 s … 10 s). */
function startProbe() {
  if (probe) return;
  let delay = 1000;
  const tick = async () => {
    try {
      const r = await fetchWithTimeout('/api/health', {}, 4000);
      if (r.ok) { probe = null; setReachable(true); return; }
    } catch { /* still down */ }
    delay = Math.min(delay * 1.6, 10000);
    nextProbeAt = Date.now() + delay;
    probe = setTimeout(tick, delay);
  };
  nextProbeAt = Date.now() + delay;
  probe = setTimeout(tick, delay);
}
export let nextProbeAt = 0;

async function fetchWithTimeout(url, init, ms = TIMEOUT_MS) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), ms);
  try { return await fetch(url, { ...init, signal: ctl.signal }); } finally { clearTimeout(timer); }
}

/** A JSON request to the API. Throws ApiError; status 0 means the gateway could not be reached. */
export async function api(path, { method = 'GET', body, query, token } = {}) {
  const url = new URL(path.startsWith('/api') ? path : `/api/v1${path}`, location.origin);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  const headers = { accept: 'application/json' };
  const t = token ?? session.token;
  if (t) headers.authorization = `Bearer ${t}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetchWithTimeout(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    setReachable(false);
    throw new ApiError(0, { code: 'UNREACHABLE', message: 'gateway unreachable' });
  }
  if (res.status >= 502) { setReachable(false); throw new ApiError(res.status, null); }
  setReachable(true);
  // The gateway answers index.html for any unknown path without a dot, /api/v1/… included: an
  // endpoint that is not built yet comes back as an HTML page. Treat that as the 404 it is.
  const type = res.headers.get('content-type') ?? '';
  if (res.ok && res.status !== 204 && !type.includes('json')) throw new ApiError(404, { code: 'NOT_FOUND', message: `${url.pathname} is not available` });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    if (res.status === 401 && !token) session.expired(err);
    throw err;
  }
  return data;
}

/** Every page of a list, up to `max` rows. */
export async function apiAll(path, query = {}, max = 2000) {
  const out = [];
  let cursor;
  do {
    const page = await api(path, { query: { ...query, limit: Math.min(500, max - out.length), cursor } });
    out.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor && out.length < max);
  return out;
}

/**
 * Like api() but answers `fallback` for an endpoint this gateway does not serve: not asked at all
 * when /api/v1/me lists the endpoints and this one is not among them, and on a 404 otherwise.
 */
export async function apiOptional(path, opts, fallback = null) {
  const served = session.user?.endpoints;
  const top = /^\/([^/?]+)/.exec(path)?.[1];
  if (Array.isArray(served) && top && !served.includes(top)) return fallback;
  try { return await api(path, opts); } catch (e) { if (e.notFound) return fallback; throw e; }
}
