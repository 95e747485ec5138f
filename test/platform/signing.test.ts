// The platform's header parsing and verification, apart from HTTP: spacing tolerated, anything else
// about the header exact; the skew window is 300 s either way, its edge included.
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseAuthorization, sameSignature, verify } from '../../firmware-sim/platform/signing.ts';

const sig = (secret: string, s: string) => createHmac('sha256', secret).update(s).digest('hex');
const emptyHash = createHash('sha256').update('').digest('hex');

describe('platform signing', () => {
  it('parses the header with any spacing and order, and refuses anything malformed', () => {
    const s = 'a'.repeat(64);
    expect(parseAuthorization(`HMAC-SHA256 keyId=k1, ts=1700000000, sig=${s}`)).toEqual({ keyId: 'k1', ts: 1700000000, sig: s });
    expect(parseAuthorization(`  HMAC-SHA256   sig = ${s} ,keyId=k1,ts= 1700000000 `)).toEqual({ keyId: 'k1', ts: 1700000000, sig: s });
    for (const bad of [undefined, '', 'Bearer x', `HMAC-SHA256 keyId=k1, ts=1700000000`, `HMAC-SHA256 keyId=k1, ts=17e8, sig=${s}`,
      `HMAC-SHA256 keyId=k1, ts=1, sig=${s}, sig=${s}`, `HMAC-SHA256 keyId=k1, ts=1, sig=xyz`, `HMAC-SHA256 keyId=k1, ts=1, sig=${s}, extra=1`]) {
      expect(parseAuthorization(bad), String(bad)).toBeUndefined();
    }
    expect(sameSignature('ab', 'ab')).toBe(true);
    expect(sameSignature('ab', 'abc')).toBe(false);
  });

  it('verifies requests and replies, refusing a wrong key, a wrong body and more than 300 s of skew', () => {
    const ts = 1_700_000_000;
    const secretOf = (k: string) => (k === 'k1' ? 'sec' : undefined);
    const header = (first: string | number, t = ts) => `HMAC-SHA256 keyId=k1, ts=${t}, sig=${sig('sec', `${first}\n/v1/x?a=1\n${t}\n${emptyHash}`)}`;
    const base = { pathWithQuery: '/v1/x?a=1', body: '', secretOf, nowMs: ts * 1000 };
    expect(verify({ ...base, header: header('GET'), first: 'GET' })).toEqual({ ok: true, keyId: 'k1', ts });
    expect(verify({ ...base, header: header(200), first: 200 })).toMatchObject({ ok: true });
    expect(verify({ ...base, header: header('GET'), first: 'POST' })).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
    expect(verify({ ...base, header: header('GET'), first: 'GET', body: 'x' })).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
    expect(verify({ ...base, header: header('GET').replace('k1', 'k2'), first: 'GET' })).toMatchObject({ ok: false, code: 'UNKNOWN_KEY' });
    expect(verify({ ...base, header: header('GET', ts - 300), first: 'GET' })).toMatchObject({ ok: true });
    expect(verify({ ...base, header: header('GET', ts - 301), first: 'GET' })).toMatchObject({ ok: false, code: 'CLOCK_SKEW', skewSeconds: 301 });
    expect(verify({ ...base, header: header('GET', ts + 301), first: 'GET' })).toMatchObject({ ok: false, code: 'CLOCK_SKEW', skewSeconds: -301 });
  });
});
