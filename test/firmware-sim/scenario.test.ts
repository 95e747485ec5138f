import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeGiai96, encodeGsrn96 } from '../../firmware-sim/epc.ts';
import { defaultReaderTopics, type SimReader } from '../../firmware-sim/portal/reader.ts';
import { createScenario, planRandomWalk, type ScenarioDescription, type WalkRecord } from '../../firmware-sim/portal/scenario.ts';
import { startDemo } from '../../firmware-sim/portal/demo.ts';
import { seededRandom } from '../../firmware-sim/portal/walk.ts';
import { listen, startBroker, until, type Received, type TestBroker } from './broker.ts';

const badge = (n: number): string => encodeGsrn96({ companyPrefix: '6901234', serviceReference: String(n).padStart(10, '0') });
const item = (n: number): string => encodeGiai96({ companyPrefix: '6901234', assetReference: 1000 + n });

const description: ScenarioDescription = {
  gates: [
    {
      id: 'gate-valuables',
      readers: [
        {
          deviceId: 'fx9600-val',
          password: 'pw-val',
          format: 'zebra',
          topics: defaultReaderTopics('fx9600-val'),
          antennas: { inner: [1, 2], outer: [3, 4] },
          photoEyes: { inner: 2, outer: 1 },
        },
      ],
    },
    {
      id: 'gate-intake',
      readers: [
        { deviceId: 'r700-out', password: 'pw-o', format: 'impinj', topics: defaultReaderTopics('r700-out'), antennas: { inner: [], outer: [1, 2] } },
        { deviceId: 'fx7500-in', password: 'pw-i', format: 'zebra', reporting: 'batched', topics: defaultReaderTopics('fx7500-in'), antennas: { inner: [1, 2], outer: [] } },
      ],
    },
  ],
  people: [
    { staffId: 'S001', badgeEpc: badge(1) },
    { staffId: 'S002', badgeEpc: badge(2) },
    { staffId: 'S003', badgeEpc: badge(3) },
  ],
  items: [
    { epc: item(1), dualControl: true },
    { epc: item(2) },
    { epc: item(3) },
    { epc: item(4), dualControl: true },
    { epc: item(5) },
  ],
};

interface Seen {
  device: string;
  epc: string;
  antenna: number;
  rssi: number;
  t: number;
}

function zebraTime(s: string): number {
  return Date.parse(s.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
}

/** Decodes what the listener got (independently of any gateway decoder). */
function decode(messages: Received[]): { reads: Seen[]; gpi: { device: string; pin: number; state: string }[] } {
  const reads: Seen[] = [];
  const gpi: { device: string; pin: number; state: string }[] = [];
  for (const m of messages) {
    const device = m.topic.split('/')[1]!;
    const parsed: unknown = JSON.parse(m.text);
    const evs = (Array.isArray(parsed) ? parsed : [parsed]) as Record<string, any>[];
    for (const e of evs) {
      if (e.type === 'GPI') gpi.push({ device, pin: e.pin, state: e.state });
      else if (e.data?.idHex) reads.push({ device, epc: e.data.idHex, antenna: e.data.antenna, rssi: e.data.peakRssi ?? e.data.rssi, t: zebraTime(e.timestamp) });
      else if (e.eventType === 'tagInventory') {
        const ti = e.tagInventoryEvent;
        reads.push({ device, epc: ti.epcHex, antenna: ti.antennaPort, rssi: ti.peakRssiCdbm / 100, t: Date.parse(e.timestamp.replace(/(\.\d{3})\d+Z$/, '$1Z')) });
      }
    }
  }
  return { reads, gpi };
}

/** RSSI-weighted mean time of a tag's reads on one side. */
function centroid(reads: Seen[], epc: string, isSide: (r: Seen) => boolean): number {
  let w = 0;
  let s = 0;
  for (const r of reads) {
    if (r.epc !== epc || !isSide(r)) continue;
    const x = 10 ** (r.rssi / 10);
    w += x;
    s += x * r.t;
  }
  return w === 0 ? NaN : s / w;
}

// A broker per test: what one test's readers published can never reach another test's listener.
let broker: TestBroker;
beforeEach(async () => {
  broker = await startBroker({ 'fx9600-val': 'pw-val', 'r700-out': 'pw-o', 'fx7500-in': 'pw-i' });
});
afterEach(async () => {
  await broker.close();
});

describe('Scenario.runWalk', () => {
  it('one person carrying two items in: outer reads before inner, beams outer then inner', async () => {
    const l = await listen(broker.url, ['rfid/+/tevents', 'rfid/+/mevents']);
    const sc = createScenario(broker.url, description, { seed: 7, heartbeatMs: 0 });
    await sc.start();
    const walks: WalkRecord[] = [];
    sc.onWalk((w) => walks.push(w));
    const before = Date.now();
    const rec = await sc.runWalk({ gateId: 'gate-valuables', direction: 'in', staff: ['S001'], items: [item(2), item(3)] });
    expect(rec.kind).toBe('carry');
    expect(rec.expected).toEqual([
      { epc: badge(1), direction: 'in' },
      { epc: item(2), direction: 'in' },
      { epc: item(3), direction: 'in' },
    ]);
    expect(walks).toEqual([rec]);
    // immediate: the walk just ended
    expect(rec.end).toBeGreaterThanOrEqual(before);
    expect(rec.end - rec.start).toBeGreaterThan(3000);
    const total = rec.published['fx9600-val']!.reads + rec.published['fx9600-val']!.gpi;
    await until(() => l.messages.length >= total, 10_000, 'all messages');
    const { reads, gpi } = decode(l.messages);
    for (const epc of [badge(1), item(2), item(3)]) {
      const outer = centroid(reads, epc, (r) => r.antenna >= 3);
      const inner = centroid(reads, epc, (r) => r.antenna <= 2);
      expect(outer).toBeLessThan(inner);
      expect(reads.filter((r) => r.epc === epc).length).toBe(rec.tags.find((t) => t.epc === epc)!.reads);
    }
    expect(gpi.map((g) => `${g.pin}${g.state}`)).toEqual(['1LOW', '1HIGH', '2LOW', '2HIGH']);
    await sc.stop();
    await l.end();
  });

  it('out through a gate with one Impinj reader outside and one batched Zebra reader inside', async () => {
    const l = await listen(broker.url, ['rfid/r700-out/tevents', 'rfid/fx7500-in/tevents']);
    const sc = createScenario(broker.url, description, { seed: 11, heartbeatMs: 0 });
    await sc.start();
    const rec = await sc.runWalk({ gateId: 'gate-intake', direction: 'out', staff: ['S002'], items: [item(5)] });
    const total = rec.published['r700-out']!.reads;
    await until(() => decode(l.messages).reads.length >= total + rec.published['fx7500-in']!.reads, 10_000, 'all reads');
    const { reads } = decode(l.messages);
    expect(l.messages.some((m) => m.topic === 'rfid/fx7500-in/tevents' && m.text.startsWith('['))).toBe(true);
    for (const epc of [badge(2), item(5)]) {
      const inner = centroid(reads, epc, (r) => r.device === 'fx7500-in');
      const outer = centroid(reads, epc, (r) => r.device === 'r700-out');
      expect(inner).toBeLessThan(outer);
    }
    await sc.stop();
    await l.end();
  });

  it('dual control: two badges, the second a moment behind; turnaround and no-badge walks are labelled', async () => {
    const sc = createScenario(broker.url, description, { seed: 3, heartbeatMs: 0 });
    await sc.start();
    const dual = await sc.runWalk({ gateId: 'gate-valuables', direction: 'out', staff: ['S001', 'S002'], items: [item(1)], followGapMs: 1500 });
    expect(dual.kind).toBe('dual-control');
    expect(dual.tags.map((t) => [t.role, t.staffId ?? t.epc])).toEqual([
      ['badge', 'S001'],
      ['item', item(1)],
      ['badge', 'S002'],
    ]);
    const turn = await sc.runWalk({ gateId: 'gate-valuables', direction: 'turnaround', staff: ['S003'], items: [item(4)] });
    expect(turn.kind).toBe('turnaround');
    expect(turn.expected.every((e) => e.direction === null)).toBe(true);
    expect(turn.plan.turnaroundSide).toMatch(/^(inner|outer)$/);
    const noBadge = await sc.runWalk({ gateId: 'gate-valuables', direction: 'in', staff: [], items: [item(2)], strayReads: 2 });
    expect(noBadge.kind).toBe('no-badge');
    expect(noBadge.tags.filter((t) => t.role === 'badge')).toHaveLength(0);
    expect(noBadge.tags.filter((t) => t.role === 'stray')).toHaveLength(2);
    expect(noBadge.expected).toEqual([{ epc: item(2), direction: 'in' }]);
    await expect(sc.runWalk({ gateId: 'nope', direction: 'in', staff: [], items: [] })).rejects.toThrow(/no gate/);
    await sc.stop();
  });
});

describe('planRandomWalk', () => {
  it('covers every kind of walk, with escorts for dual-control items most of the time', () => {
    const rng = seededRandom(99);
    const plans = Array.from({ length: 2000 }, () => planRandomWalk(description, rng));
    const dirs = new Set(plans.map((p) => p.direction));
    expect(dirs).toEqual(new Set(['in', 'out', 'turnaround']));
    expect(plans.some((p) => p.staff.length === 0 && p.items.length > 0)).toBe(true);
    expect(plans.some((p) => (p.strayReads ?? 0) > 0)).toBe(true);
    for (const p of plans) {
      expect(p.items.length).toBeLessThanOrEqual(3);
      expect(new Set(p.items).size).toBe(p.items.length);
      expect(p.staff.length + p.items.length).toBeGreaterThan(0);
    }
    const withDual = plans.filter((p) => p.staff.length > 0 && p.items.some((e) => description.items.find((i) => i.epc === e)?.dualControl));
    const escorted = withDual.filter((p) => p.staff.length === 2).length / withDual.length;
    expect(escorted).toBeGreaterThan(0.8);
    expect(escorted).toBeLessThan(1);
    const turnarounds = plans.filter((p) => p.direction === 'turnaround').length / plans.length;
    expect(turnarounds).toBeGreaterThan(0.05);
    expect(turnarounds).toBeLessThan(0.2);
  });
});

describe('startDemo', () => {
  it('walks in real time, kills a reader (its will fires), brings it back, and stops cleanly', async () => {
    const l = await listen(broker.url, ['rfid/+/tevents', 'rfid/+/mevents']);
    // What the broker has handed on to the listener's topics, from the readers and their wills: it
    // says so once the message is written to every subscriber.
    const handed: string[] = [];
    broker.broker.on('publish', (packet, client) => {
      if (client && /^rfid\/[^/]+\/[tm]events$/.test(packet.topic)) handed.push(packet.topic);
    });
    const started: WalkRecord[] = [];
    const demo = startDemo(broker.url, description, {
      intervalMs: 200,
      seed: 5,
      heartbeatMs: 100,
      die: { deviceId: 'fx7500-in', afterMs: 300, mode: 'crash', reviveAfterMs: 400 },
    });
    demo.scenario.on('walkStart', (w) => started.push(w));
    const died: string[] = [];
    const revived: string[] = [];
    demo.scenario.on('readerDied', (id) => died.push(id));
    demo.scenario.on('readerRevived', (id) => revived.push(id));
    // Whatever a reader publishes once stop() has resolved (the readers exist from startDemo on; a revived one is new).
    let stopped = false;
    const afterStop: string[] = [];
    const watch = (r: SimReader): void => void r.on('published', (topic) => { if (stopped) afterStop.push(`${r.deviceId} ${topic}`); });
    demo.scenario.readers().forEach(watch);
    demo.scenario.on('readerRevived', (id) => watch(demo.scenario.reader(id)));
    await demo.ready;
    await until(() => started.length >= 2, 10_000, 'two walks started');
    // Two gates: never two walks at once on the same gate.
    const byGate = new Map<string, WalkRecord[]>();
    for (const w of started) byGate.set(w.gateId, [...(byGate.get(w.gateId) ?? []), w]);
    for (const ws of byGate.values()) for (let i = 1; i < ws.length; i++) expect(ws[i]!.start).toBeGreaterThanOrEqual(ws[i - 1]!.end);
    await until(() => died.length === 1, 5000, 'reader death');
    await until(() => l.messages.some((m) => m.topic === 'rfid/fx7500-in/mevents' && JSON.parse(m.text).data?.status === 'offline'), 5000, 'will');
    await until(() => revived.length === 1, 5000, 'reader revival');
    expect(demo.scenario.reader('fx7500-in').status).toBe('running');
    await until(() => l.messages.some((m) => m.topic.endsWith('/tevents')), 10_000, 'tag events');
    // An exact walk in real time, between the random ones.
    const rec = await demo.runWalk({ gateId: 'gate-valuables', direction: 'in', staff: ['S003'], items: [], speedMps: 4 });
    expect(rec.timing).toBe('realtime');
    expect(rec.end - rec.start).toBeGreaterThan(1000);
    const atStop = l.messages.length;
    await demo.stop();
    stopped = true;
    expect(demo.scenario.readers().every((r) => r.status === 'stopped')).toBe(true);
    // What was published before the stop may still be on its way to the listener: wait for all of
    // it by count (a wait by time is a guess that a busy machine proves wrong). Then nothing more
    // comes, no reader publishes, and no reader's will fired (a clean disconnect).
    await until(() => l.messages.length === handed.length, 10_000, 'what the broker handed on');
    const n = l.messages.length;
    await new Promise((r) => setTimeout(r, 500));
    expect({ received: l.messages.length, handed: handed.length }).toEqual({ received: n, handed: n });
    expect(afterStop).toEqual([]);
    expect(l.messages.slice(atStop).filter((m) => m.topic.endsWith('/mevents') && /offline/.test(m.text))).toEqual([]);
    await l.end();
  });
});

describe('Scenario.start', () => {
  it('a reader refused by the broker fails the start and leaves no reader connected', async () => {
    const bad: ScenarioDescription = {
      ...description,
      gates: [{ id: 'g', readers: [{ ...description.gates[0]!.readers[0]!, password: 'wrong' }, description.gates[1]!.readers[0]!] }],
    };
    const demo = startDemo(broker.url, bad, { die: false, heartbeatMs: 0 });
    await expect(demo.ready).rejects.toThrow();
    expect(demo.scenario.readers().every((r) => !r.connected)).toBe(true);
    await demo.stop();
  });
});

describe('Scenario.stop', () => {
  it.each([
    ['while the dead one is put away', false],
    ['while the new one connects', true],
  ])('a reader coming back while the scenario stops (%s) is stopped too, and publishes nothing after', async (_when, connecting) => {
    const sc = createScenario(broker.url, description, { seed: 1, heartbeatMs: 20 });
    await sc.start();
    await sc.killReader('fx7500-in');
    const dead = sc.reader('fx7500-in');
    const revive = sc.reviveReader('fx7500-in');
    if (connecting) await until(() => sc.reader('fx7500-in') !== dead, 5000, 'the new reader');
    await sc.stop();
    const published: string[] = [];
    for (const r of sc.readers()) r.on('published', (topic) => published.push(`${r.deviceId} ${topic}`));
    await revive;
    // Heartbeats every 20 ms: a reader left running would publish in this time.
    await new Promise((r) => setTimeout(r, 200));
    expect(sc.readers().map((r) => [r.deviceId, r.status])).toEqual(sc.readers().map((r) => [r.deviceId, 'stopped']));
    expect(published).toEqual([]);
    expect(broker.broker.connectedClients).toBe(0);
  });

  it('a walk in real time that stop() cuts short settles, and sends nothing more', async () => {
    const sc = createScenario(broker.url, description, { seed: 2, heartbeatMs: 0 });
    await sc.start();
    const walks: WalkRecord[] = [];
    sc.onWalk((w) => walks.push(w));
    const walk = sc.runWalk({ gateId: 'gate-valuables', direction: 'in', staff: ['S001'], items: [item(2)] }, { timing: 'realtime' });
    const reader = sc.reader('fx9600-val');
    await until(() => reader.stats.tagEvents > 0, 10_000, 'the first reads');
    await sc.stop();
    const rec = await walk;
    const sent = reader.stats.tagEvents;
    expect(rec.published['fx9600-val']!.reads).toBe(sent);
    expect(sent).toBeLessThan(rec.tags.reduce((n, t) => n + t.reads, 0));
    await new Promise((r) => setTimeout(r, 300));
    expect(reader.stats.tagEvents).toBe(sent);
    // Not a finished walk: not reported as one.
    expect(walks).toEqual([]);
  });
});
