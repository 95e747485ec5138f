// Alarms and gate signals out over the real embedded broker (aedes through EmbeddedLink), heard by
// mqtt.js clients that log in as the site's devices, against a real Custody.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { EmbeddedLink } from '../../gateway/mqtt/embedded.ts';
import { hashPassword } from '../../gateway/mqtt/password.ts';
import { AlarmPublisher } from '../../gateway/outputs/alarm-publisher.ts';
import { GateSignals, zebraCommandResponse } from '../../gateway/outputs/gate-signals.ts';
import { acknowledgeAlarm, resolveAlarm } from '../../edge/alarms/alarm.ts';
import type { Principal } from '../../edge/auth/principal.ts';
import { busListenerCount, makeSiteInput, openCustody, raise, sleep, waitFor, type TestCustody } from '../stream/fixtures.ts';

const SITE = 'site-1';
const pw = (id: string) => `pw-${id}`;
const operator: Principal = { userId: 'u-op', name: '操作员', role: 'operator', agencyId: 'op', staffId: null };
const supervisor: Principal = { userId: 'u-sup', name: '主管', role: 'supervisor', agencyId: 'op', staffId: null };

interface Got { topic: string; payload: string; retain: boolean }

/** An mqtt.js device that records what it receives. */
async function device(port: number, id: string, subs: string[]): Promise<{ c: MqttClient; got: Got[]; granted: number[] }> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    protocolVersion: 4, username: id, password: pw(id), clientId: `${id}-t${Math.random().toString(36).slice(2, 8)}`,
    reconnectPeriod: 0, connectTimeout: 5_000,
  });
  const got: Got[] = [];
  c.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString('utf8'), retain: packet.retain }));
  // One SUBSCRIBE per filter: mqtt.js rejects a whole SUBSCRIBE when the broker refuses one filter (0x80).
  const granted: number[] = [];
  for (const s of subs) granted.push(await c.subscribeAsync(s, { qos: 1 }).then((g) => g[0].qos as number, () => 128));
  return { c, got, granted };
}

function memoryLogger() {
  const lines: string[] = [];
  return { logger: pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) }), lines };
}

let tc: TestCustody;
let link: EmbeddedLink;
let port: number;
let publisher: AlarmPublisher;
let signals: GateSignals;
/** Readers that are away: the gateway sends them nothing until they sign in again. */
const away = new Set<string>();
let log: ReturnType<typeof memoryLogger>;
const clients: MqttClient[] = [];
let panel: Awaited<ReturnType<typeof device>>;
let vaultPanel: Awaited<ReturnType<typeof device>>;
let portal1: Awaited<ReturnType<typeof device>>;
let portal2: Awaited<ReturnType<typeof device>>;

const commands = (d: { got: Got[] }) => d.got.filter((g) => g.topic.endsWith('/mcmds')).map((g) => JSON.parse(g.payload));

beforeAll(async () => {
  const devices = await Promise.all([
    { id: 'portal-1', clearances: [] },
    { id: 'portal-2', clearances: ['vault'] },
    { id: 'panel-1', clearances: [] },
    { id: 'panel-vault', clearances: ['vault'] },
  ].map(async (d) => ({ ...d, kind: 'rfid_reader' as const, format: 'zebra' as const, passwordHash: await hashPassword(pw(d.id)) })));
  tc = openCustody(makeSiteInput({
    mqtt: { mode: 'embedded', host: '127.0.0.1', port: 0 },
    devices,
    gates: [
      { id: 'g-main', name: '主通道', innerZone: 'general', outerZone: 'outside',
        readers: [{ deviceId: 'portal-1', antennas: { inner: [1], outer: [2] }, gpo: { light: 1, buzzer: 2 } }] },
      { id: 'g-vault', name: '专区门', innerZone: 'vault', outerZone: 'general',
        readers: [{ deviceId: 'portal-2', antennas: { inner: [1], outer: [2] }, gpo: { light: 3, buzzer: 4 } }] },
    ],
  }));
  log = memoryLogger();
  link = new EmbeddedLink({ site: tc.custody.ctx.site, logger: log.logger, listen: { host: '127.0.0.1', port: 0 } });
  await link.start();
  port = link.address().port;

  panel = await device(port, 'panel-1', [`alarms/${SITE}/+`, `alarms/${SITE}/restricted/+`]);
  vaultPanel = await device(port, 'panel-vault', [`alarms/${SITE}/+`, `alarms/${SITE}/restricted/+`]);
  portal1 = await device(port, 'portal-1', ['rfid/portal-1/mcmds']);
  portal2 = await device(port, 'portal-2', ['rfid/portal-2/mcmds']);
  clients.push(panel.c, vaultPanel.c, portal1.c, portal2.c);

  publisher = new AlarmPublisher({ ctx: tc.custody.ctx, link, logger: log.logger });
  signals = new GateSignals({ ctx: tc.custody.ctx, link, logger: log.logger, responseTimeoutMs: 60_000, isPresent: (id) => !away.has(id) });
  // The readers' answers, as the gateway's response decoder will hand them over.
  link.onMessage((m) => {
    if (m.kind !== 'responses') return;
    const r = zebraCommandResponse(m.payload);
    if (r) signals.onResponse(m.deviceId, r);
  });
  publisher.start();
  signals.start();
});

afterAll(async () => {
  publisher?.stop();
  signals?.stop();
  await Promise.all(clients.map((c) => c.endAsync().catch(() => {})));
  await link?.stop();
  tc?.close();
});

describe('gate signals at start', () => {
  it('puts every gate in a known state: off where no critical alarm is open', async () => {
    await signals.idle();
    await waitFor(() => commands(portal1).length === 2 && commands(portal2).length === 2, 5_000, 'the start-up commands');
    expect(commands(portal1).map((c) => [c.payload.port, c.payload.state])).toEqual([[1, false], [2, false]]);
    expect(commands(portal2).map((c) => [c.payload.port, c.payload.state])).toEqual([[3, false], [4, false]]);
  });
});

describe('alarm publisher', () => {
  beforeEach(() => {
    for (const d of [panel, vaultPanel, portal1, portal2]) d.got.length = 0;
  });

  it('publishes an alarm as its API JSON on alarms/{site}/{id}, retained while live, cleared on resolve', async () => {
    const a = raise(tc.custody, { restricted: false, kind: 'unknown_tag', severity: 'warning', zoneId: 'general', epc: '300000000000000000000009' });
    const m = await waitFor(() => panel.got.find((g) => g.topic === `alarms/${SITE}/${a.id}`), 5_000, 'the alarm at the panel');
    expect(JSON.parse(m.payload)).toEqual(JSON.parse(JSON.stringify(a)));

    // A panel that connects later gets it at once, retained.
    const late = await device(port, 'panel-1', [`alarms/${SITE}/+`]);
    clients.push(late.c);
    const r = await waitFor(() => late.got.find((g) => g.topic === `alarms/${SITE}/${a.id}`), 5_000, 'the retained alarm');
    expect(r.retain).toBe(true);
    expect(JSON.parse(r.payload).state).toBe('open');

    tc.custody.ctx.transaction(() => resolveAlarm(tc.custody.ctx, supervisor, a.id, '标签已登记'));
    await waitFor(() => panel.got.filter((g) => g.topic === `alarms/${SITE}/${a.id}`).length === 3, 5_000, 'resolved, then the clearing message');
    const [, resolved, clear] = panel.got.filter((g) => g.topic === `alarms/${SITE}/${a.id}`);
    expect(JSON.parse(resolved.payload).state).toBe('resolved');
    expect(clear.payload).toBe('');

    // Nothing retained any more: a new subscriber hears nothing of it.
    const later = await device(port, 'panel-1', [`alarms/${SITE}/+`]);
    clients.push(later.c);
    await sleep(200);
    expect(later.got.filter((g) => g.topic === `alarms/${SITE}/${a.id}`)).toEqual([]);
  });

  it('puts restricted-zone alarms on alarms/{site}/restricted/{id}, which only a cleared device hears', async () => {
    expect(panel.granted).toEqual([1, 128]); // the broker refused panel-1 the restricted level
    expect(vaultPanel.granted).toEqual([1, 1]);
    const secret = raise(tc.custody, { restricted: true, kind: 'restricted_zone_breach', zoneId: 'vault', itemId: 'IT-JW' });
    const plain = raise(tc.custody, { restricted: false, kind: 'unknown_tag', severity: 'warning', zoneId: 'general' });
    const m = await waitFor(() => vaultPanel.got.find((g) => g.topic === `alarms/${SITE}/restricted/${secret.id}`), 5_000, 'the restricted alarm');
    expect(JSON.parse(m.payload).restricted).toBe(true);
    await waitFor(() => panel.got.find((g) => g.topic === `alarms/${SITE}/${plain.id}`), 5_000, 'the plain alarm');
    await sleep(100);
    expect(panel.got.map((g) => g.topic).filter((t) => t.includes(secret.id))).toEqual([]);
    expect(vaultPanel.got.map((g) => g.topic)).not.toContain(`alarms/${SITE}/${secret.id}`);
  });
});

describe('gate signals', () => {
  beforeEach(() => {
    for (const d of [panel, vaultPanel, portal1, portal2]) d.got.length = 0;
  });

  it('a critical alarm at a gate turns its light and buzzer on; off once the last one is acknowledged', async () => {
    const a1 = raise(tc.custody, { restricted: false, kind: 'unauthorized_movement', gateId: 'g-main', itemId: 'IT-POL' });
    await waitFor(() => commands(portal1).length === 2, 5_000, 'two set_gpo on');
    const on = commands(portal1);
    for (const c of on) {
      expect(Object.keys(c).sort()).toEqual(['command', 'command_id', 'payload']);
      expect(c.command).toBe('set_gpo');
      expect(c.command_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(signals.pending.get(c.command_id)).toMatchObject({ deviceId: 'portal-1', gateId: 'g-main', state: true });
    }
    expect(on.map((c) => c.payload)).toEqual([{ port: 1, state: true }, { port: 2, state: true }]);
    expect(commands(portal2)).toEqual([]); // the other gate stays as it is
    expect(signals.gatesOn()).toEqual(['g-main']);

    // The reader answers: one success, one failure (logged).
    await portal1.c.publishAsync('rfid/portal-1/mrsp', JSON.stringify({ command: 'set_gpo', command_id: on[0].command_id, response: 'success' }), { qos: 1 });
    await portal1.c.publishAsync('rfid/portal-1/mrsp', JSON.stringify({ command: 'set_gpo', command_id: on[1].command_id, response: 'GPO port busy' }), { qos: 1 });
    await waitFor(() => !signals.pending.has(on[0].command_id) && !signals.pending.has(on[1].command_id), 5_000, 'the responses');
    expect(log.lines.some((l) => l.includes('the reader refused set_gpo') && l.includes('GPO port busy'))).toBe(true);

    // A second critical alarm at the same gate; a warning there changes nothing.
    const a2 = raise(tc.custody, { restricted: false, kind: 'escort_missing', gateId: 'g-main', itemId: 'IT-POL2' });
    raise(tc.custody, { restricted: false, kind: 'unknown_tag', severity: 'warning', gateId: 'g-main' });
    await waitFor(() => commands(portal1).length === 4, 5_000, 'on again for the new alarm');
    expect(commands(portal1).slice(2).every((c) => c.payload.state === true)).toBe(true);

    // Acknowledging one leaves the other live: still on.
    tc.custody.ctx.transaction(() => acknowledgeAlarm(tc.custody.ctx, operator, a1.id, '已到场'));
    await signals.idle();
    await sleep(150);
    expect(commands(portal1)).toHaveLength(4);

    // Acknowledging the last turns both outputs off.
    tc.custody.ctx.transaction(() => acknowledgeAlarm(tc.custody.ctx, operator, a2.id, '已处置'));
    await waitFor(() => commands(portal1).length === 6, 5_000, 'two set_gpo off');
    expect(commands(portal1).slice(4).map((c) => c.payload)).toEqual([{ port: 1, state: false }, { port: 2, state: false }]);
    expect(signals.gatesOn()).toEqual([]);

    // Resolving an already acknowledged alarm sends nothing more.
    tc.custody.ctx.transaction(() => resolveAlarm(tc.custody.ctx, supervisor, a1.id, '已查明'));
    await signals.idle();
    await sleep(150);
    expect(commands(portal1)).toHaveLength(6);
  });

  it('resolving an open critical alarm turns the gate off; restricted gates are driven too', async () => {
    const a = raise(tc.custody, { restricted: true, kind: 'restricted_zone_breach', gateId: 'g-vault', itemId: 'IT-JW' });
    await waitFor(() => commands(portal2).length === 2, 5_000, 'on at the vault gate');
    expect(commands(portal2).map((c) => c.payload)).toEqual([{ port: 3, state: true }, { port: 4, state: true }]);
    const discipline: Principal = { userId: 'u-jw', name: '纪委', role: 'discipline', agencyId: 'jw', staffId: null };
    tc.custody.ctx.transaction(() => resolveAlarm(tc.custody.ctx, discipline, a.id, '已核实'));
    await waitFor(() => commands(portal2).length === 4, 5_000, 'off at the vault gate');
    expect(commands(portal2).slice(2).map((c) => c.payload)).toEqual([{ port: 3, state: false }, { port: 4, state: false }]);
    expect(commands(portal1)).toEqual([]);
  });

  it('a reader that was away is sent nothing, and is told its gate\'s state when it signs in again', async () => {
    away.add('portal-1');
    try {
      const a = raise(tc.custody, { restricted: false, kind: 'unauthorized_movement', gateId: 'g-main', itemId: 'IT-AWAY' });
      await signals.idle();
      await sleep(150);
      expect(commands(portal1)).toEqual([]);
      away.delete('portal-1');
      signals.readerOnline('portal-1');
      await waitFor(() => commands(portal1).length === 2, 5_000, 'the state on arrival');
      expect(commands(portal1).map((c) => c.payload)).toEqual([{ port: 1, state: true }, { port: 2, state: true }]);
      tc.custody.ctx.transaction(() => resolveAlarm(tc.custody.ctx, supervisor, a.id, '已查明'));
      await waitFor(() => commands(portal1).length === 4, 5_000, 'off after resolve');
    } finally {
      away.clear();
    }
  });

  it('ignores responses that are not to its commands, or from another device', async () => {
    const a = raise(tc.custody, { restricted: false, kind: 'unauthorized_movement', gateId: 'g-main', itemId: 'IT-POL' });
    await waitFor(() => commands(portal1).length === 2, 5_000, 'on');
    const id = commands(portal1)[0].command_id as string;
    expect(signals.onResponse('portal-2', { command: 'set_gpo', commandId: id, ok: true })).toBe(false);
    expect(signals.pending.has(id)).toBe(true);
    expect(signals.onResponse('portal-1', { command: 'set_gpo', commandId: 'nope', ok: true })).toBe(false);
    expect(signals.onResponse('portal-1', { command: 'set_gpo', commandId: id, ok: true })).toBe(true);
    tc.custody.ctx.transaction(() => acknowledgeAlarm(tc.custody.ctx, operator, a.id, 'ok'));
    await waitFor(() => commands(portal1).length === 4, 5_000, 'off');
  });

  it('a set_gpo no one answers is sent again, twice, and only then logged as unanswered', async () => {
    // A second instance with a short timeout, listening to nothing: the test readers never answer.
    const quick = new GateSignals({ ctx: tc.custody.ctx, link, logger: log.logger, responseTimeoutMs: 150, syncOnStart: false, onlineSettleMs: 10 });
    quick.start();
    try {
      const before = commands(portal1).length;
      quick.readerOnline('portal-1');
      // light and buzzer, three times each
      await waitFor(() => commands(portal1).length >= before + 6, 5_000, 'three attempts');
      const sent = commands(portal1).slice(before);
      expect(new Set(sent.map((c) => c.command_id)).size).toBe(sent.length);
      await waitFor(() => log.lines.map((l) => JSON.parse(l)).some((l) => l.msg === 'gate signal: no response to set_gpo' && l.attempts === 3), 5_000, 'the warning after the last attempt');
      await new Promise((r) => setTimeout(r, 400));
      expect(commands(portal1).length).toBe(before + 6);
    } finally {
      quick.stop();
    }
  });

  it('parses Zebra command responses', () => {
    expect(zebraCommandResponse('{"command":"set_gpo","command_id":"c1","response":"success"}')).toEqual({ command: 'set_gpo', commandId: 'c1', ok: true });
    expect(zebraCommandResponse('{"command":"set_gpo","command_id":"c2","response":"failure","error":"x"}'))
      .toEqual({ command: 'set_gpo', commandId: 'c2', ok: false, error: 'failure' });
    expect(zebraCommandResponse('not json')).toBeNull();
    expect(zebraCommandResponse('{"type":"GPI"}')).toBeNull();
  });
});

describe('stop', () => {
  it('removes both bus listeners', () => {
    expect(busListenerCount(tc.custody)).toBe(2);
    publisher.stop();
    signals.stop();
    expect(busListenerCount(tc.custody)).toBe(0);
  });
});
