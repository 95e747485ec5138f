// The demo's OPC UA side: the monitoring cabinet of the hazardous store and of the commission's
// restricted zone, each a monitor (temperature, humidity, smoke, water, door) on one simulated OPC UA
// server (firmware-sim/opcua, its own process, knowing nothing of the gateway) on loopback. The
// gateway subscribes to them as it would to a building system; a field engineer sees their link on
// the Devices page, and a supervisor their values on the Environment page.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { SiteInput } from '../../edge/site/schema.ts';
import type { Logger } from '../log.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * Loopback only, on a port free when the demo site is built (GATEWAY_DEMO_OPCUA_PORT to pin it):
 * two demo gateways on one machine (tests run several at once) must not reach each other's monitors.
 */
export async function demoOpcuaPort(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const pinned = Number(env.GATEWAY_DEMO_OPCUA_PORT);
  if (Number.isInteger(pinned) && pinned > 0 && pinned < 65_536) return pinned;
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
const RESOURCE = '/demo-monitors';
const MONITORS = [
  { id: 'opcua-hz', monitor: 'HazardousStore', name: '危险品库环境监控柜', zoneId: 'hazardous' },
  { id: 'opcua-rs', monitor: 'RestrictedZone', name: '专区环境监控柜', zoneId: 'restricted' },
];
const VALUES = [['Temperature', 'temperature'], ['Humidity', 'humidity'], ['Smoke', 'smoke'], ['Water', 'water'], ['Door', 'door']] as const;

/** The monitors of the demo site file. */
export function demoOpcuaDevices(port: number): NonNullable<SiteInput['devices']> {
  return MONITORS.map((m) => ({
    id: m.id, kind: 'env_monitor' as const, name: m.name, protocol: 'opcua' as const, heartbeatSeconds: 60,
    opcua: {
      endpoint: `opc.tcp://127.0.0.1:${port}${RESOURCE}`, securityMode: 'None' as const, securityPolicy: 'None' as const, samplingMs: 2_000, publishingMs: 2_000,
      values: VALUES.map(([node, metric]) => ({ nodeId: `ns=1;s=${m.monitor}.${node}`, zoneId: m.zoneId, metric })),
    },
  }));
}

/** The simulated monitors, on the port the demo site's endpoints name. */
export function startDemoOpcua(dataDir: string, endpoint: string, logger: Logger): ChildProcess {
  const port = Number(new URL(endpoint.replace(/^opc\.tcp:/, 'http:')).port);
  const planFile = path.join(dataDir, 'demo-opcua.json');
  fs.writeFileSync(planFile, JSON.stringify({ pkiDir: path.join(dataDir, 'opcua-sim-pki'), port, resourcePath: RESOURCE, monitors: MONITORS.map((m) => m.monitor), walkMs: 10_000 }, null, 2));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'firmware-sim', 'opcua', 'main.ts'), planFile, '--exit-with-parent'], {
    cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
  });
  const log = logger.child({ part: 'opcua-sim' });
  readline.createInterface({ input: child.stdout! }).on('line', (l) => {
    if (l.includes('"ready"')) log.info({ childPid: child.pid, endpoint }, 'simulated OPC UA environment monitors started');
    else if (l.includes('"ok":false')) log.warn(l);
  });
  child.stderr!.on('data', (b: Buffer) => log.debug(b.toString().trim()));
  child.on('exit', (code) => { if (code) log.warn({ code }, 'simulated OPC UA monitors stopped'); });
  return child;
}
