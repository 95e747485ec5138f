// The edge's one way in (`Custody.observe`) and its one way to listen (the bus), through a real
// Custody and its API built from nothing else: if /devices or /gates needed the gateway, these
// answers could not be what the observations said. Refusals are counted and logged, never thrown;
// a listener that throws is logged with its owner and does not keep the others from hearing.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Custody } from '../../edge/custody.ts';
import { buildApi } from '../../edge/api/server.ts';
import type { EdgeLog } from '../../edge/log.ts';
import { HEAD_FILES } from '../../edge/ledger/ledger.ts';
import { fixtureSite, openHarness, tempDir, TestClock, type Harness } from '../helpers/custody-site.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A log that keeps its lines, so that a test can read what a field engineer would. */
function memoryLog() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (obj: object, msg: string) => { lines.push({ level, obj: obj as Record<string, unknown>, msg }); };
  const log: EdgeLog = { info: at('info'), warn: at('warn'), error: at('error') };
  return { log, lines };
}

const device = (over: Record<string, unknown> = {}) => ({
  type: 'device', deviceId: 'rd-main', state: 'online', reason: 'heartbeat', at: Date.now(), accepted: 12,
  rejected: { invalid_json: 2 }, readsPerSecond: 3.5, clockOffsetMs: -250, clockJumps: 1, lastHeard: Date.now() - 500,
  readsIgnored: { unknown_antenna: 4, late: 1 }, ...over,
});
const gate = (over: Record<string, unknown> = {}) => ({
  type: 'gate', gateId: 'gate-main', at: Date.now(), openTracks: 3, residents: 1, reads: 420, stray: 5, bleed: 2, forcedClose: 0,
  ignored: { unknown_antenna: 4, unknown_device: 0, late: 1 }, crossings: { in: 7, out: 9, unknown: 1 }, ...over,
});

describe('the edge takes everything through observe()', () => {
  let h: Harness | null = null;
  afterEach(async () => { await h?.close(); h = null; });

  it('device and gate reports reach /devices, /gates and their portal counters with no gateway behind the API', async () => {
    h = await openHarness({ clock: new TestClock(Date.now()) });
    expect(h.custody.observe(device())).toEqual({ ok: true });
    expect(h.custody.observe(gate())).toEqual({ ok: true });

    const d = (await h.call('supervisor', 'GET', '/devices')).body.data.find((x: any) => x.id === 'rd-main');
    expect(d).toMatchObject({ state: 'online', accepted: 12, rejected: { invalid_json: 2 }, readsPerSecond: 3.5, clockOffsetMs: -250, clockJumps: 1,
      readsIgnored: { unknown_antenna: 4, late: 1 } });
    const g = (await h.call('supervisor', 'GET', '/gates/gate-main')).body;
    expect(g).toMatchObject({ state: 'crossing', portal: { openTracks: 3, stray: 5, bleed: 2, ignored: { unknown_antenna: 4 }, crossings: { out: 9 } } });

    // The pass is over: the next report says so, and the gate is idle again.
    h.custody.observe(gate({ openTracks: 0 }));
    expect((await h.call('supervisor', 'GET', '/gates/gate-main')).body.state).toBe('idle');
    // A status report changes the counters, not the state nor its reason.
    h.custody.observe(device({ reason: 'status', accepted: 40 }));
    expect((await h.call('supervisor', 'GET', '/devices')).body.data.find((x: any) => x.id === 'rd-main')).toMatchObject({ state: 'online', reason: 'heartbeat', accepted: 40 });
  });

  it('a device going offline opens device_offline once, and its return resolves it', async () => {
    h = await openHarness({ clock: new TestClock(Date.now()) });
    h.custody.observe(device());
    h.custody.observe(device({ state: 'offline', reason: 'will' }));
    h.custody.observe(device({ state: 'offline', reason: 'status' }));
    const open = (await h.call('supervisor', 'GET', '/alarms?kind=device_offline&state=open')).body.data;
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ deviceId: 'rd-main', severity: 'critical', gateId: 'gate-main' });
    h.custody.observe(device({ reason: 'heartbeat' }));
    expect((await h.call('supervisor', 'GET', '/alarms?kind=device_offline&state=open')).body.data).toHaveLength(0);
  });

  it('refuses what it cannot take with a reason, counts it and logs the first of each kind; never throws', () => {
    const dir = tempDir();
    const { log, lines } = memoryLog();
    const custody = new Custody({ site: fixtureSite(dir), dataDir: dir, siteKey: randomBytes(32), log });
    try {
      expect(custody.observe(device({ deviceId: 'rd-nowhere' }))).toMatchObject({ ok: false, reason: 'unknown_device' });
      expect(custody.observe(gate({ gateId: 'gate-nowhere' }))).toMatchObject({ ok: false, reason: 'unknown_gate' });
      expect(custody.observe({ type: 'crossing', gateId: 'gate-nowhere', epc: '3034AAAA', direction: 'out', confidence: 1, firstSeen: 1, lastSeen: 2, readCount: 3 }))
        .toMatchObject({ ok: false, reason: 'unknown_gate' });
      expect(custody.observe({ type: 'env', deviceId: 'rd-main', zoneId: 'general', metric: 'temperature', value: 21, at: 1 })).toMatchObject({ ok: false, reason: 'unknown_device' });
      const bad = custody.observe(device({ readsPerSecond: -1 }));
      expect(bad).toMatchObject({ ok: false, reason: 'invalid' });
      expect(bad.ok ? '' : bad.detail).toContain('readsPerSecond');
      expect(custody.refused.get('device:invalid')).toBe(1);
      expect(lines.filter((l) => l.msg === 'observation refused').map((l) => `${l.obj.kind}:${l.obj.reason}`))
        .toEqual(['device:unknown_device', 'gate:unknown_gate', 'crossing:unknown_gate', 'env:unknown_device', 'device:invalid']);

      // Whatever arrives, observe answers; nothing it refuses changes the ledger.
      const head = custody.ctx.ledger.headNow.seq;
      fc.assert(fc.property(fc.oneof(fc.anything(), fc.record({ type: fc.constantFrom('tag', 'crossing', 'device', 'gate', 'shelf', 'env', 'x'), deviceId: fc.string(), gateId: fc.string() })), (junk) => {
        // An array is several observations: an answer for each.
        const r = custody.observe(junk);
        for (const one of Array.isArray(r) ? r : [r]) expect(typeof one.ok).toBe('boolean');
      }), { numRuns: 300 });
      expect(custody.ctx.ledger.headNow.seq).toBe(head);
    } finally {
      custody.close();
    }
  });

  it('a device report the store cannot record is refused as failed, not thrown; the next report tries again', async () => {
    h = await openHarness({ clock: new TestClock(Date.now()) });
    h.custody.observe(device());
    h.custody.db.exec(`CREATE TRIGGER full_disk BEFORE INSERT ON alarms BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    expect(h.custody.observe(device({ state: 'offline', reason: 'timeout' }))).toMatchObject({ ok: false, reason: 'failed', detail: 'database or disk is full' });
    expect(h.custody.devices.get('rd-main')!.state).toBe('online');
    h.custody.db.exec('DROP TRIGGER full_disk');
    expect(h.custody.observe(device({ state: 'offline', reason: 'status' }))).toEqual({ ok: true });
    expect((await h.call('supervisor', 'GET', '/alarms?kind=device_offline&state=open')).body.data).toHaveLength(1);
  });

  it('no file of the edge imports the gateway, the simulators or the dashboards', () => {
    const files: string[] = [];
    const walk = (d: string) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.ts') && files.push(path.join(d, e.name)); };
    walk(path.join(ROOT, 'edge'));
    expect(files.length).toBeGreaterThan(30);
    const offenders = files.filter((f) => /from\s+'(\.\.\/)+(gateway|firmware-sim|dashboards)\//.test(fs.readFileSync(f, 'utf8')));
    expect(offenders.map((f) => path.relative(ROOT, f))).toEqual([]);
  });
});

describe('one way to listen: the bus', () => {
  it('a listener that throws is logged with its owner; the change is committed and the next listener still hears it', async () => {
    const dir = tempDir();
    const { log, lines } = memoryLog();
    const custody = new Custody({ site: fixtureSite(dir), dataDir: dir, siteKey: randomBytes(32), clock: new TestClock(Date.now()), log });
    const app = await buildApi(custody, { logger: false });
    try {
      const heard: string[] = [];
      custody.ctx.bus.on('alarm', 'broken-output', () => { throw new Error('socket closed'); });
      custody.ctx.bus.on('alarm', 'siren', (a) => heard.push(a.kind));
      expect(custody.observe(device({ state: 'offline', reason: 'timeout' }))).toEqual({ ok: true });
      expect(heard).toEqual(['device_offline']);
      const failure = lines.find((l) => l.obj.owner === 'broken-output');
      expect(failure).toMatchObject({ level: 'error', obj: { event: 'alarm' } });
      expect(String((failure!.obj.err as Error).message)).toBe('socket closed');
      expect(custody.ctx.bus.failures.get('broken-output')).toBe(1);
      expect((custody.db.prepare(`SELECT count(*) AS n FROM alarms WHERE kind = 'device_offline'`).get() as { n: number }).n).toBe(1);
      // off(owner) removes that owner's listeners and no one else's.
      custody.ctx.bus.off('broken-output');
      custody.observe(device({ reason: 'heartbeat' }));
      expect(heard).toEqual(['device_offline', 'device_offline']);
      expect(custody.ctx.bus.failures.get('broken-output')).toBe(1);
    } finally {
      await app.close();
      custody.close();
    }
  });

  it('a failed write of the ledger head mirror is logged and counted, and the database keeps the event', async () => {
    const { log, lines } = memoryLog();
    const h = await openHarness({ clock: new TestClock(Date.now()), log });
    // The mirror is written to a temp file and renamed: a folder in the temp file's place makes the write fail.
    fs.mkdirSync(path.join(h.dir, `${HEAD_FILES.main}.tmp`));
    try {
      const before = h.custody.ctx.ledger.headNow.seq;
      h.custody.ctx.transaction((tx) => tx.append({ kind: 'inspected', itemId: null, orderId: null, actors: { by: 'test', role: 'operator' }, from: null, to: null, details: { note: 'mirror test' }, restricted: false }));
      h.custody.ctx.ledger.flushMirror();
      expect(h.custody.ctx.ledger.headNow.seq).toBe(before + 1);
      expect(h.custody.ctx.ledger.mirrorFailures).toBeGreaterThan(0);
      expect(lines.find((l) => l.msg.startsWith('writing the ledger head mirror failed'))).toMatchObject({ level: 'warn', obj: { chain: 'main', seq: before + 1 } });
    } finally {
      await h.close();
    }
  });
});
