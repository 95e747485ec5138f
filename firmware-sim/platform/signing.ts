// Request and reply signing (contract.md "Signing"): `Authorization: HMAC-SHA256 keyId=K, ts=T, sig=S`,
// S = hex HMAC-SHA256(secret, FIRST + "\n" + pathWithQuery + "\n" + T + "\n" + hex SHA-256(body)),
// FIRST being the request's METHOD or the reply's STATUS. The path is the request line's bytes as sent.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SCHEME = 'HMAC-SHA256';
export const MAX_SKEW_SECONDS = 300;

export const sha256Hex = (body: Uint8Array | string): string => createHash('sha256').update(body).digest('hex');

/** The string both sides sign: `first` is the METHOD of a request or the STATUS of a reply. */
export function stringToSign(first: string | number, pathWithQuery: string, ts: number | string, body: Uint8Array | string): string {
  return `${first}\n${pathWithQuery}\n${ts}\n${sha256Hex(body)}`;
}

export function signature(secret: string, first: string | number, pathWithQuery: string, ts: number | string, body: Uint8Array | string): string {
  return createHmac('sha256', secret).update(stringToSign(first, pathWithQuery, ts, body)).digest('hex');
}

export function authorizationHeader(keyId: string, secret: string, first: string | number, pathWithQuery: string, ts: number, body: Uint8Array | string): string {
  return `${SCHEME} keyId=${keyId}, ts=${ts}, sig=${signature(secret, first, pathWithQuery, ts, body)}`;
}

export interface ParsedAuthorization { keyId: string; ts: number; sig: string }

/**
 * The header's three parameters, in any order, spaces around `,` and `=` tolerated; undefined when
 * the scheme is not ours, a parameter is missing or repeated, ts is not an integer or sig not hex.
 */
export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*HMAC-SHA256\s+(.*)$/i.exec(header);
  if (!m) return undefined;
  const params = new Map<string, string>();
  for (const part of m[1].split(',')) {
    const kv = /^\s*([A-Za-z]+)\s*=\s*(\S*)\s*$/.exec(part);
    if (!kv || params.has(kv[1])) return undefined;
    params.set(kv[1], kv[2]);
  }
  const keyId = params.get('keyId');
  const ts = params.get('ts');
  const sig = params.get('sig');
  if (!keyId || !ts || !sig || params.size !== 3) return undefined;
  if (!/^-?\d{1,15}$/.test(ts) || !/^[0-9a-fA-F]{64}$/.test(sig)) return undefined;
  return { keyId, ts: Number(ts), sig: sig.toLowerCase() };
}

/** Constant-time comparison of two hex signatures (of any length: a length mismatch is simply false). */
export function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export type Verdict =
  | { ok: true; keyId: string; ts: number }
  | { ok: false; code: 'BAD_SIGNATURE'; keyId?: string; reason: string }
  | { ok: false; code: 'UNKNOWN_KEY'; keyId: string }
  | { ok: false; code: 'CLOCK_SKEW'; keyId: string; skewSeconds: number };

/**
 * Verify a signed message (a request: first = METHOD; a reply: first = STATUS). The signature is
 * checked before the clock, so that an unsigned stranger learns nothing of the platform's time.
 */
export function verify(opts: {
  header: string | undefined;
  first: string | number;
  pathWithQuery: string;
  body: Uint8Array | string;
  secretOf: (keyId: string) => string | undefined;
  nowMs: number;
  maxSkewSeconds?: number;
}): Verdict {
  const parsed = parseAuthorization(opts.header);
  if (!parsed) return { ok: false, code: 'BAD_SIGNATURE', reason: opts.header === undefined ? 'missing Authorization header' : 'malformed Authorization header' };
  const secret = opts.secretOf(parsed.keyId);
  if (secret === undefined) return { ok: false, code: 'UNKNOWN_KEY', keyId: parsed.keyId };
  const expected = signature(secret, opts.first, opts.pathWithQuery, parsed.ts, opts.body);
  if (!sameSignature(expected, parsed.sig)) return { ok: false, code: 'BAD_SIGNATURE', keyId: parsed.keyId, reason: 'signature mismatch' };
  const skewSeconds = Math.floor(opts.nowMs / 1000) - parsed.ts;
  if (Math.abs(skewSeconds) > (opts.maxSkewSeconds ?? MAX_SKEW_SECONDS)) return { ok: false, code: 'CLOCK_SKEW', keyId: parsed.keyId, skewSeconds };
  return { ok: true, keyId: parsed.keyId, ts: parsed.ts };
}
