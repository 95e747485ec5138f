// The site's calendar: what people read is the site's wall clock (site.timezone), not the host's.
// `npm test` runs this file under TZ=UTC and again under TZ=Asia/Shanghai: every answer must be the same.
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { calendarOf, SiteCalendar } from '../../edge/time/calendar.ts';
import { siteSchema } from '../../edge/site/schema.ts';
import { ConfigError, parseSite } from '../../gateway/config.ts';
import { Custody } from '../../edge/custody.ts';
import { retrieve } from '../../edge/lifecycle/retrieve.ts';
import { fixtureSiteInput, HOUR, intake, issue, openHarness, principal, tempDir, TestClock } from '../helpers/custody-site.ts';

const at = (iso: string) => Date.parse(iso);
const sh = new SiteCalendar('Asia/Shanghai');
const utc = new SiteCalendar('UTC');

describe('SiteCalendar', () => {
  it('runs in the host zone the suite asked for (vitest.config.ts runs this file in UTC and in Asia/Shanghai)', () => {
    if (process.env.TZ) expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe(process.env.TZ);
    // The host's own Date follows it too: 16:01Z is already the 4th in Shanghai, still the 3rd in UTC.
    const hostDay = new Date('2026-12-03T16:01:00Z').getDate();
    if (process.env.TZ === 'Asia/Shanghai') expect(hostDay).toBe(4);
    if (process.env.TZ === 'UTC') expect(hostDay).toBe(3);
  });

  it('a due time near midnight falls on the site\'s own day', () => {
    expect(sh.parts('2026-12-03T15:59:00Z')).toEqual({ year: 2026, month: 12, day: 3, hour: 23, minute: 59, second: 0, weekday: 4 });
    expect(sh.date('2026-12-03T15:59:59.999Z')).toBe('2026-12-03');
    expect(sh.date('2026-12-03T16:01:00Z')).toBe('2026-12-04');
    expect(sh.parts('2026-12-03T16:01:00Z')).toMatchObject({ day: 4, hour: 0, minute: 1, weekday: 5 });
    // The same instants in a UTC site: one calendar day for both.
    expect(utc.date('2026-12-03T15:59:00Z')).toBe('2026-12-03');
    expect(utc.date('2026-12-03T16:01:00Z')).toBe('2026-12-03');
    expect(sh.offsetMs('2026-12-03T16:01:00Z')).toBe(8 * HOUR);
    expect(utc.offsetMs('2026-12-03T16:01:00Z')).toBe(0);
  });

  it('start of the local day', () => {
    expect(new Date(sh.startOfDay('2026-12-03T15:59:00Z')).toISOString()).toBe('2026-12-02T16:00:00.000Z');
    expect(new Date(sh.startOfDay('2026-12-03T16:01:00Z')).toISOString()).toBe('2026-12-03T16:00:00.000Z');
    expect(new Date(sh.startOfDay('2026-12-03T16:00:00Z')).toISOString()).toBe('2026-12-03T16:00:00.000Z');
    expect(new Date(utc.startOfDay('2026-12-03T16:01:00Z')).toISOString()).toBe('2026-12-03T00:00:00.000Z');
  });

  it('the week starts on Monday, local midnight, across a month and a year', () => {
    // Thursday 3 December 2026 → Monday 30 November.
    expect(new Date(sh.startOfWeek('2026-12-03T15:59:00Z')).toISOString()).toBe('2026-11-29T16:00:00.000Z');
    // Sunday 6 December 23:59 local is still that week; Monday 00:01 local begins the next.
    expect(new Date(sh.startOfWeek('2026-12-06T15:59:00Z')).toISOString()).toBe('2026-11-29T16:00:00.000Z');
    expect(new Date(sh.startOfWeek('2026-12-06T16:01:00Z')).toISOString()).toBe('2026-12-06T16:00:00.000Z');
    // In UTC that Monday 00:01 Shanghai is still Sunday: the week before.
    expect(new Date(utc.startOfWeek('2026-12-06T16:01:00Z')).toISOString()).toBe('2026-11-30T00:00:00.000Z');
    // Friday 1 January 2027 → Monday 28 December 2026.
    expect(new Date(sh.startOfWeek('2027-01-01T04:00:00Z')).toISOString()).toBe('2026-12-27T16:00:00.000Z');
    expect(sh.parts(sh.startOfWeek('2027-01-01T04:00:00Z'))).toMatchObject({ weekday: 1, hour: 0, minute: 0, day: 28, month: 12, year: 2026 });
  });

  it('the month boundary', () => {
    // 16:00Z on 30 November is 1 December 00:00 in Shanghai.
    expect(new Date(sh.startOfMonth('2026-11-30T15:59:00Z')).toISOString()).toBe('2026-10-31T16:00:00.000Z');
    expect(new Date(sh.startOfMonth('2026-11-30T16:00:00Z')).toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(new Date(sh.startOfNextMonth('2026-12-15T00:00:00Z')).toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(new Date(utc.startOfMonth('2026-11-30T16:00:00Z')).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(sh.instant(2026, 12, 1)).toBe(at('2026-11-30T16:00:00Z'));
  });

  it('formats for people, to the minute, in Chinese and in English', () => {
    expect(sh.format('2026-12-03T00:30:00Z')).toBe('2026年12月3日 08:30');
    expect(sh.format('2026-12-03T00:30:00Z', 'en')).toBe('3 Dec 2026, 08:30');
    expect(sh.format('2026-12-03T15:59:00Z')).toBe('2026年12月3日 23:59');
    expect(sh.format('2026-12-03T16:01:00Z')).toBe('2026年12月4日 00:01');
    expect(utc.format('2026-12-03T16:01:00Z', 'en')).toBe('3 Dec 2026, 16:01');
    expect(() => sh.format('not a time')).toThrow(RangeError);
  });

  it('other zones, and one calendar per zone', () => {
    const ny = calendarOf('America/New_York');
    expect(ny).toBe(calendarOf('America/New_York'));
    // Daylight saving time ends on 1 November 2026: the day is 25 hours long.
    const day = ny.startOfDay('2026-11-01T12:00:00Z');
    expect(new Date(day).toISOString()).toBe('2026-11-01T04:00:00.000Z');
    expect(ny.startOfDay('2026-11-02T12:00:00Z') - day).toBe(25 * HOUR);
    expect(ny.format('2026-07-01T12:00:00Z', 'en')).toBe('1 Jul 2026, 08:00');
  });
});

describe('site.timezone in the site file', () => {
  const base = () => structuredClone(fixtureSiteInput('data')) as any;

  it('defaults to Asia/Shanghai, accepts an IANA name and gives its canonical spelling', () => {
    expect(siteSchema.parse(base()).site.timezone).toBe('Asia/Shanghai');
    const s = base();
    s.site.timezone = 'europe/berlin';
    expect(siteSchema.parse(s).site.timezone).toBe('Europe/Berlin');
    s.site.timezone = 'UTC';
    expect(siteSchema.parse(s).site.timezone).toBe('UTC');
  });

  it.each(['Mars/Olympus_Mons', '+08:00', '', 'GMT+8x'])('refuses %j by its path', (tz) => {
    const s = base();
    s.site.timezone = tz;
    try {
      parseSite(s);
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems).toEqual([expect.stringMatching(/^site\.timezone: an IANA time zone name/)]);
    }
  });
});

describe('the overdue alarm names the due time on the site\'s wall clock', () => {
  const dirs: string[] = [];
  afterAll(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

  it('23:59 in Shanghai for a due time of 15:59Z, whatever the host\'s zone', async () => {
    const clock = new TestClock(at('2026-12-03T10:00:00Z'));
    const h = await openHarness({ clock });
    dirs.push(h.dir);
    try {
      const { ids } = intake(h.ctx, { count: 2 });
      const o = issue(h.ctx, { kind: 'retrieve', itemIds: [ids[0]], purpose: '出庭示证' });
      const due = '2026-12-03T15:59:00.000Z';
      const out = await h.call('operator', 'POST', `/items/${ids[0]}/retrieve`, { orderId: o.id, takenBy: 'ag-ts-01', condition: '完好', dueAt: due });
      expect(out.status, out.text).toBe(200);
      clock.t = at('2026-12-03T16:01:00Z');
      h.custody.tick();
      const alarms = (await h.call('operator', 'GET', `/alarms?kind=overdue_return&item=${ids[0]}`)).body.data;
      expect(alarms).toHaveLength(1);
      expect(alarms[0].message).toBe('华为手机 应于 2026年12月3日 23:59 归还，领取人：ag-ts-01');
      expect(alarms[0].details.dueAt).toBe(due);
      // An order whose window is over says when, on the same clock.
      const expired = issue(h.ctx, { kind: 'retrieve', itemIds: [ids[1]], validFrom: '2026-12-03T12:00:00Z', validUntil: '2026-12-03T15:30:00Z' });
      const r = await h.call('operator', 'POST', `/items/${ids[1]}/retrieve`, { orderId: expired.id, takenBy: 'op-02', condition: '完好', dueAt: '2026-12-05T00:00:00Z' });
      expect(r.body).toMatchObject({ code: 'ORDER_EXPIRED', details: { validUntil: '2026-12-03T15:30:00.000Z' } });
      expect(r.body.message).toContain('3 Dec 2026, 23:30 (Asia/Shanghai)');
      // The dashboards read the zone from these two answers and format every date in it.
      const health = await (await fetch(`${h.url}/api/health`)).json();
      expect(health.timezone).toBe('Asia/Shanghai');
      for (const u of ['operator', 'agency', 'discipline'] as const) {
        expect((await h.call(u, 'GET', '/me')).body.site).toMatchObject({ id: 'test-center', timezone: 'Asia/Shanghai' });
      }
    } finally {
      await h.close();
    }
  });

  it('the same instant in a site whose file says UTC reads 15:59', () => {
    const dir = tempDir();
    dirs.push(dir);
    const input = fixtureSiteInput(dir);
    const site = parseSite({ ...input, site: { ...input.site, timezone: 'UTC' } });
    const clock = new TestClock(at('2026-12-03T10:00:00Z'));
    const custody = new Custody({ site, dataDir: dir, siteKey: randomBytes(32), clock });
    try {
      const { ids } = intake(custody.ctx);
      const o = issue(custody.ctx, { kind: 'retrieve', itemIds: ids, purpose: '司法鉴定' });
      retrieve(custody.ctx, principal('operator'), ids[0], { orderId: o.id, takenBy: 'op-02', condition: '完好', dueAt: '2026-12-03T15:59:00.000Z' });
      clock.t = at('2026-12-03T16:01:00Z');
      custody.tick();
      const row = custody.db.prepare(`SELECT message FROM alarms WHERE kind = 'overdue_return' AND item_id = ?`).get(ids[0]) as { message: string };
      expect(row.message).toBe('华为手机 应于 2026年12月3日 15:59 归还，领取人：op-02');
    } finally {
      custody.close();
    }
  });
});
