// Shared by the MQTT suites: a small site, device clients (mqtt.js and Mosquitto's own CLI
// tools), a recorder of what a link hands the gateway, and a Mosquitto started for a test.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { pino, type Logger } from 'pino';
import { siteSchema, type Site } from '../../edge/site/schema.ts';
import { hashPassword } from '../../gateway/mqtt/password.ts';
import { mosquittoConf, writeMosquittoFiles } from '../../gateway/mqtt/mosquitto-files.ts';
import type { BrokerLink, DeviceMessage, DeviceState } from '../../gateway/mqtt/link.ts';
import { findProgram } from '../helpers/programs.ts';

export const SITE_ID = 'site-1';
/** portal-1 has no clearance; panel-2 is cleared for the restricted zone "vault". */
export const DEVICE_IDS = ['portal-1', 'panel-2', 'portal-3', 'flooder'] as const;
export const passwordOf = (id: string) => `pw of ${id} ✓`;

export async function makeSite(mqttSection: Record<string, unknown> = { mode: 'embedded', host: '127.0.0.1', port: 0 }): Promise<Site> {
  const devices = await Promise.all(DEVICE_IDS.map(async (id) => ({
    id,
    kind: 'rfid_reader',
    format: 'zebra',
    passwordHash: await hashPassword(passwordOf(id)),
    clearances: id === 'panel-2' ? ['vault'] : id === 'portal-1' ? ['store'] : [],
  })));
  devices.push({ id: 'nopass', kind: 'rfid_reader', format: 'zebra', clearances: [] } as never);
  return siteSchema.parse({
    site: { id: SITE_ID, name: '涉案财物管理中心 test' },
    mqtt: mqttSection,
    zones: [
      { id: 'store', name: 'Store', kind: 'general' },
      { id: 'vault', name: 'Vault', kind: 'restricted' },
    ],
    agencies: [{ id: 'op', name: 'Operator', kind: 'operator' }],
    categories: [{ id: 'misc', name: 'Misc' }],
    devices,
  });
}

/** A pino logger that keeps its lines, to assert what was (and was not) logged. */
export function memoryLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
  return { logger, lines };
}

export function waitFor<T>(probe: () => T | undefined | false, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      let v: T | undefined | false;
      try {
        v = probe();
      } catch (e) {
        return reject(e);
      }
      if (v !== undefined && v !== false) return resolve(v);
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Everything a link hands the gateway, in order. */
export class Recorder {
  readonly messages: DeviceMessage[] = [];
  readonly states: { deviceId: string; state: DeviceState; at: number }[] = [];
  constructor(link: BrokerLink) {
    link.onMessage((m) => this.messages.push(m));
    link.onDeviceState((deviceId, state, at) => this.states.push({ deviceId, state, at }));
  }

  message(pred: (m: DeviceMessage) => boolean, timeoutMs = 5_000): Promise<DeviceMessage> {
    return waitFor(() => this.messages.find(pred), timeoutMs, 'a message from the link');
  }

  state(deviceId: string, state: DeviceState, timeoutMs = 5_000) {
    return waitFor(() => this.states.find((s) => s.deviceId === deviceId && s.state === state), timeoutMs, `${deviceId} ${state}`);
  }
}

// ---- device clients ----

export interface DeviceClientOptions extends Partial<IClientOptions> {
  id: string;
  password?: string;
  clientId?: string;
}

/** An mqtt.js device, MQTT 3.1.1, no automatic reconnect. */
export function connectDevice(port: number, o: DeviceClientOptions): Promise<MqttClient> {
  const { id, password, clientId, ...rest } = o;
  return mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    protocolVersion: 4,
    username: id,
    password: password ?? passwordOf(id),
    clientId: clientId ?? `${id}-test`,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    ...rest,
  });
}

/** The CONNACK refusal code of a connection attempt, or 0 when it was accepted. */
export async function connackCode(port: number, o: DeviceClientOptions): Promise<number> {
  try {
    const c = await connectDevice(port, o);
    await c.endAsync();
    return 0;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw e;
  }
}

/** SUBACK codes, one per filter (mqtt.js rejects the whole call when any is 0x80). */
export function subscribeGranted(c: MqttClient, filters: string | string[], qos: 0 | 1 = 1): Promise<number[]> {
  const list = Array.isArray(filters) ? filters : [filters];
  return c.subscribeAsync(list, { qos }).then(
    (granted) => granted.map((g) => g.qos),
    (err: Error & { packet?: { granted?: number[] } }) => {
      if (err.packet?.granted) return err.packet.granted;
      throw err;
    },
  );
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Children still running when the test process exits are killed, whatever the test did. */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});
function track(c: ChildProcess): ChildProcess {
  children.add(c);
  c.once('exit', () => children.delete(c));
  return c;
}

function run(cmd: string, args: string[], timeoutMs = 10_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    track(p);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Mosquitto's own client, publishing as a device would. */
export function mosquittoPub(port: number, o: { id: string; password?: string; clientId?: string; topic: string; message: string; qos?: 0 | 1 }): Promise<Run> {
  return run('mosquitto_pub', [
    '-h', '127.0.0.1', '-p', String(port), '-V', 'mqttv311',
    '-u', o.id, '-P', o.password ?? passwordOf(o.id), '-i', o.clientId ?? `${o.id}-pub`,
    '-t', o.topic, '-m', o.message, '-q', String(o.qos ?? 1),
  ]);
}

export interface CliSubscriber {
  /** Resolves once the broker answered the SUBSCRIBE. */
  subscribed: Promise<void>;
  /** `topic payload` lines received so far. */
  received: string[];
  stop(): void;
}

/** mosquitto_sub as a device: `-d` tells us when the SUBACK came. */
export function mosquittoSub(port: number, o: { id: string; password?: string; clientId?: string; topics: string[] }): CliSubscriber {
  const args = [
    '-h', '127.0.0.1', '-p', String(port), '-V', 'mqttv311', '-d',
    '-u', o.id, '-P', o.password ?? passwordOf(o.id), '-i', o.clientId ?? `${o.id}-sub`, '-q', '1',
    '-F', 'MSG>> %t %p',
  ];
  for (const t of o.topics) args.push('-t', t);
  // Its debug lines are stdio-buffered when stdout is a pipe: stdbuf makes them line by line.
  const p: ChildProcess = findProgram('stdbuf')
    ? spawn('stdbuf', ['-oL', 'mosquitto_sub', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('mosquitto_sub', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  track(p);
  const received: string[] = [];
  let buf = '';
  let onSuback: () => void = () => {};
  let onFail: (e: Error) => void = () => {};
  const subscribed = new Promise<void>((resolve, reject) => {
    onSuback = resolve;
    onFail = reject;
  });
  let stderr = '';
  p.stderr?.on('data', (d) => (stderr += d));
  p.stdout?.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.startsWith('MSG>> ')) received.push(line.slice(6));
      else if (/received SUBACK/.test(line)) onSuback();
    }
  });
  p.on('close', (code) => onFail(new Error(`mosquitto_sub exited (${code}) before its SUBACK: ${stderr}`)));
  const t = setTimeout(() => {
    onFail(new Error(`mosquitto_sub got no SUBACK within 5 s: ${stderr}`));
    p.kill('SIGTERM');
  }, 5_000);
  void subscribed.then(() => clearTimeout(t), () => clearTimeout(t));
  return { subscribed, received, stop: () => void p.kill('SIGTERM') };
}

// ---- a Mosquitto for one test file ----

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = netConnect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export interface RunningMosquitto {
  port: number;
  dir: string;
  log(): string;
  stop(): Promise<void>;
}

export const GATEWAY_USER = 'gateway';
export const GATEWAY_PASSWORD = 'gateway secret ✓';

/** Debian's mosquitto with the password_file and acl_file the gateway writes for this site. */
export async function startMosquitto(site: Site, fixedPort?: number): Promise<RunningMosquitto> {
  const dir = await mkdtemp(join(tmpdir(), 'mosquitto-'));
  const passwordFile = join(dir, 'passwd');
  const aclFile = join(dir, 'acl');
  await writeMosquittoFiles(site, { passwordFile, aclFile, gateway: { username: GATEWAY_USER, passwordHash: await hashPassword(GATEWAY_PASSWORD) } });
  for (let attempt = 0; ; attempt++) {
    const port = fixedPort ?? (await freePort());
    const conf = join(dir, 'mosquitto.conf');
    await writeFile(conf, mosquittoConf({
      port,
      host: '127.0.0.1',
      passwordFile,
      aclFile,
      extra: [
        // Run as root (CI containers), Mosquitto drops to the "mosquitto" user before it reads
        // the 0600 files we wrote; staying root is what lets it read them here.
        ...(process.getuid?.() === 0 ? ['user root'] : []),
        'persistence false',
        'log_dest stderr',
        'log_type error',
        'log_type warning',
        'log_type notice',
        'log_type information',
      ],
    }));
    const child = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    track(child);
    let log = '';
    child.stderr.on('data', (d) => (log += d));
    let exited = false;
    child.on('exit', () => (exited = true));
    const started = Date.now();
    while (!exited && Date.now() - started < 5_000 && !(await canConnect(port))) await sleep(25);
    if (exited) {
      if (fixedPort === undefined && attempt < 3 && /Address already in use/.test(log)) continue; // lost the race for the port
      await rm(dir, { recursive: true, force: true });
      throw new Error(`mosquitto did not start:\n${log}`);
    }
    if (!(await canConnect(port))) {
      child.kill('SIGKILL');
      throw new Error(`mosquitto is not listening on ${port}:\n${log}`);
    }
    return {
      port,
      dir,
      log: () => log,
      stop: async () => {
        if (!exited) {
          const gone = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await Promise.race([gone, sleep(3_000)]);
          if (!exited) child.kill('SIGKILL');
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}
