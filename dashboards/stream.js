// The live stream: SSE from /api/v1/stream with a short-lived ticket (EventSource cannot send a
// Bearer header). Until the gateway offers the stream (404), or while it is broken, the pages
// poll instead; subscribers do not need to care which.
import { api } from './api.js';

const handlers = { alarm: new Set(), event: new Set(), crossing: new Set(), mode: new Set() };
let source = null;
let mode = 'polling'; // 'live' | 'polling' | 'down'
let retryTimer = null;
let stopped = true;
let unavailable = false;

export const streamMode = () => mode;
export function on(type, fn) { handlers[type].add(fn); return () => handlers[type].delete(fn); }

function setMode(m) { if (m !== mode) { mode = m; for (const fn of handlers.mode) fn(m); } }

export function startStream() {
  stopped = false;
  connect();
}

export function stopStream() {
  stopped = true;
  clearTimeout(retryTimer);
  source?.close();
  source = null;
  setMode('polling');
}

async function connect() {
  if (stopped || source) return;
  let ticket;
  try {
    ticket = await api('/stream/ticket', { method: 'POST', body: {} });
  } catch (e) {
    // Not built yet: poll, and look again now and then (the gateway may be upgraded under us).
    unavailable = e.notFound;
    setMode(e.unreachable ? 'down' : 'polling');
    retryTimer = setTimeout(connect, unavailable ? 60000 : 5000);
    return;
  }
  if (stopped) return;
  const es = new EventSource(`/api/v1/stream?ticket=${encodeURIComponent(ticket.ticket)}`);
  source = es;
  es.onopen = () => setMode('live');
  for (const type of ['alarm', 'event', 'crossing']) {
    es.addEventListener(type, (m) => {
      let data;
      try { data = JSON.parse(m.data); } catch { return; }
      for (const fn of handlers[type]) { try { fn(data); } catch (err) { console.error(err); } }
    });
  }
  es.onerror = () => {
    // A ticket is single use: reconnect with a fresh one instead of EventSource's own retry.
    es.close();
    if (source === es) source = null;
    setMode('polling');
    // Is it the gateway that went away? api() raises the offline banner if so.
    api('/api/health').catch(() => {});
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, 3000);
  };
}
