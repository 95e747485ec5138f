// The Environment page in headless Chromium against a real demo gateway. The demo's cold-store
// transmitter answers on the simulated Modbus bus, so its values come the whole real way; its OPC
// UA monitoring cabinets have no server in this test, so their link is down with a real error.
// The general store and the vault get monitors of the test's own instead of the demo's (whose values
// drift with the simulated weather), fed through custody.observe, with two days of raw history and
// a month of minutes; the general store's delay is two seconds, so that its temperature out of
// limits becomes an alarm (an excursion) in the test.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { deviceSchema } from '../../edge/site/schema.ts';
import { apiGet, browserTestsCanRun, openPage, shot, startHarness, SCREENSHOTS, type Harness } from './harness.ts';

const ready = browserTestsCanRun();
const MONITORS = [
  { id: 'env-gn', name: '一般物品库温湿度', zoneId: 'general', address: 20 },
  { id: 'env-vl', name: '贵重物品库温湿度', zoneId: 'valuables', address: 21 },
];
/** The demo's transmitters these replace. */
const REPLACED = ['th-gn', 'th-vl'];
/** Where the demo's monitors are looked for (a port chosen per run): read off the site once the harness is up. */
let OPCUA_SERVER = '';
const HOUR = 3_600_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A panel at the top of the window, under the sticky header, as a click on a tile puts it (without the smooth scroll's wait). */
const scrollToPanel = (p: Page, testid: string) => p.locator(`[data-testid=${testid}]`).evaluate((el) => {
  window.scrollTo({ top: el.getBoundingClientRect().top + window.scrollY - (document.querySelector('header.app-header') as HTMLElement).offsetHeight - 8, behavior: 'instant' });
});
/** The whole page, for the eye: the tiles, the charts and the excursions at once. */
const fullShot = async (p: Page, name: string) => {
  await p.evaluate(() => window.scrollTo({ top: 0, behavior: 'instant' })); // else the sticky header lands mid-page
  await p.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
};
/** The page never scrolls sideways. */
const fitsWidth = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
/** Polls `f` until it returns something, or fails with `what`. */
async function until<T>(what: string, f: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(250);
  }
}

describe.skipIf(!ready)('the Environment page in a real browser', () => {
  let h: Harness;
  const observe = (deviceId: string, zoneId: string, metric: string, value: number) => {
    const r = h.gw.custody.observe({ type: 'env', deviceId, zoneId, metric, value, at: Date.now() });
    expect(r.ok, JSON.stringify(r)).toBe(true);
  };

  beforeAll(async () => {
    h = await startHarness({
      site: ({ site }) => {
        for (const id of REPLACED) {
          const at = site.devices.findIndex((d) => d.id === id);
          if (at < 0) throw new Error(`the demo has no ${id} any more: see what this test replaces`);
          site.devices.splice(at, 1);
        }
        for (const m of MONITORS) site.devices.push(deviceSchema.parse({ ...m, kind: 'env_monitor', protocol: 'modbus', port: 'com-scales', profile: 'xy-md02', heartbeatSeconds: 30 }));
        // Seconds, not the five minutes of the demo: the test waits for the alarm.
        for (const z of site.zones) if (z.id === 'general' || z.id === 'hazardous') z.environment.delaySeconds = 2;
      },
    });
    const { custody } = h.gw;
    const endpoint = custody.ctx.site.devices.find((d) => d.id === 'opcua-hz')!.opcua!.endpoint;
    OPCUA_SERVER = endpoint.replace(/^opc\.tcp:\/\//, '');
    // Two days of raw values every 10 s, and the month before them in one-minute steps, for the
    // general store: a daily swing, and an afternoon 20 hours ago when the temperature went to 30 °C.
    const now = Date.now();
    const temp = (t: number) => 21 + 2.5 * Math.sin((2 * Math.PI * t) / (24 * HOUR)) + (Math.abs(t - (now - 20 * HOUR)) < 20 * 60_000 ? 8 : 0);
    const hum = (t: number) => 50 + 6 * Math.cos((2 * Math.PI * t) / (24 * HOUR));
    for (let t = now - 30 * 24 * HOUR; t < now - 48 * HOUR; t += 60_000) {
      custody.history.add('general', 'temperature', t, temp(t));
      custody.history.add('general', 'humidity', t, hum(t));
    }
    for (let t = now - 48 * HOUR + 10_000; t < now - 5_000; t += 10_000) {
      custody.history.add('general', 'temperature', t, Math.round(temp(t) * 10) / 10);
      custody.history.add('general', 'humidity', t, Math.round(hum(t) * 10) / 10);
    }
    custody.history.flush();

    // The demo's own: the cold store's transmitter heard over the bus, the hazardous store's cabinet told unreachable.
    const devices = async () => (await apiGet(h, 'demo-admin', '/devices')).data as any[];
    const cold = await until('the cold store\'s transmitter online with a reading', async () => {
      const d = (await devices()).find((x) => x.id === 'th-cd');
      const zone = (await apiGet(h, 'demo-admin', '/environment')).zones.find((z: any) => z.id === 'cold');
      return d?.state === 'online' && d.link && zone.readings.length ? d : null;
    });
    await until('the hazardous store\'s OPC UA cabinet offline with its error', async () => {
      const d = (await devices()).find((x) => x.id === 'opcua-hz');
      return d?.state === 'offline' && d.link?.lastError ? d : null;
    });
    // The test's monitors on the same bus are online on its link (no such units answer on the
    // simulated bus: their state is told here, as the gateway tells it of a monitor that answers).
    for (const m of MONITORS) {
      const r = custody.observe({ type: 'device', deviceId: m.id, state: 'online', reason: 'reads', at: Date.now(), accepted: 1, rejected: {}, readsPerSecond: 0.5, lastHeard: Date.now(), link: cold.link });
      expect(r.ok).toBe(true);
    }
    // An excursion that ended (opened, then back inside for the delay), then one that goes on.
    observe('env-gn', 'general', 'humidity', 52);
    observe('env-gn', 'general', 'temperature', 30.2);
    await sleep(2_300);
    observe('env-gn', 'general', 'temperature', 31.6);
    observe('env-gn', 'general', 'temperature', 22.4);
    await sleep(2_300);
    observe('env-gn', 'general', 'temperature', 22.1);
    observe('env-gn', 'general', 'temperature', 31.0);
    await sleep(2_300);
    observe('env-gn', 'general', 'temperature', 31.4);
    // Humid but not for the delay yet (five minutes here): out of limits, no alarm.
    observe('env-vl', 'valuables', 'temperature', 22.5);
    observe('env-vl', 'valuables', 'humidity', 63);
    // The hazardous store's cabinet said these before its server went away: smoke (an alarm at once), the door shut, no water.
    for (const [metric, value] of [['temperature', 19.8], ['humidity', 44], ['smoke', 1], ['water', 0], ['door', 0]] as const) observe('opcua-hz', 'hazardous', metric, value);
  }, 180_000);
  afterAll(async () => { await h?.close(); });

  it('serves the charting library from node_modules: the whitelisted files only, revalidated by ETag', async () => {
    const js = await fetch(`${h.url}/vendor/uplot/uPlot.iife.min.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('text/javascript');
    expect(await js.text()).toContain('uPlot');
    const etag = js.headers.get('etag')!;
    expect((await fetch(`${h.url}/vendor/uplot/uPlot.iife.min.js`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(`${h.url}/vendor/uplot/uPlot.min.css`)).headers.get('content-type')).toContain('text/css');
    // Nothing else of node_modules, however it is asked for.
    for (const p of ['/vendor/uplot/dist/uPlot.esm.js', '/vendor/uplot/package.json', '/vendor/fastify/package.json', '/vendor/uplot/%2e%2e/%2e%2e/package.json', '/vendor/', '/vendor/constructor']) {
      const r = await fetch(`${h.url}${p}`);
      expect(r.status, p).toBe(404);
      expect(await r.text(), p).not.toContain('"dependencies"');
    }
  });

  it('shows every zone as a tile coloured by its worst level, with values, limits, the age of the last value and the monitor\'s link', async () => {
    const now = await apiGet(h, 'demo-supervisor', '/environment');
    const general = now.zones.find((z: any) => z.id === 'general');
    expect(general.readings.find((r: any) => r.metric === 'temperature')).toMatchObject({ value: 31.4, level: 'warning' });

    const page = await openPage(h, { token: 'demo-supervisor', path: '/environment' });
    await page.waitForSelector('[data-testid=env-tile-general]');
    const levels = await page.locator('.env-tile').evaluateAll((els) => Object.fromEntries(els.map((e) => [(e as HTMLElement).dataset.zone, [(e as HTMLElement).dataset.level, getComputedStyle(e).backgroundColor]])));
    expect(levels.general).toEqual(['warning', 'rgb(217, 72, 15)']);
    expect(levels.valuables).toEqual(['out', 'rgb(242, 182, 0)']);
    expect(levels.hazardous).toEqual(['critical', 'rgb(198, 40, 40)']);
    expect(levels.cold).toEqual(['ok', 'rgb(30, 123, 58)']);
    expect(levels.firearms?.[0]).toBe('none'); // limits but no monitor: grey, "no reading yet"
    expect(levels.restricted, 'the commission\'s zone is not the supervisor\'s to see').toBeUndefined();

    const gn = (await page.locator('[data-testid=env-tile-general]').textContent())!;
    expect(gn).toContain('一般物品库');
    expect(gn).toContain('31.4 °C');
    expect(gn).toContain('超限告警');
    expect(gn).toContain('限值 10–28 °C');
    expect(gn).toContain('52 %RH');
    expect(gn).toMatch(/最新读数 (现在|\d+\s*秒钟?前)/);
    expect(gn).toContain('一般物品库温湿度 · 在线');
    // The cold store's values came over the simulated RS-485 bus: its transmitter is online on its port.
    const cd = (await page.locator('[data-testid=env-tile-cold]').textContent())!;
    expect(cd).toMatch(/温度-\d+(\.\d)? °C限值 -25 – -15 °C/);
    expect(cd).toContain('正常');
    expect(cd).toMatch(/冷藏库温度传感器 · 在线 · 串口 \S+gw-com-scales/);
    const vl = (await page.locator('[data-testid=env-tile-valuables]').textContent())!;
    expect(vl).toContain('超出限值');
    expect(vl).toContain('63 %RH');
    const hz = (await page.locator('[data-testid=env-tile-hazardous]').textContent())!;
    expect(hz).toContain('严重超限');
    expect(hz).toMatch(/烟感\s*报警/);
    expect(hz).toMatch(/水浸\s*正常/);
    expect(hz).toMatch(/库门\s*关闭/);
    // The link's error in words a field engineer acts on; the gateway's own sentence only on hover.
    const monitor = page.locator('[data-testid=env-monitor-opcua-hz]');
    expect(await monitor.getAttribute('data-state')).toBe('offline');
    expect(await monitor.textContent()).toContain(`危险品库环境监控柜 · 离线 · 连不上 OPC UA 服务器 ${OPCUA_SERVER}：请检查监控柜是否通电`);
    expect(await monitor.getAttribute('title')).toMatch(/^cannot reach opc\.tcp:/);
    expect(await page.locator('[data-testid=env-tiles]').textContent()).not.toMatch(/temperature|humidity|smoke|warning|critical|open_failed|cannot reach|opc\.tcp|env-gn|th-cd|\d{4}-\d{2}-\d{2}T/);
    await shot(page, '18-environment');

    // Live: a new value shows within the 5 s refresh, without a reload.
    observe('env-vl', 'valuables', 'temperature', 23.7);
    await page.locator('[data-testid=env-tile-valuables]:has-text("23.7 °C")').waitFor({ timeout: 8_000 });
    await page.context().close();
  }, 60_000);

  it('opens a zone below its tile: the trend with its limit band, the range switch and the resolution served, the excursions, and the monthly log', async () => {
    const page = await openPage(h, { token: 'demo-supervisor', path: '/environment' });
    await page.click('[data-testid=env-tile-general]');
    expect(new URL(page.url()).pathname).toBe('/environment/general');
    const temp = page.locator('figure.env-chart[data-metric=temperature]');
    await temp.locator('canvas').first().waitFor();
    expect(await page.locator('figure.env-chart').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.metric))).toEqual(['temperature', 'humidity']);
    // 24 h of values every 10 s: raw, as the gateway serves it under its point cap.
    expect(await temp.getAttribute('data-resolution')).toBe('raw');
    expect(Number(await temp.getAttribute('data-points'))).toBeGreaterThan(8_000);
    expect(await page.textContent('[data-testid=env-resolution]')).toContain('显示：每个读数');
    expect(await temp.textContent()).toContain('限值 10–28 °C');
    const drawn = await canvasColours(page, 'temperature');
    expect(drawn.allowed, 'the allowed range shaded green').toBeGreaterThan(5_000);
    expect(drawn.limitRows, 'the two limits as red lines across the plot').toBeGreaterThanOrEqual(2);
    expect(drawn.line, 'the line').toBeGreaterThan(200);

    // Excursions: the one that ended and the one going on, newest first, with words and a link each.
    const rows = page.locator('[data-testid=env-excursion-table] tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(2);
    const first = (await rows.nth(0).textContent())!;
    expect(first).toContain('仍在持续');
    expect(first).toContain('最高 31.4 °C（上限 28 °C）');
    expect(first).toContain('警告');
    const second = (await rows.nth(1).textContent())!;
    expect(second).toMatch(/持续 \d+秒/);
    expect(second).toContain('最高 31.6 °C（上限 28 °C）');
    expect(await page.textContent('[data-testid=env-excursions]')).not.toMatch(/temperature|warning|resolved|\d{4}-\d{2}-\d{2}T/);
    await scrollToPanel(page, 'env-trend');
    await shot(page, '18b-environment-zone');
    await fullShot(page, '18h-environment-zone-full');

    // The range switch asks again, with the resolution each range needs, and says which was served.
    for (const [range, res, words, min, max] of [['7d', '1h', '每小时', 150, 170], ['30d', '1h', '每小时', 700, 722], ['48h', 'raw', '每个读数', 17_000, 17_400]] as const) {
      await page.click(`[data-testid=env-range] button[data-range="${range}"]`);
      await page.locator(`figure.env-chart[data-metric=temperature][data-resolution="${res}"]`).waitFor();
      const n = Number(await temp.getAttribute('data-points'));
      expect(n, range).toBeGreaterThanOrEqual(min);
      expect(n, range).toBeLessThanOrEqual(max);
      expect(await page.textContent('[data-testid=env-resolution]')).toContain(words);
      expect(await page.getAttribute(`[data-testid=env-range] button[data-range="${range}"]`, 'aria-pressed')).toBe('true');
      expect(new URL(page.url()).searchParams.get('range')).toBe(range);
      if (range === '7d') { await scrollToPanel(page, 'env-trend'); await shot(page, '18c-environment-7d'); }
    }
    expect((await canvasColours(page, 'temperature')).allowed).toBeGreaterThan(5_000);

    // This month's 温湿度 log, through fetch with the token (never in a URL).
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=env-csv]')]);
    expect(download.suggestedFilename()).toMatch(/^温湿度记录-一般物品库-\d{4}-\d{2}\.csv$/);
    const csv = fs.readFileSync((await download.path())!);
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = csv.toString('utf8');
    expect(text).toContain('温湿度记录');
    expect(text).toContain('超限记录');

    // An excursion's link opens its alarm.
    await rows.nth(0).locator('a').click();
    await page.waitForSelector('[data-testid=alarm-fields]');
    const alarm = (await page.textContent('main'))!;
    expect(alarm).toContain('环境异常');
    expect(alarm).toContain('温度：最高 31.4 °C（上限 28 °C）');
    await shot(page, '18g-environment-alarm');

    // The language switch redraws the zone in English where it is, charts and all.
    await page.goBack();
    await page.locator('figure.env-chart[data-metric=temperature] canvas').first().waitFor();
    await page.click('[data-testid=lang-switch]');
    await page.locator('[data-testid=env-trend] h2:text("General store: trend")').waitFor();
    await page.locator('figure.env-chart[data-metric=temperature] canvas').first().waitFor();
    expect(await page.textContent('figure.env-chart[data-metric=temperature] figcaption')).toContain('Temperature (°C) · limit 10–28 °C');
    await page.context().close();
  }, 90_000);

  it('says each kind of link fault in words a field engineer acts on', async () => {
    const page = await openPage(h, { token: 'demo-supervisor', path: '/environment' });
    await page.waitForSelector('[data-testid=env-tiles]');
    const link = (lastError: string | null, extra = {}) => ({ transport: 'serial', target: '/dev/ttyUSB0', state: 'down', reconnects: 0, lastError, ...extra });
    const cases = [
      [{ state: 'offline', link: link('open_failed: Error: Permission denied, cannot open /dev/ttyUSB0') }, '离线 · 无法打开串口 /dev/ttyUSB0：没有权限，网关的运行用户需加入 dialout 组'],
      [{ state: 'offline', link: link('open_failed: connect ECONNREFUSED 10.0.0.5:4001', { transport: 'tcp', target: 'tcp://10.0.0.5:4001' }) }, '离线 · 无法打开串口服务器 10.0.0.5:4001：串口服务器拒绝连接，请检查其 IP 地址、端口和 TCP 服务器模式'],
      [{ state: 'offline', link: link('read_error: Error: EIO: i/o error, read', { reconnects: 3 }) }, '离线 · 串口 /dev/ttyUSB0 读取出错：读写出错，USB 转换器可能已被拔出 · 已重连 3 次'],
      [{ state: 'offline', link: link('silence: no byte for 12 s while asking') }, '离线 · 串口 /dev/ttyUSB0 上的设备没有应答：请检查设备电源、RS-485 接线（A/B）和设备地址'],
      [{ state: 'offline', link: link(null, { state: 'open' }) }, '离线 · 设备没有应答（串口 /dev/ttyUSB0 正常），请检查设备电源、接线和地址'],
      [{ state: 'online', link: link(null, { state: 'open' }) }, '在线 · 串口 /dev/ttyUSB0'],
      [{ state: 'offline', link: link('cannot reach opc.tcp://10.0.0.9:4840/ua (attempt 3, next in 4000 ms)', { transport: 'opcua', target: 'opc.tcp://10.0.0.9:4840/ua' }) },
        '离线 · 连不上 OPC UA 服务器 10.0.0.9:4840/ua：请检查监控柜是否通电、网线和站点文件中的端点地址'],
      [{ state: 'offline', link: link('the server refused the gateway\'s certificate (BadCertificateUntrusted): have it trust /data/opcua/pki/own/certs/gw.pem', { transport: 'opcua', target: 'opc.tcp://10.0.0.9:4840/ua' }) },
        '离线 · OPC UA 服务器 10.0.0.9:4840/ua 不信任网关的证书：请在服务器上信任网关的证书'],
    ] as const;
    const said = await page.evaluate(`(async () => {
      const { monitorState } = await import('/env-text.js');
      return ${JSON.stringify(cases.map((c) => c[0]))}.map((d) => monitorState(d).text);
    })()`) as string[];
    expect(said).toEqual(cases.map((c) => c[1]));
    await page.context().close();
  });

  it('shows the commission\'s zone to the discipline role only', async () => {
    const page = await openPage(h, { token: 'demo-discipline', path: '/environment' });
    await page.waitForSelector('[data-testid=env-tile-restricted]');
    expect(await page.getAttribute('[data-testid=env-tile-restricted]', 'data-level')).toBe('none');
    expect(await page.textContent('[data-testid=env-tile-restricted]')).toContain('纪委监委专区');
    await page.context().close();
  });

  it('reads in English, and fits a phone', async () => {
    const en = await openPage(h, { token: 'demo-supervisor', lang: 'en', path: '/environment/hazardous' });
    await en.waitForSelector('[data-testid=env-tile-hazardous]');
    const tiles = (await en.textContent('[data-testid=env-tiles]'))!;
    expect(tiles).toContain('Hazardous and narcotics store');
    expect(tiles).toMatch(/Smoke\s*Alarm/);
    expect(tiles).toMatch(/Door\s*Closed/);
    expect(tiles).toContain('Critical');
    expect(tiles).toContain(`Offline · cannot reach OPC UA server ${OPCUA_SERVER}: check that the cabinet has power`);
    expect(tiles).toMatch(/Last value (now|\d+ seconds? ago)/);
    // The monitors' names are the site file's, in Chinese only; every other word is English.
    const names = (await apiGet(h, 'demo-admin', '/devices')).data.map((d: any) => d.name).filter(Boolean) as string[];
    const words = names.reduce((text, n) => text.replaceAll(n, ''), tiles);
    expect(words).not.toMatch(/\p{Script=Han}|smoke\b|open_failed/u);
    await en.locator('figure.env-chart[data-metric=temperature] canvas').first().waitFor();
    const zone = (await en.textContent('[data-testid=env-zone]'))!;
    expect(zone).toContain('Hazardous and narcotics store: trend');
    expect(zone).toContain('Smoke detected');
    expect(zone).toContain('Still going');
    expect(zone).not.toMatch(/温度|每个读数|超限|\d{4}-\d{2}-\d{2}T/);
    await shot(en, '18d-environment-en');
    await fullShot(en, '18i-environment-en-full');
    // The Operations page says an environment alarm in the same words, not in the gateway's Chinese sentence.
    const alarms = await apiGet(h, 'demo-supervisor', '/alarms?kind=environment&state=open');
    const smoke = alarms.data.find((a: any) => a.zoneId === 'hazardous');
    await en.goto(`${h.url}/operations`);
    const card = en.locator(`[data-alarm-id="${smoke.id}"]`);
    await card.waitFor();
    const text = (await card.textContent())!;
    expect(text).toContain('Smoke detected');
    expect(text).toContain('Hazardous and narcotics store');
    expect(text).not.toContain('烟感报警');
    await en.context().close();

    const phone = await openPage(h, { token: 'demo-supervisor', viewport: { width: 390, height: 844 }, path: '/environment' });
    await phone.waitForSelector('[data-testid=env-tile-general]');
    expect(await fitsWidth(phone)).toBe(true);
    await shot(phone, '18e-environment-phone');
    await phone.click('[data-testid=env-tile-general]');
    await phone.locator('figure.env-chart[data-metric=temperature] canvas').first().waitFor();
    expect(await fitsWidth(phone)).toBe(true);
    // The chart is as wide as the phone lets it be, not wider.
    const w = await phone.locator('figure.env-chart[data-metric=temperature] canvas').first().evaluate((c) => c.getBoundingClientRect().right);
    expect(w).toBeLessThanOrEqual(390);
    await scrollToPanel(phone, 'env-trend');
    await shot(phone, '18f-environment-phone-zone');
    await fullShot(phone, '18j-environment-phone-full');
    await phone.context().close();
  }, 60_000);
});

/**
 * What the chart's canvas shows, read from its pixels: the allowed range's green tint, rows where a
 * red limit line crosses the whole plot, and the blue line.
 */
async function canvasColours(page: Page, metric: string): Promise<{ allowed: number; limitRows: number; line: number }> {
  return page.locator(`figure.env-chart[data-metric=${metric}] canvas`).first().evaluate((c) => {
    const canvas = c as HTMLCanvasElement;
    const { width, height } = canvas;
    const px = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
    let allowed = 0;
    let line = 0;
    let limitRows = 0;
    for (let y = 0; y < height; y++) {
      let red = 0;
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 4;
        const [r, g, b, a] = [px[i]!, px[i + 1]!, px[i + 2]!, px[i + 3]!];
        if (a > 0 && a < 60 && g > r && g > b) allowed++; // the green tint, on a transparent canvas
        if (a > 200 && r > 150 && g < 90 && b < 90) red++;
        if (a > 200 && b > 180 && r < 90) line++;
      }
      if (red > width * 0.3) limitRows++;
    }
    return { allowed, limitRows, line };
  });
}
