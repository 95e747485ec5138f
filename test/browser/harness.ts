// Shared set-up for the browser suites: a real gateway on an ephemeral port with a temp data
// directory (the demo site, populated through the custody operations), Debian's chromium driven by
// playwright-core, and the screenshots folder.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Gateway } from '../../gateway/gateway.ts';
import { resolveSite, type ResolvedSite } from '../../gateway/site.ts';
import { createLogger } from '../../gateway/log.ts';
import type { Alarm } from '../../edge/alarms/alarm.ts';
import { demoDevicePlan } from '../../gateway/demo/devices.ts';
import { createScenario, type Scenario } from '../../firmware-sim/portal/scenario.ts';
import { findProgram, requireProgram } from '../helpers/programs.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCREENSHOTS = path.join(ROOT, 'test-artifacts', 'screenshots');

/** The Noto CJK fonts, without which every Chinese glyph is a box in the screenshots. */
function requireCjkFonts(): boolean {
  let found = false;
  if (findProgram('fc-list')) {
    try { found = /Noto Sans CJK/i.test(execFileSync('fc-list', { encoding: 'utf8' })); } catch { found = false; }
  }
  if (found) return true;
  const fix = 'apt-get install -y fonts-noto-cjk';
  if (process.env.CI === 'true') throw new Error(`The "Noto Sans CJK" fonts are missing; CI must install the Debian package "fonts-noto-cjk" (${fix})`);
  console.warn(`\n⚠️  SKIPPING browser tests: the "Noto Sans CJK" fonts are missing. Install them with: ${fix}\n`);
  return false;
}

/** True when chromium and the CJK fonts are there (throws on CI when they are not). */
export function browserTestsCanRun(): boolean {
  return requireProgram('chromium', 'chromium') && requireCjkFonts();
}

import { startDemoSerial } from '../../gateway/demo/serial.ts';

export interface Harness { gw: Gateway; url: string; browser: Browser; dataDir: string; readers: Scenario; close(): Promise<void> }

/** `site` changes the resolved demo site before the gateway starts (more devices, shorter delays). */
export async function startHarness(opts: { site?: (resolved: ResolvedSite) => void } = {}): Promise<Harness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dash-test-'));
  const resolved = await resolveSite([], { ...process.env, GATEWAY_DATA_DIR: dataDir });
  opts.site?.(resolved);
  const gw = new Gateway({ resolved, logger: createLogger('warn'), httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, simulate: false });
  const { url, mqttPort } = await gw.start();
  // The demo's simulated readers, signed in to the gateway's broker: online, and walking on demand.
  const plan = demoDevicePlan(gw.custody, `mqtt://127.0.0.1:${mqttPort}`);
  const readers = createScenario(plan.url, plan.description, { seed: 4, heartbeatMs: 2000 });
  await readers.start();
  // The demo's serial devices (shelf readers, the desk, load cells), as their own process.
  const serial = startDemoSerial(gw.custody, createLogger('warn'));
  const browser = await chromium.launch({
    executablePath: findProgram('chromium') ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    gw, url, browser, dataDir, readers,
    async close() {
      await browser.close().catch(() => {});
      await readers.stop().catch(() => {});
      // The demo's serial side clears its timers (which read the store) when it sees its child exit:
      // wait for that before the store closes, or a timer fires on a closed database.
      const exited = new Promise<void>((res) => {
        if (serial.exitCode !== null || serial.signalCode !== null) { res(); return; }
        serial.once('exit', () => res());
        setTimeout(res, 5_000).unref();
      });
      serial.kill('SIGTERM');
      await exited;
      await gw.stop().catch(() => {});
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A fresh browser context (its own sessionStorage) with a page, optionally signed in already; the browser is in the site's zone unless `timezoneId` says another. */
export async function openPage(h: Harness, opts: { token?: string; lang?: 'zh' | 'en'; viewport?: { width: number; height: number }; path?: string; timezoneId?: string } = {}): Promise<Page> {
  const context = await h.browser.newContext({ viewport: opts.viewport ?? { width: 1366, height: 768 }, locale: opts.lang === 'en' ? 'en-GB' : 'zh-CN', timezoneId: opts.timezoneId ?? 'Asia/Shanghai' });
  if (opts.lang) await context.addInitScript((l) => { localStorage.setItem('custody.lang', l); }, opts.lang);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[browser]', e.message));
  await page.goto(`${h.url}${opts.path ?? '/'}`);
  if (opts.token) await signIn(page, opts.token);
  return page;
}

export async function signIn(page: Page, token: string): Promise<void> {
  await page.fill('#token', token);
  await page.click('form.signin-card button[type=submit]');
  await page.waitForSelector('header.app-header [data-testid=user-role]');
}

export async function shot(page: Page, name: string): Promise<string> {
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.waitForTimeout(150);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/** GET an API path with a token, from the test process. */
export async function apiGet<T = any>(h: Harness, token: string, p: string): Promise<T> {
  const res = await fetch(`${h.url}/api/v1${p}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<T>;
}

/**
 * An item is carried through a gate with no order covering it: a simulated reader publishes the
 * walk's real Zebra/Impinj payloads on its MQTT topic; the gateway's portal and rules turn it into
 * an alarm. Returns that alarm once the API shows it.
 */
export async function unauthorisedCrossing(h: Harness, item: { id: string; epc: string; name: string; zoneId: string | null }, gateId = 'gate-main'): Promise<Alarm> {
  await h.readers.runWalk({ gateId, direction: 'out', staff: ['op-07'], items: [item.epc] });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = await apiGet<{ data: Alarm[] }>(h, 'demo-supervisor', `/alarms?kind=unauthorized_movement&item=${encodeURIComponent(item.id)}&state=open`);
    if (r.data[0]) return r.data[0];
    if (Date.now() > deadline) throw new Error(`no alarm for ${item.id} after its crossing of ${gateId}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
