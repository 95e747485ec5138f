// Starts the demo's simulated devices as a separate process that talks to the gateway over MQTT
// only. The plan it gets is made from the demo site: its readers (password demo-<id>), the staff
// badges, and errands that carry out the currently active orders through their gates.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Custody } from '../../edge/custody.ts';
import { readerTopics } from '../../edge/site/schema.ts';
import { demoDevicePassword } from './site.ts';
import type { Logger } from '../log.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function demoDevicePlan(custody: Custody, mqttUrl: string) {
  const { site } = custody.ctx;
  const db = custody.db;
  const description = {
    gates: site.gates.map((g) => ({
      id: g.id,
      readers: g.readers.map((r) => {
        const d = site.devices.find((x) => x.id === r.deviceId)!;
        return { deviceId: d.id, password: demoDevicePassword(d.id), format: d.format!, topics: readerTopics(d), antennas: r.antennas, heartbeatMs: 10_000 };
      }),
    })),
    people: site.staff.filter((s) => s.badgeEpc).map((s) => ({ badgeEpc: s.badgeEpc!, staffId: s.id })),
    items: (db.prepare(`SELECT epc, category_id FROM items WHERE state = 'stored' AND restricted = 0 ORDER BY id LIMIT 40`).all() as { epc: string; category_id: string }[])
      .map((i) => ({ epc: i.epc, dualControl: custody.ctx.dualControl.has(i.category_id) })),
  };
  const orders = db.prepare(`SELECT o.id, o.kind, o.gates, o.direction, o.escorts, i.epc, i.category_id
    FROM orders o JOIN order_items oi ON oi.order_id = o.id JOIN items i ON i.id = oi.item_id
    WHERE o.state IN ('open', 'active') AND oi.done_seq IS NULL AND i.epc IS NOT NULL AND o.valid_until > ? AND o.valid_from <= ? AND o.gates <> '[]'`)
    .all(custody.ctx.nowIso(), custody.ctx.nowIso()) as { kind: string; gates: string; direction: string; escorts: string; epc: string; category_id: string }[];
  const errands = orders.map((o) => {
    const escorts = JSON.parse(o.escorts) as string[];
    const direction = o.direction === 'any' ? 'out' : o.direction;
    // Orders without named escorts (a transfer_in from the platform) are carried by the operators on duty.
    if (!escorts.length) escorts.push('op-01', 'op-02');
    return { gateId: (JSON.parse(o.gates) as string[])[0], direction, staff: escorts.slice(0, custody.ctx.dualControl.has(o.category_id) ? 2 : 1), items: [o.epc] };
  });
  const flaky = site.gates.find((g) => g.id === 'gate-valuables')?.readers[0]?.deviceId;
  return {
    url: mqttUrl, description, errands, intervalMs: 8_000, seed: Date.now() % 100_000,
    ...(flaky ? { flakyReader: { deviceId: flaky, afterMs: 4 * 60_000, backAfterMs: 90_000 } } : {}),
  };
}

export function startDemoDevices(custody: Custody, mqttUrl: string, logger: Logger): ChildProcess {
  const planFile = path.join(custody.ctx.site.dataDir, 'demo-devices.json');
  fs.writeFileSync(planFile, JSON.stringify(demoDevicePlan(custody, mqttUrl), null, 2));
  // stdin is a pipe and there is an IPC channel only so that the child sees them close: the kernel
  // closes them when this process dies, however it dies (SIGKILL included), and the simulator then
  // exits instead of going on as a second set of demo readers beside the next gateway's.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'firmware-sim', 'main.ts'), planFile, '--exit-with-parent'], {
    cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
  });
  const log = logger.child({ part: 'firmware-sim' });
  log.info({ childPid: child.pid }, 'simulated devices started');
  child.stdout!.on('data', (b: Buffer) => b.toString().trim().split('\n').forEach((l) => log.debug(l)));
  child.stderr!.on('data', (b: Buffer) => log.warn(b.toString().trim()));
  child.on('exit', (code) => { if (code) log.warn({ code }, 'simulated devices stopped'); });
  return child;
}
