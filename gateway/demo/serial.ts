// The demo's serial side: R2000 shelf readers on shelves of the general store and the valuables
// vault, the intake desk's reader, and a Modbus bus of load cells under the cash cabinet and the
// narcotics cabinet. They are simulated by firmware-sim/serial (a separate process that knows
// nothing of the gateway), over real pseudo-terminals from socat where it is installed and over
// TCP (as behind a serial device server) where it is not, so that a machine with only Node.js
// still shows living shelves. Now and then an item wanders to the wrong shelf and back, or
// vanishes with no order, so that the dashboards show each alarm.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Custody } from '../../edge/custody.ts';
import type { SiteInput } from '../../edge/site/schema.ts';
import type { Logger } from '../log.ts';
import { findProgram } from '../programs.ts';
import { seededRandom } from './random.ts';
import { DEMO_COMPANY_PREFIX } from './site.ts';
import { encodeGiai96 } from '../../edge/epc/encode.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** TCP ports of the simulated device server when there is no socat: loopback only. */
const TCP_BASE_PORT = 47_101;

const SHELVES = [
  { id: 'shelf-gn-1', name: '一般物品库 1 排货架读写器', locations: (i: number) => `GN-01-${String(i).padStart(2, '0')}` },
  { id: 'shelf-gn-2', name: '一般物品库 2 排货架读写器', locations: (i: number) => `GN-02-${String(i).padStart(2, '0')}` },
  { id: 'shelf-vl-1', name: '贵重物品库 1 排保险柜读写器', locations: (i: number) => `VL-01-${String(i).padStart(2, '0')}` },
];
const SCALES = [
  { id: 'scale-vl', unit: 1, name: '现金柜称重', locationId: 'VL-02-01', tareGrams: 5_000 },
  { id: 'scale-hz', unit: 2, name: '毒品柜称重', locationId: 'HZ-01-01', tareGrams: 8_000 },
];
/** Temperature/humidity transmitters (XY-MD02) on the same RS-485 bus as the scales, each in its zone. */
const CLIMATE = [
  { id: 'th-gn', unit: 11, name: '一般物品库温湿度传感器', zoneId: 'general', temperatureC: 21, humidityPct: 48 },
  { id: 'th-vl', unit: 12, name: '贵重物品库温湿度传感器', zoneId: 'valuables', temperatureC: 20, humidityPct: 45 },
  { id: 'th-cd', unit: 13, name: '冷藏库温度传感器', zoneId: 'cold', temperatureC: -19, humidityPct: 70 },
];
const PORTS = [...SHELVES.map((s) => ({ id: `com-${s.id}`, protocol: 'r2000' as const })), { id: 'com-desk', protocol: 'uhfreader18' as const }, { id: 'com-scales', protocol: 'modbus' as const }];

export const useTcp = () => !findProgram('socat');
const ptyDir = (dataDir: string) => path.resolve(dataDir, 'serial');

/** The serial ports and devices of the demo site file. */
export function demoSerialSite(dataDir: string, tcp = useTcp()): Pick<SiteInput, 'serialPorts' | 'devices'> {
  const serialPorts = PORTS.map((p, i) => ({
    id: p.id, path: tcp ? `tcp://127.0.0.1:${TCP_BASE_PORT + i}` : path.join(ptyDir(dataDir), `gw-${p.id}`),
    silenceSeconds: 5, reopenMaxSeconds: 10,
  }));
  const devices = [
    ...SHELVES.map((s) => ({
      id: s.id, kind: 'shelf_reader' as const, name: s.name, protocol: 'r2000' as const, port: `com-${s.id}`, address: 1, pollMs: 2_000, heartbeatSeconds: 20,
      antennas: Array.from({ length: 8 }, (_, i) => ({ port: i + 1, locationId: s.locations(i + 1) })),
    })),
    { id: 'desk-intake', kind: 'desk_reader' as const, name: '移交待检区登记台读写器', protocol: 'uhfreader18' as const, port: 'com-desk', address: 0, pollMs: 500, heartbeatSeconds: 10 },
    ...SCALES.map((s) => ({
      id: s.id, kind: 'load_cell' as const, name: s.name, protocol: 'modbus' as const, port: 'com-scales', address: s.unit, profile: 'weighing-int32',
      locationId: s.locationId, tareGrams: s.tareGrams, toleranceGrams: 200, pollMs: 2_000, heartbeatSeconds: 20,
    })),
    ...CLIMATE.map((c) => ({
      id: c.id, kind: 'env_monitor' as const, name: c.name, protocol: 'modbus' as const, port: 'com-scales', address: c.unit, profile: 'xy-md02',
      zoneId: c.zoneId, pollMs: 10_000, heartbeatSeconds: 60,
    })),
  ];
  return { serialPorts, devices };
}

/** The simulator's plan: each shelf antenna holds the stored items the ledger puts at its location. */
export function demoSerialPlan(custody: Custody, tcp: boolean) {
  const { site } = custody.ctx;
  const at = custody.db.prepare(`SELECT epc FROM items WHERE state = 'stored' AND location_id = ?`);
  const load = scaleLoad(custody);
  const transport = (i: number, id: string) => (tcp ? { type: 'tcp', host: '127.0.0.1', port: TCP_BASE_PORT + i } : { type: 'pty', name: id });
  return {
    ptyDir: ptyDir(site.dataDir), seed: 7,
    devices: [
      ...SHELVES.map((s, i) => {
        const d = site.devices.find((x) => x.id === s.id)!;
        const antennas = Object.fromEntries(d.antennas.map((a) => [String(a.port), (at.all(a.locationId) as { epc: string }[]).map((r) => r.epc)]));
        return { id: s.id, kind: 'r2000', address: 1, ports: 8, rssiJitterDb: 3, antennas, transport: transport(i, `com-${s.id}`) };
      }),
      { id: 'desk-intake', kind: 'uhfreader18', address: 0, transport: transport(SHELVES.length, 'com-desk') },
      { id: 'scales', kind: 'modbus', transport: transport(SHELVES.length + 1, 'com-scales'), slaves: [
        ...SCALES.map((s) => ({ unit: s.unit, model: 'weight-int32-be', grams: s.tareGrams + load(s.locationId), noiseGrams: 15 })),
        ...CLIMATE.map((c) => ({ unit: c.unit, model: 'xy-md02', temperatureC: c.temperatureC, humidityPct: c.humidityPct })),
      ] },
    ],
  };
}

export function startDemoSerial(custody: Custody, logger: Logger): ChildProcess {
  const tcp = custody.ctx.site.serialPorts[0]?.path.startsWith('tcp://') ?? useTcp();
  const plan = demoSerialPlan(custody, tcp);
  const planFile = path.join(custody.ctx.site.dataDir, 'demo-serial.json');
  fs.writeFileSync(planFile, JSON.stringify(plan, null, 2));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'firmware-sim', 'serial', 'main.ts'), planFile, '--exit-with-parent'], {
    cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
  });
  const log = logger.child({ part: 'serial-sim' });
  log.info({ childPid: child.pid, transport: tcp ? 'tcp (socat not installed)' : 'socat pseudo-terminals' }, 'simulated serial devices started');
  readline.createInterface({ input: child.stdout! }).on('line', (l) => {
    if (l.includes('"ok":false') || l.includes('"event":"error"')) log.warn(l);
    else log.debug(l);
  });
  child.stderr!.on('data', (b: Buffer) => log.debug(b.toString().trim()));
  child.on('exit', (code) => { if (code) log.warn({ code }, 'simulated serial devices stopped'); });
  wander(child, plan, log);
  followLedger(child, custody, log);
  const desk = tagTheDesk(child, custody, log);
  const air = weather(child, log);
  child.on('exit', () => { custody.ctx.bus.off('demo-serial'); clearInterval(desk); clearInterval(air); });
  return child;
}

/**
 * The demo's intake operator: a few seconds after an enrolment opens at the desk, a new tag lies on
 * the simulated desk reader (a GIAI-96 of the demo's prefix no item ever carried); once the
 * enrolment has ended, the desk is cleared again. So the Intake page can be tried end to end.
 */
function tagTheDesk(child: ChildProcess, custody: Custody, log: Logger): NodeJS.Timeout {
  const waiting = custody.db.prepare(`SELECT id FROM enrolments WHERE device_id = 'desk-intake' AND state = 'waiting'`);
  const used = custody.db.prepare('SELECT 1 FROM items WHERE epc = ? UNION ALL SELECT 1 FROM retired_epcs WHERE epc = ?');
  const send = (cmd: Record<string, unknown>) => { if (child.stdin?.writable) child.stdin.write(`${JSON.stringify(cmd)}\n`); };
  let serving: string | null = null;
  let serial = 5_000_000 + Math.floor(Date.now() / 1000) % 1_000_000;
  const timer = setInterval(() => {
    // The gateway may close its store before the simulator has exited (and this timer with it).
    if (!custody.db.open) { clearInterval(timer); return; }
    const open = (waiting.get() as { id: string } | undefined)?.id ?? null;
    if (open === serving) return;
    if (serving && !open) later(2_000, () => send({ cmd: 'present', device: 'desk-intake', epcs: [] }));
    serving = open;
    if (!open) return;
    let epc: string;
    do epc = encodeGiai96(DEMO_COMPANY_PREFIX, BigInt(serial++)); while (used.get(epc, epc));
    log.debug({ enrolmentId: open, epc }, 'demo: a new tag is put on the intake desk');
    later(3_000, () => send({ cmd: 'present', device: 'desk-intake', epcs: [epc] }));
  }, 1_000);
  timer.unref();
  return timer;
}

const later = (ms: number, f: () => void) => { const t = setTimeout(f, ms); t.unref(); };

/**
 * The simulated shelves follow the ledger, as real shelves follow the people who carry things: an
 * item put away (or moved) onto a watched location appears under its antenna, and one taken off
 * (checked out, moved, disposed) leaves it. Without this, a putaway after the start would be
 * "not seen" and soon an unexpected removal, and a checked-out item would still be read on its shelf.
 */
/** What the stored items on a load cell's location weigh, as weighed at their intake. */
function scaleLoad(custody: Custody): (locationId: string) => number {
  const sum = custody.db.prepare(`SELECT coalesce(sum(weight_grams), 0) AS g FROM items WHERE state = 'stored' AND location_id = ?`);
  return (locationId) => (sum.get(locationId) as { g: number }).g;
}

function followLedger(child: ChildProcess, custody: Custody, log: Logger): void {
  const antennaOf = new Map<string, { device: string; antenna: number }>();
  for (const d of custody.ctx.site.devices) {
    if (SHELVES.some((s) => s.id === d.id)) for (const a of d.antennas) antennaOf.set(a.locationId, { device: d.id, antenna: a.port });
  }
  const epcOf = custody.db.prepare('SELECT epc FROM items WHERE id = ?');
  const send = (cmd: Record<string, unknown>) => { if (child.stdin?.writable) child.stdin.write(`${JSON.stringify(cmd)}\n`); };
  const load = scaleLoad(custody);
  custody.ctx.bus.on('event', 'demo-serial', (e) => {
    if (!e.itemId) return;
    // An item put on or taken off a weighed cabinet under the ledger: the scale weighs what is there.
    for (const s of SCALES) {
      if (e.from?.locationId === s.locationId || e.to?.locationId === s.locationId) send({ cmd: 'weight', device: 'scales', unit: s.unit, grams: s.tareGrams + load(s.locationId) });
    }
    const from = e.from?.state === 'stored' && e.from.locationId ? antennaOf.get(e.from.locationId) : undefined;
    const to = e.to?.state === 'stored' && e.to.locationId ? antennaOf.get(e.to.locationId) : undefined;
    if (!from && !to) return;
    const epc = (epcOf.get(e.itemId) as { epc: string | null } | undefined)?.epc;
    if (!epc) return;
    if (from && (from.device !== to?.device || from.antenna !== to?.antenna)) send({ cmd: 'remove', device: from.device, epc });
    if (to && (from?.device !== to.device || from?.antenna !== to.antenna)) send({ cmd: 'place', device: to.device, epc, antenna: to.antenna });
    log.debug({ itemId: e.itemId, kind: e.kind, from, to }, 'demo: the simulated shelves follow the ledger');
  });
}

/**
 * The rooms' air drifts slowly around where it was, and about every two hours the cold store's
 * door is left ajar for a quarter of an hour: it warms past its limit (an `environment` alarm after
 * the zone's delay) and cools back (the alarm resolves itself).
 */
function weather(child: ChildProcess, log: Logger): NodeJS.Timeout {
  const rng = seededRandom(Date.now() % 100_000 + 1);
  const send = (cmd: Record<string, unknown>) => { if (child.stdin?.writable) child.stdin.write(`${JSON.stringify(cmd)}\n`); };
  const air = CLIMATE.map((c) => ({ ...c, t: c.temperatureC, h: c.humidityPct, warmFor: 0 }));
  let ticks = 0;
  const t = setInterval(() => {
    ticks++;
    for (const a of air) {
      const home = a.warmFor > 0 ? a.temperatureC + 7 : a.temperatureC;
      if (a.warmFor > 0) a.warmFor--;
      // A walk pulled back towards where the room should be.
      a.t += (home - a.t) * 0.08 + (rng() - 0.5) * 0.3;
      a.h = Math.min(95, Math.max(5, a.h + (a.humidityPct - a.h) * 0.05 + (rng() - 0.5) * 0.8));
      send({ cmd: 'climate', device: 'scales', unit: a.unit, temperatureC: Math.round(a.t * 10) / 10, humidityPct: Math.round(a.h * 10) / 10 });
    }
    // Every 2 hours (360 ticks of 20 s), once: the cold store's door ajar for 15 minutes.
    if (ticks % 360 === 90) {
      const cold = air.find((a) => a.zoneId === 'cold')!;
      cold.warmFor = 45;
      log.debug('demo: the cold store\'s door is left ajar');
    }
  }, 20_000);
  t.unref();
  return t;
}

/**
 * Now and then an item goes to the wrong shelf for a few minutes (misplaced, which resolves itself
 * when it is back), and rarely one vanishes with no order (unexpected removal, for a person to look
 * into; it comes back later, as a mislaid item does).
 */
function wander(child: ChildProcess, plan: ReturnType<typeof demoSerialPlan>, log: Logger): void {
  const rng = seededRandom(Date.now() % 100_000);
  const shelves = plan.devices.filter((d): d is typeof d & { antennas: Record<string, string[]> } => d.kind === 'r2000');
  const send = (cmd: Record<string, unknown>) => { if (child.stdin?.writable) child.stdin.write(`${JSON.stringify(cmd)}\n`); };
  const later = (ms: number, f: () => void) => { const t = setTimeout(f, ms); t.unref(); };
  const step = () => {
    const shelf = shelves[Math.floor(rng() * shelves.length)];
    const filled = shelf ? Object.entries(shelf.antennas).filter(([, epcs]) => epcs.length) : [];
    const pick = filled[Math.floor(rng() * filled.length)];
    if (shelf && pick) {
      const [antenna, epcs] = pick;
      const epc = epcs[Math.floor(rng() * epcs.length)]!;
      if (rng() < 0.75) {
        const to = ((Number(antenna) % 8) + 1);
        log.debug({ device: shelf.id, epc, from: Number(antenna), to }, 'demo: an item wanders to the next shelf');
        send({ cmd: 'move', device: shelf.id, epc, toAntenna: to });
        later(8 * 60_000, () => send({ cmd: 'move', device: shelf.id, epc, toAntenna: Number(antenna) }));
      } else {
        log.debug({ device: shelf.id, epc, antenna: Number(antenna) }, 'demo: an item vanishes from its shelf');
        send({ cmd: 'remove', device: shelf.id, epc });
        later(30 * 60_000, () => send({ cmd: 'place', device: shelf.id, epc, antenna: Number(antenna) }));
      }
    }
    later((6 + rng() * 8) * 60_000, step);
  };
  later(3 * 60_000, step);
}
