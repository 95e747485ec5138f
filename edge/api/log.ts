// What the API writes about a request: its URL with the values of token-like query keys blanked.
// No token is accepted in a URL (the Bearer header or a single-use stream ticket is the only way
// in), but a client may still put one there, and the log must not keep it.
import type { Logger } from 'pino';

export const REDACTED = '[redacted]';

// Matched against the decoded key: `token`, `access_token`, `id_token`, `ticket`, `api_key`, …
const SECRET_KEY = /token|ticket|secret|passw|pwd|api[-_]?key|auth|session|signature|^sig$|^key$/i;

function decodeKey(raw: string): string | null {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** The URL with the value of every token-like query key replaced; a key that cannot be decoded counts as one. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const pairs = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0) return pair;
    const key = decodeKey(pair.slice(0, eq));
    return key === null || SECRET_KEY.test(key) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
  });
  return url.slice(0, q + 1) + pairs.join('&');
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  headers?: Record<string, unknown>;
  socket?: { remotePort?: number } | null;
}

/** fastify's own `req` serializer, with the URL redacted. Headers are not written at all. */
export function serializeRequest(req: LoggedRequest) {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : req.url,
    version: req.headers?.['accept-version'],
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket ? req.socket.remotePort : undefined,
  };
}

/**
 * The logger the API writes to: the given one with the redacting `req` serializer. fastify lets a
 * logger instance's own serializers win over its defaults, so this holds whatever logger is passed.
 */
export function apiLogger(logger: Logger): Logger {
  return logger.child({}, { serializers: { req: serializeRequest } });
}
