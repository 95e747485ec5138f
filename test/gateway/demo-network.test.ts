// The demo is safe on a network: its tokens and device passwords are public, so the gateway started
// as `npm start` does (its own process, no site file) listens on 127.0.0.1 only, for HTTP and MQTT,
// unless GATEWAY_HTTP_HOST / GATEWAY_MQTT_HOST say otherwise; and its start banner names the
// addresses its sockets really have and says plainly that the tokens are public.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { requireProgram } from '../helpers/programs.ts';
import { waitFor } from '../helpers/wait.ts';
import { fixtureSiteInput } from '../helpers/custody-site.ts';
import { resolveSite } from '../../gateway/site.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
// One data folder for the file: the demo is populated once, by the first start; the tests run in turn.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-demo-net-'));
const BASE_ENV = { GATEWAY_DATA_DIR: dir, GATEWAY_HTTP_PORT: '0', GATEWAY_MQTT_PORT: '0', GATEWAY_SIMULATE: 'off', LOG_LEVEL: 'warn' };
const running = new Set<ChildProcess>();

/** The first IPv4 address of this machine that is not loopback: what another machine would connect to. */
const outside = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
if (!outside) console.warn('\n⚠️  This machine has no non-loopback IPv4 address: the "refused from outside" checks are SKIPPED.\n');

const exited = (c: ChildProcess) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r)));

async function start(env: Record<string, string> = {}): Promise<GatewayProcess> {
  const gw = await spawnGateway({ ...BASE_ENV, ...env });
  running.add(gw.child);
  return gw;
}

/** 'connected', or the error code of the attempt (ECONNREFUSED when nothing listens there). */
const connectOutcome = (host: string, port: number) => new Promise<string>((resolve) => {
  const s = net.connect({ host, port, timeout: 3_000 });
  s.once('connect', () => { s.destroy(); resolve('connected'); });
  s.once('timeout', () => { s.destroy(); resolve('timeout'); });
  s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
});

const portOf = (hostPort: string) => Number(/:(\d+)$/.exec(hostPort)![1]);

async function mqttSignsIn(host: string, port: number): Promise<boolean> {
  const client = await mqtt.connectAsync(`mqtt://${host}:${port}`, {
    username: 'rd-main', password: 'demo-rd-main', clientId: 'rd-main-net-test', protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000,
  });
  const ok = client.connected;
  await client.endAsync(true);
  return ok;
}

afterEach(async () => {
  for (const c of running) {
    c.kill('SIGKILL');
    await exited(c);
  }
  running.clear();
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('which hosts a site listens on', () => {
  const key = { TEST_SITE_KEY: 'ab'.repeat(32) };
  const siteFile = (extra: Record<string, unknown> = {}) => {
    const f = path.join(dir, `site-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(f, JSON.stringify({ ...fixtureSiteInput(path.join(dir, 'real')), ...extra }));
    return f;
  };

  it('the demo: 127.0.0.1 for HTTP and MQTT, unless the environment says otherwise', async () => {
    const demo = await resolveSite([], { GATEWAY_DATA_DIR: dir });
    expect([demo.site.http.host, demo.site.mqtt.host]).toEqual(['127.0.0.1', '127.0.0.1']);
    const open = await resolveSite([], { GATEWAY_DATA_DIR: dir, GATEWAY_HTTP_HOST: '0.0.0.0', GATEWAY_MQTT_HOST: '::' });
    expect([open.site.http.host, open.site.mqtt.host]).toEqual(['0.0.0.0', '::']);
  });

  it('a real site keeps its file\'s hosts (the schema default 0.0.0.0), and the environment still wins', async () => {
    const plain = await resolveSite(['--config', siteFile()], key);
    expect([plain.site.http.host, plain.site.mqtt.host]).toEqual(['0.0.0.0', '0.0.0.0']);
    const given = await resolveSite(['--config', siteFile({ http: { host: '10.1.2.3', port: 80 }, mqtt: { host: '10.1.2.4' } })], key);
    expect([given.site.http.host, given.site.mqtt.host]).toEqual(['10.1.2.3', '10.1.2.4']);
    const env = await resolveSite(['--config', siteFile()], { ...key, GATEWAY_MQTT_HOST: '127.0.0.1' });
    expect([env.site.http.host, env.site.mqtt.host]).toEqual(['0.0.0.0', '127.0.0.1']);
  });
});

describe('the demo on a network', () => {
  it('listens on 127.0.0.1 only, for HTTP and MQTT, and its banner names those addresses and says the tokens are public', async () => {
    const gw = await start();
    const { started } = gw;
    expect(started.demo).toBe(true);
    expect(started.http).toHaveLength(1);
    expect(started.http[0]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(started.mqtt).toMatchObject({ mode: 'embedded', address: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    expect(started.reachableBeyondThisMachine).toEqual([]);
    expect(started.msg).toMatch(/tokens .* are public: anyone who can reach these ports can use them/);
    expect(started.msg).toContain('this machine only');
    // Ports 0 were asked for: the banner shows the ones the sockets got.
    const httpPort = portOf(started.http[0]!);
    const mqttPort = portOf(started.mqtt.address);
    expect(httpPort).toBeGreaterThan(0);
    expect(mqttPort).toBeGreaterThan(0);
    expect(gw.http).toBe(`http://127.0.0.1:${httpPort}`);

    // The addresses are real: the API and the broker answer there.
    expect((await fetch(`${gw.http}/api/health`)).ok).toBe(true);
    expect(await mqttSignsIn('127.0.0.1', mqttPort)).toBe(true);
    if (outside) {
      expect(await connectOutcome(outside, httpPort)).toBe('ECONNREFUSED');
      expect(await connectOutcome(outside, mqttPort)).toBe('ECONNREFUSED');
    } else {
      console.warn('⚠️  SKIPPED: connecting from a non-loopback address (this machine has none).');
    }
    // Nothing secret in the log: the banner names the tokens' pattern, never a token.
    expect(gw.output()).not.toMatch(/demo-(operator|supervisor|agency|discipline|auditor|admin)\b/);
  }, 120_000);

  it('with GATEWAY_HTTP_HOST=0.0.0.0 and GATEWAY_MQTT_HOST=0.0.0.0 it listens on all interfaces, and the banner warns', async () => {
    const gw = await start({ GATEWAY_HTTP_HOST: '0.0.0.0', GATEWAY_MQTT_HOST: '0.0.0.0' });
    const { started } = gw;
    expect(started.http).toEqual([expect.stringMatching(/^0\.0\.0\.0:\d+$/)]);
    expect(started.mqtt.address).toMatch(/^0\.0\.0\.0:\d+$/);
    expect(started.reachableBeyondThisMachine).toEqual([expect.stringMatching(/^HTTP 0\.0\.0\.0:\d+ \(all interfaces\)$/), expect.stringMatching(/^MQTT 0\.0\.0\.0:\d+ \(all interfaces\)$/)]);
    expect(started.msg).toMatch(/are public.*reachable beyond this machine/);
    const httpPort = portOf(started.http[0]!);
    const mqttPort = portOf(started.mqtt.address);
    // A client on this machine is pointed at loopback, which a wildcard socket also serves.
    expect(gw.http).toBe(`http://127.0.0.1:${httpPort}`);
    if (outside) {
      expect((await fetch(`http://${outside}:${httpPort}/api/health`)).ok).toBe(true);
      expect(await mqttSignsIn(outside, mqttPort)).toBe(true);
    } else {
      console.warn('⚠️  SKIPPED: connecting from a non-loopback address (this machine has none).');
    }
  }, 120_000);

  it('GATEWAY_HTTP_HOST opens HTTP only: MQTT stays on loopback', async () => {
    const gw = await start({ GATEWAY_HTTP_HOST: '0.0.0.0' });
    expect(gw.started.http[0]).toMatch(/^0\.0\.0\.0:/);
    expect(gw.started.mqtt.address).toMatch(/^127\.0\.0\.1:/);
    expect(gw.started.reachableBeyondThisMachine).toEqual([expect.stringMatching(/^HTTP /)]);
    if (outside) expect(await connectOutcome(outside, gw.mqttPort)).toBe('ECONNREFUSED');
  }, 120_000);

  it('a host that is no address is refused at start, naming the variable', async () => {
    await expect(start({ GATEWAY_HTTP_HOST: 'not a host' })).rejects.toThrow(/GATEWAY_HTTP_HOST must be an IP address or a host name/);
  }, 60_000);

  // `script` gives the gateway a terminal for its stdout, as `npm start` in a shell has.
  it.runIf(requireProgram('script', 'bsdutils'))('on a terminal the banner is plain lines standing on their own, with the real addresses', async () => {
    const child = spawn('script', ['-qfec', `exec ${process.execPath} --import tsx gateway/main.ts`, '/dev/null'], {
      cwd: ROOT, env: { ...process.env, ...BASE_ENV }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    running.add(child);
    let out = '';
    child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
    const text = await waitFor(async () => /demo-admin/.test(out) && out.replace(/\r/g, ''), 90_000);
    const lines = text.split('\n');
    const top = lines.findIndex((l) => l.includes('涉案财物管理中心 gateway'));
    const bottom = lines.findIndex((l) => /^\s+admin\s+demo-admin$/.test(l));
    expect(top).toBeGreaterThan(0);
    expect(lines[top - 1]).toBe('');
    const banner = lines.slice(top, bottom + 1);
    expect(banner.some((l) => l.trimStart().startsWith('{'))).toBe(false);
    const listening = banner.find((l) => l.trimStart().startsWith('listening'))!;
    const m = /HTTP 127\.0\.0\.1:(\d+), MQTT 127\.0\.0\.1:(\d+)$/.exec(listening);
    expect(m, listening).not.toBeNull();
    expect(banner.join('\n')).toMatch(/tokens .* are public: anyone who can reach these ports can use them/);
    expect(banner.join('\n')).toContain('this machine only');
    // The ports printed are the ones that answer.
    expect((await fetch(`http://127.0.0.1:${m![1]}/api/health`)).ok).toBe(true);
    expect(await mqttSignsIn('127.0.0.1', Number(m![2]))).toBe(true);
    // The gateway is script's child: a clean stop through its lock file's pid, then script ends.
    const pid = Number(fs.readFileSync(path.join(dir, 'gateway.lock'), 'utf8'));
    process.kill(pid, 'SIGTERM');
    await exited(child);
  }, 120_000);
});
