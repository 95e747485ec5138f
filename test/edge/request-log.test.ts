// One line per HTTP request at debug, none at info for an everyday answer, the error answer's own
// line at info with its code; every line's URL redacted. Through a real API on a real Custody.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/log.ts';
import { openHarness, tokenOf, type Harness } from '../helpers/custody-site.ts';

describe('the request log', () => {
  let h: Harness | null = null;
  afterEach(async () => { await h?.close(); h = null; });

  async function withLevel(level: string) {
    const lines: Record<string, any>[] = [];
    const logger = createLogger(level, new Writable({ write(chunk, _enc, cb) { for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l)); cb(); } }));
    h = await openHarness({ logger });
    return lines;
  }

  it('at debug: one line per request with its status, time and user, the URL redacted; no fastify lines', async () => {
    const lines = await withLevel('debug');
    expect((await h!.call('operator', 'GET', '/me?access_token=leaked-in-a-url')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    const mine = lines.filter((l) => l.msg === 'request');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ level: 20, method: 'GET', status: 200, userId: 'u-operator', url: '/api/v1/me?access_token=[redacted]' });
    expect(typeof mine[0]!.ms).toBe('number');
    expect(lines.some((l) => l.msg === 'incoming request' || l.msg === 'request completed')).toBe(false);
    expect(JSON.stringify(lines)).not.toContain('leaked-in-a-url');
    expect(JSON.stringify(lines)).not.toContain(tokenOf('operator'));
  });

  it('at info: nothing for an everyday answer, one line with its code for an error answer', async () => {
    const lines = await withLevel('info');
    expect((await h!.call('operator', 'GET', '/me')).status).toBe(200);
    expect((await h!.call('operator', 'GET', '/items/NO-SUCH-ITEM')).status).toBe(404);
    await new Promise((r) => setTimeout(r, 20));
    expect(lines.map((l) => l.msg).filter((m) => !m.startsWith('Server listening'))).toEqual(['request refused']);
    expect(lines.find((l) => l.msg === 'request refused')).toMatchObject({ level: 30, code: 'ITEM_NOT_FOUND' });
  });
});
