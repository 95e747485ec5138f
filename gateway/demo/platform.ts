// The demo's city platform: the simulated platform (firmware-sim/platform, its own process and its
// own SQLite file, knowing nothing of the gateway's sync code) on an ephemeral loopback port, with a
// secret made once in the data folder. The demo site is pointed at it before the custody core
// opens, so that the Sync page is alive on the first start.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Site } from '../../edge/site/schema.ts';
import type { Logger } from '../log.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEMO_KEY_ID = 'demo-gateway';
/** Where the demo leaves its platform's address and secret, for `npm run verify -- --platform`. */
export const DEMO_URL_FILE = 'platform-demo.url';
export const DEMO_SECRET_FILE = 'platform-demo.secret';
/** The variable the demo's site names for its secret; set for the gateway and the simulator from the file below. */
export const DEMO_SECRET_ENV = 'GATEWAY_PLATFORM_SECRET';
const STARTUP_LIMIT_MS = 30_000;

export interface DemoPlatform { child: ChildProcess; url: string; secret: string }

/**
 * Where `npm run verify -- --platform` finds the demo's platform. Written once this gateway holds
 * the data folder: a second gateway refused on it must not point the file at its own platform.
 */
export function recordDemoPlatform(dataDir: string, url: string): void {
  fs.writeFileSync(path.join(dataDir, DEMO_URL_FILE), url);
}

export async function startDemoPlatform(site: Site, logger: Logger): Promise<DemoPlatform | null> {
  const log = logger.child({ part: 'platform-sim' });
  fs.mkdirSync(site.dataDir, { recursive: true });
  const secretFile = path.join(site.dataDir, DEMO_SECRET_FILE);
  if (!fs.existsSync(secretFile)) fs.writeFileSync(secretFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  const secret = process.env[DEMO_SECRET_ENV] || fs.readFileSync(secretFile, 'utf8').trim();
  const seedFile = path.join(site.dataDir, 'platform-demo-seed.json');
  fs.writeFileSync(seedFile, JSON.stringify({ sites: [{ id: site.site.id, keyId: DEMO_KEY_ID, secretEnv: 'DEMO_PLATFORM_SECRET' }] }, null, 2));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'firmware-sim', 'platform', 'main.ts'),
    '--seed', seedFile, '--db', path.join(site.dataDir, 'platform-sim.db'), '--port', '0', '--exit-with-parent'], {
    cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe', 'ipc'], env: { ...process.env, DEMO_PLATFORM_SECRET: secret },
  });
  child.stderr!.on('data', (b: Buffer) => log.debug(b.toString().trim()));
  const url = await new Promise<string | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), STARTUP_LIMIT_MS);
    readline.createInterface({ input: child.stdout! }).on('line', (l) => {
      const m = /listening on (http:\/\/\S+)/.exec(l);
      if (m) { clearTimeout(timer); resolve(m[1]!); } else log.info(l.replace(/^\[platform-sim\] /, ''));
    });
    child.on('exit', () => { clearTimeout(timer); resolve(null); });
  });
  child.on('exit', (code, signal) => { if (code) log.warn({ code, signal }, 'the simulated city platform stopped'); });
  if (!url) {
    log.error({}, 'the simulated city platform did not start; the demo runs without it (the ledger keeps everything)');
    child.kill('SIGKILL');
    return null;
  }
  log.info({ url, childPid: child.pid }, 'simulated city platform started');
  site.platform = {
    url, keyId: DEMO_KEY_ID, secretEnv: DEMO_SECRET_ENV, pollIntervalMs: 10_000, timeoutMs: 10_000, drainEventsPerSecond: 5_000,
    retryBaseMs: 1_000, retryMaxMs: 30_000, inventoryIntervalMs: 600_000, environmentIntervalMs: 600_000,
  };
  return { child, url, secret };
}
