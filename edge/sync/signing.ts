// The platform contract's signature (PROTOCOLS.md, "The city platform"): HMAC-SHA256 over the
// method (or, on a reply, the status), the path with its query as sent, the time and the body's
// SHA-256. Requests are signed; replies are verified, because a forged `changes` reply could
// otherwise authorise taking evidence out.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** More skew than this between the two clocks is refused by either side. */
export const MAX_SKEW_S = 300;

const bodyHash = (body: Uint8Array | string) => createHash('sha256').update(body).digest('hex');

/** The string signed: `first` is the method of a request or the status of a reply. */
export function signedText(first: string | number, pathWithQuery: string, ts: number, body: Uint8Array | string): string {
  return `${first}\n${pathWithQuery}\n${ts}\n${bodyHash(body)}`;
}

export function signature(secret: Buffer, first: string | number, pathWithQuery: string, ts: number, body: Uint8Array | string): string {
  return createHmac('sha256', secret).update(signedText(first, pathWithQuery, ts, body)).digest('hex');
}

export function authorization(keyId: string, secret: Buffer, method: string, pathWithQuery: string, ts: number, body: Uint8Array | string): string {
  return `HMAC-SHA256 keyId=${keyId}, ts=${ts}, sig=${signature(secret, method, pathWithQuery, ts, body)}`;
}

export interface ParsedAuthorization { keyId: string; ts: number; sig: string }

export function parseAuthorization(header: string | null | undefined): ParsedAuthorization | null {
  const m = /^HMAC-SHA256\s+(.*)$/.exec(header?.trim() ?? '');
  if (!m) return null;
  const fields = new Map(m[1]!.split(',').map((p) => {
    const i = p.indexOf('=');
    return [p.slice(0, i).trim(), p.slice(i + 1).trim()] as const;
  }));
  const keyId = fields.get('keyId');
  const ts = Number(fields.get('ts'));
  const sig = fields.get('sig');
  if (!keyId || !Number.isInteger(ts) || !sig || !/^[0-9a-f]{64}$/i.test(sig)) return null;
  return { keyId, ts, sig: sig.toLowerCase() };
}

export type ReplyCheck = { ok: true } | { ok: false; code: 'UNSIGNED_REPLY' | 'BAD_REPLY_SIGNATURE' | 'REPLY_CLOCK_SKEW'; message: string; skewS?: number };

/** Checks a reply's signature against the request it answers, on our clock. */
export function verifyReply(secret: Buffer, keyId: string, status: number, pathWithQuery: string, header: string | null,
  body: Uint8Array, nowMs: number): ReplyCheck {
  const a = parseAuthorization(header);
  if (!a) return { ok: false, code: 'UNSIGNED_REPLY', message: 'the reply carries no HMAC-SHA256 signature' };
  if (a.keyId !== keyId) return { ok: false, code: 'BAD_REPLY_SIGNATURE', message: `the reply is signed with key ${a.keyId}, not ${keyId}` };
  const expected = Buffer.from(signature(secret, status, pathWithQuery, a.ts, body), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(a.sig, 'hex'))) {
    return { ok: false, code: 'BAD_REPLY_SIGNATURE', message: 'the reply\'s signature does not verify: it was not written by the platform holding our key' };
  }
  const skewS = Math.round(a.ts - nowMs / 1000);
  if (Math.abs(skewS) > MAX_SKEW_S) {
    return { ok: false, code: 'REPLY_CLOCK_SKEW', message: `the reply is signed ${skewS} s from our clock (more than ${MAX_SKEW_S} s): one of the clocks is wrong`, skewS };
  }
  return { ok: true };
}
