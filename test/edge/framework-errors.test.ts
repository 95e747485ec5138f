// The errors fastify and Node raise themselves, over real HTTP against a real Custody, with the
// gateway's own logger writing into a buffer: each answer is `{code, message, details}` with a code
// from the one table, and no token put in a URL (or a header) is ever written to the log.
import net from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ERRORS } from '../../edge/errors.ts';
import { redactUrl } from '../../edge/api/log.ts';
import { createLogger } from '../../gateway/log.ts';
import { intake, openHarness, tokenOf, type CallResult, type Harness } from '../helpers/custody-site.ts';

// A real, valid token: if the log kept it, anyone reading the log could use it.
const TOKEN = tokenOf('operator');
const COOKIE = 'session-cookie-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}`, cookie: `sid=${COOKIE}` };

let h: Harness;
let item: string;
const lines: string[] = [];
const logged = () => lines.join('');
const logger = createLogger('trace', new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } }));

beforeAll(async () => {
  h = await openHarness({ logger });
  item = intake(h.ctx, { to: null }).ids[0];
});
afterAll(async () => { await h?.close(); });
beforeEach(() => { lines.length = 0; });

function expectContract(r: CallResult, status: number, code: keyof typeof ERRORS) {
  expect(r.status, r.text).toBe(status);
  expect(Object.keys(r.body ?? {}).sort(), r.text).toEqual(['code', 'details', 'message']);
  expect(r.body.code).toBe(code);
  expect(ERRORS[code].status).toBe(status);
  expect(typeof r.body.message).toBe('string');
  expect(typeof r.body.details).toBe('object');
  // The answer does not repeat the token either.
  expect(r.text).not.toContain(TOKEN);
}

/** Nothing secret in the log, and the request was logged (so the absence means something). */
function expectLogClean(...mustContain: string[]) {
  const text = logged();
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain(COOKIE);
  for (const s of mustContain) expect(text).toContain(s);
}

/** Bytes straight onto a socket, for what fetch will not send; the whole answer, head and body. */
function rawHttp(bytes: string): Promise<{ status: number; headers: string; body: any; text: string }> {
  const url = new URL(h.url);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(url.port), url.hostname, () => s.write(bytes));
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d) => { got += d; });
    s.on('error', reject);
    s.on('close', () => {
      const [head, text = ''] = got.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head, text, body: JSON.parse(text) });
    });
  });
}

describe('errors the router raises', () => {
  it('a bad percent-encoding → 400 BAD_URL, the URL not repeated', async () => {
    for (const path of [`/items/%E0%A4%A?token=${TOKEN}`, `/items/%E0%A4%A?access_token=${TOKEN}`, '/items/%E0%A4%A']) {
      const r = await h.raw('GET', path, { headers: auth });
      expectContract(r, 400, 'BAD_URL');
      expect(r.text).not.toContain('%E0');
    }
    const root = await fetch(`${h.url}/%E0%A4%A?token=${TOKEN}`);
    expect(root.status).toBe(400);
    expect((await root.json()).code).toBe('BAD_URL');
    expectLogClean('"code":"BAD_URL"', '?token=[redacted]', '?access_token=[redacted]');
  });

  it('a 5,000-character id → 400 VALIDATION_FAILED, as a 65-character one', async () => {
    for (const path of [`/items/${'x'.repeat(5000)}?token=${TOKEN}`, `/items/${'x'.repeat(5000)}/events`, `/items/${'x'.repeat(101)}`]) {
      const r = await h.raw('GET', path, { headers: auth });
      expectContract(r, 400, 'VALIDATION_FAILED');
      expect(r.body.details.part).toBe('params');
      expect(r.text.length).toBeLessThan(500);
    }
    const r65 = await h.call('operator', 'GET', `/items/${'x'.repeat(65)}`);
    expectContract(r65, 400, 'VALIDATION_FAILED');
    expect(r65.body.details.part).toBe('params');
    expectLogClean('"code":"VALIDATION_FAILED"', '?token=[redacted]');
  });

  it('a long path that matches no route → 404 NOT_FOUND, the path cut short in the message', async () => {
    const r = await h.raw('GET', `/nothing/${'x'.repeat(5000)}?access_token=${TOKEN}`, { headers: auth });
    expectContract(r, 404, 'NOT_FOUND');
    expect(r.body.message).toMatch(/^No route GET \/api\/v1\/nothing\/x+…$/);
    expect(r.body.message.length).toBeLessThan(150);
    expectLogClean('?access_token=[redacted]', '"status":404');
  });
});

describe('errors Node\'s HTTP parser raises', () => {
  it('a URL over the 16 KiB head limit → 431 REQUEST_HEAD_TOO_LARGE; the raw request is not logged', async () => {
    const r = await h.raw('GET', `/items?access_token=${TOKEN}&q=${'x'.repeat(20_000)}`, { headers: auth });
    expectContract(r, 431, 'REQUEST_HEAD_TOO_LARGE');
    expectLogClean('"code":"REQUEST_HEAD_TOO_LARGE"', '"parserCode":"HPE_HEADER_OVERFLOW"');
  });

  it('bytes that are not HTTP → 400 MALFORMED_REQUEST, as JSON', async () => {
    const r = await rawHttp(`GET /api/v1/items?token=${TOKEN} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nnot a header\r\n\r\n`);
    expect(r.headers).toMatch(/content-type: application\/json/i);
    expectContract({ status: r.status, body: r.body, text: r.text }, 400, 'MALFORMED_REQUEST');
    expectLogClean('"code":"MALFORMED_REQUEST"');
  });

  it('a URL under the head limit reaches the route and its schema', async () => {
    const r = await h.raw('GET', `/items?token=${TOKEN}&q=${'x'.repeat(12_000)}`, { headers: auth });
    expectContract(r, 400, 'VALIDATION_FAILED');
    expect(r.body.details.part).toBe('querystring');
    expectLogClean('?token=[redacted]&q=xxx');
  });
});

describe('errors fastify raises while reading a body', () => {
  const json = { ...auth, 'content-type': 'application/json' };

  it('bad JSON → 400 MALFORMED_JSON', async () => {
    expectContract(await h.raw('POST', `/items/${item}/putaway?token=${TOKEN}`, { body: '{"orderId":', headers: json }), 400, 'MALFORMED_JSON');
    expectLogClean('"code":"MALFORMED_JSON"', '?token=[redacted]');
  });

  it('a wrong content type → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const r = await h.raw('POST', `/items/${item}/putaway?access_token=${TOKEN}`, { body: 'orderId=x', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' } });
    expectContract(r, 415, 'UNSUPPORTED_MEDIA_TYPE');
    // text/plain has a parser of fastify's own (the body becomes a string): the schema refuses it.
    const text = await h.raw('POST', `/items/${item}/putaway?token=${TOKEN}`, { body: '{}', headers: { ...auth, 'content-type': 'text/plain' } });
    expectContract(text, 400, 'VALIDATION_FAILED');
    expect(text.body.details.part).toBe('body');
    expectLogClean('"code":"UNSUPPORTED_MEDIA_TYPE"', '?access_token=[redacted]', '?token=[redacted]');
  });

  it('a body over 1 MiB → 413 BODY_TOO_LARGE', async () => {
    const r = await h.raw('POST', `/items/${item}/reject?token=${TOKEN}`, { body: JSON.stringify({ reason: 'x'.repeat(1024 * 1024) }), headers: json });
    expectContract(r, 413, 'BODY_TOO_LARGE');
    expectLogClean('"code":"BODY_TOO_LARGE"', '?token=[redacted]');
  });
});

describe('a token in the URL', () => {
  it('is no way in, and is not logged', async () => {
    // The API reads only the Authorization header (authenticate in edge/api/server.ts).
    expectContract(await h.raw('GET', `/me?access_token=${TOKEN}`), 401, 'UNAUTHENTICATED');
    expectContract(await h.raw('GET', `/items?token=${TOKEN}`), 401, 'UNAUTHENTICATED');
    // The stream's query schema is strict: only ?ticket= (edge/api/routes/stream.ts).
    expectContract(await h.raw('GET', `/stream?token=${TOKEN}`), 400, 'VALIDATION_FAILED');
    expectContract(await h.raw('GET', `/stream?access_token=${TOKEN}`), 400, 'VALIDATION_FAILED');
    expectLogClean('/me?access_token=[redacted]', '/stream?token=[redacted]', '"code":"UNAUTHENTICATED"');
  });

  it('a careless log call with a url, a token or the headers is redacted too', () => {
    logger.info({ url: `/api/v1/me?token=${TOKEN}` }, 'by hand');
    logger.info({ req: { url: `/x?a=1&access_token=${TOKEN}`, headers: { authorization: `Bearer ${TOKEN}`, cookie: `sid=${COOKIE}` } } }, 'by hand');
    logger.info({ token: TOKEN, headers: { authorization: `Bearer ${TOKEN}`, cookie: COOKIE } }, 'by hand');
    expectLogClean('/api/v1/me?token=[redacted]', '/x?a=1&access_token=[redacted]');
  });
});

describe('any logger', () => {
  it('a plain pino logger, with no redaction of its own, gets the redacting request serializer from buildApi', async () => {
    const plain: string[] = [];
    const p = await openHarness({ logger: pino({ level: 'info' }, new Writable({ write(c, _e, cb) { plain.push(String(c)); cb(); } })) });
    try {
      expectContract(await p.raw('GET', `/me?access_token=${TOKEN}`), 401, 'UNAUTHENTICATED');
      expectContract(await p.raw('GET', `/items/%E0%A4%A?token=${TOKEN}`, { headers: auth }), 400, 'BAD_URL');
      expectContract(await p.raw('GET', `/stream?token=${TOKEN}`), 400, 'VALIDATION_FAILED');
    } finally {
      await p.close();
    }
    const text = plain.join('');
    expect(text).toContain('/me?access_token=[redacted]');
    expect(text).toContain('"code":"BAD_URL"');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(COOKIE);
  });
});

describe('redactUrl', () => {
  it('blanks the values of token-like keys, however spelt, and keeps the rest', () => {
    expect(redactUrl('/a?token=s&q=phone&limit=5')).toBe('/a?token=[redacted]&q=phone&limit=5');
    expect(redactUrl('/a?ACCESS_TOKEN=s&id_token=s&ticket=s&api_key=s&password=s')).toBe(
      '/a?ACCESS_TOKEN=[redacted]&id_token=[redacted]&ticket=[redacted]&api_key=[redacted]&password=[redacted]');
    expect(redactUrl('/a?%74oken=s&access%5Ftoken=s&token[]=s')).toBe('/a?%74oken=[redacted]&access%5Ftoken=[redacted]&token[]=[redacted]');
    expect(redactUrl('/a?%E0%A4=s&q=%E0%A4')).toBe('/a?%E0%A4=[redacted]&q=%E0%A4'); // a key that cannot be read may be one
    expect(redactUrl('/a/%E0%A4%A')).toBe('/a/%E0%A4%A');
    expect(redactUrl('/a?flag&q=')).toBe('/a?flag&q=');
  });
});
