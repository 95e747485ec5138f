import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SimReader, defaultReaderTopics, type SimReaderOptions } from '../../firmware-sim/portal/reader.ts';
import { listen, startBroker, until, type TestBroker } from './broker.ts';

const EPC = '3474257BF40000000000162E';
let broker: TestBroker;
const started: SimReader[] = [];

beforeAll(async () => {
  broker = await startBroker({ 'gate-a-r1': 's3cret', 'gate-a-r2': 'pw2', 'dock-r700': 'pw3' });
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((r) => r.stop()));
});
afterAll(async () => {
  await broker.close();
});

async function reader(o: Partial<SimReaderOptions> & { deviceId: string; password: string }): Promise<SimReader> {
  const r = new SimReader({ url: broker.url, format: 'zebra', topics: defaultReaderTopics(o.deviceId), heartbeatMs: 0, ...o });
  started.push(r);
  await r.start();
  return r;
}

function splitGlued(text: string): unknown[] {
  // Split on '}{' only at depth 0, outside strings.
  const out: unknown[] = [];
  let depth = 0;
  let inStr = false;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      out.push(JSON.parse(text.slice(from, i + 1)));
      from = i + 1;
    }
  }
  return out;
}

describe('SimReader against a real MQTT broker', () => {
  it('connects as MQTT 3.1.1 with username = device id and client id = device id + -sim', async () => {
    await reader({ deviceId: 'gate-a-r1', password: 's3cret' });
    const c = broker.connections.find((x) => x.clientId === 'gate-a-r1-sim');
    expect(c).toEqual({ clientId: 'gate-a-r1-sim', username: 'gate-a-r1', protocolVersion: 4 });
  });

  it('fails to start with a wrong password', async () => {
    const r = new SimReader({ url: broker.url, deviceId: 'gate-a-r1', password: 'nope', format: 'zebra', topics: defaultReaderTopics('gate-a-r1'), heartbeatMs: 0 });
    await expect(r.start()).rejects.toThrow();
    expect(r.status).toBe('stopped');
  });

  it('publishes Zebra tag events one per message', async () => {
    const topics = defaultReaderTopics('gate-a-r1');
    const l = await listen(broker.url, [topics.tagEvents]);
    const r = await reader({ deviceId: 'gate-a-r1', password: 's3cret', mac: 'C4:7D:CC:FF:FF:FF' });
    const t = Date.UTC(2025, 0, 1, 12, 0, 0, 123);
    await r.reads([
      { idHex: EPC, antenna: 1, rssi: -61.2, t },
      { idHex: EPC, antenna: 3, rssi: -55.7, t: t + 50 },
    ]);
    await until(() => l.messages.length === 2, 5000, 'two tag messages');
    const evs = l.messages.map((m) => JSON.parse(m.text));
    expect(evs[0]).toEqual({
      type: 'SIMPLE',
      timestamp: '2025-01-01T12:00:00.123+0000',
      data: { MAC: 'C4:7D:CC:FF:FF:FF', antenna: 1, eventNum: 1, format: 'epc', idHex: EPC, peakRssi: -61, reads: 1 },
    });
    expect(evs[1].data).toMatchObject({ antenna: 3, eventNum: 2, peakRssi: -56 });
    expect(evs[1].timestamp).toBe('2025-01-01T12:00:00.173+0000');
    await l.end();
  });

  it('batches Zebra events as a JSON array', async () => {
    const topics = defaultReaderTopics('gate-a-r1');
    const l = await listen(broker.url, [topics.tagEvents]);
    const r = await reader({ deviceId: 'gate-a-r1', password: 's3cret', reporting: 'batched', maxBatch: 3 });
    const t = Date.now();
    await r.reads(Array.from({ length: 5 }, (_, i) => ({ idHex: EPC, antenna: 1 + (i % 2), rssi: -60, t: t + i })));
    await until(() => l.messages.length === 2, 5000, 'two batches');
    const batches = l.messages.map((m) => JSON.parse(m.text) as { data: { eventNum: number } }[]);
    expect(batches.map((b) => b.length)).toEqual([3, 2]);
    expect(batches.flat().map((e) => e.data.eventNum)).toEqual([1, 2, 3, 4, 5]);
    await l.end();
  });

  it('batch window: queued reads go out together after the window', async () => {
    const topics = defaultReaderTopics('gate-a-r1');
    const l = await listen(broker.url, [topics.tagEvents]);
    const r = await reader({ deviceId: 'gate-a-r1', password: 's3cret', reporting: 'batched', batchWindowMs: 50 });
    await r.read({ idHex: EPC, antenna: 1, rssi: -60, t: Date.now() });
    await r.read({ idHex: EPC, antenna: 2, rssi: -60, t: Date.now() });
    await until(() => l.messages.length === 1, 5000, 'one batch');
    expect(JSON.parse(l.messages[0]!.text)).toHaveLength(2);
    await l.end();
  });

  it('glues Zebra events together with }{ in concatenated mode (ATR7000: rssi)', async () => {
    const topics = defaultReaderTopics('gate-a-r2');
    const l = await listen(broker.url, [topics.tagEvents]);
    const r = await reader({ deviceId: 'gate-a-r2', password: 'pw2', reporting: 'concatenated', zebraModel: 'atr7000' });
    const t = Date.now();
    await r.reads([1, 2, 3].map((a) => ({ idHex: EPC, antenna: a, rssi: -58, t: t + a })));
    await until(() => l.messages.length === 1, 5000, 'one glued message');
    const text = l.messages[0]!.text;
    expect(text.split('}{')).toHaveLength(3);
    expect(text.startsWith('{') && text.endsWith('}')).toBe(true);
    const evs = splitGlued(text) as { data: { antenna: number; rssi: number; peakRssi?: number } }[];
    expect(evs.map((e) => e.data.antenna)).toEqual([1, 2, 3]);
    expect(evs.every((e) => e.data.rssi === -58 && e.data.peakRssi === undefined)).toBe(true);
    await l.end();
  });

  it('publishes Impinj tagInventory events with nine fractional digits', async () => {
    const topics = defaultReaderTopics('dock-r700');
    const l = await listen(broker.url, [topics.tagEvents]);
    const r = await reader({ deviceId: 'dock-r700', password: 'pw3', format: 'impinj', hostname: 'impinj-14-4a-8b' });
    await r.read({ idHex: EPC, antenna: 2, rssi: -61.5, t: Date.UTC(2021, 1, 2, 18, 39, 34, 385) });
    await until(() => l.messages.length === 1, 5000, 'one Impinj event');
    const ev = JSON.parse(l.messages[0]!.text);
    expect(ev).toMatchObject({ hostname: 'impinj-14-4a-8b', eventType: 'tagInventory', tagInventoryEvent: { epcHex: EPC, antennaPort: 2, peakRssiCdbm: -6150 } });
    expect(ev.timestamp).toMatch(/^2021-02-02T18:39:34\.385\d{6}Z$/);
    expect(Buffer.from(ev.tagInventoryEvent.epc, 'base64').toString('hex').toUpperCase()).toBe(EPC);
    await l.end();
  });

  it('an Impinj reader refuses the Zebra-only concatenated mode', () => {
    expect(() => new SimReader({ url: broker.url, deviceId: 'x', password: 'y', format: 'impinj', topics: defaultReaderTopics('x'), reporting: 'concatenated' })).toThrow(/Zebra/);
  });

  it('sends heartbeats and GPI events on the management topic', async () => {
    const topics = defaultReaderTopics('gate-a-r1');
    const l = await listen(broker.url, [topics.managementEvents]);
    const r = await reader({ deviceId: 'gate-a-r1', password: 's3cret', heartbeatMs: 50 });
    await until(() => l.messages.filter((m) => JSON.parse(m.text).type === 'heartbeat').length >= 2, 5000, 'two heartbeats');
    await r.gpiChange(1, 'LOW');
    await until(() => l.messages.some((m) => JSON.parse(m.text).type === 'GPI'), 5000, 'GPI event');
    expect(JSON.parse(l.messages.find((m) => JSON.parse(m.text).type === 'GPI')!.text)).toEqual({ type: 'GPI', pin: 1, state: 'LOW' });
    const hb = JSON.parse(l.messages[0]!.text);
    expect(hb.timestamp).toMatch(/\+0000$/);
    await l.end();
  });

  it('answers set_gpo on the responses topic and remembers the GPO state', async () => {
    const topics = defaultReaderTopics('gate-a-r1');
    const l = await listen(broker.url, [topics.responses]);
    const r = await reader({ deviceId: 'gate-a-r1', password: 's3cret' });
    const gpoSeen: [number, boolean][] = [];
    r.on('gpo', (port, state) => gpoSeen.push([port, state]));
    await l.client.publishAsync(topics.commands, JSON.stringify({ command: 'set_gpo', command_id: 'light-1', payload: { port: 1, state: true } }), { qos: 1 });
    await l.client.publishAsync(topics.commands, JSON.stringify({ command: 'set_gpo', command_id: 'buzz-1', payload: { port: 2, state: 'HIGH' } }), { qos: 1 });
    await l.client.publishAsync(topics.commands, JSON.stringify({ command: 'set_gpo', command_id: 'bad-1', payload: { port: 9, state: true } }), { qos: 1 });
    await l.client.publishAsync(topics.commands, JSON.stringify({ command: 'get_gpoStatus', command_id: 'q-1', payload: {} }), { qos: 1 });
    await l.client.publishAsync(topics.commands, 'not json', { qos: 1 });
    await until(() => l.messages.length === 4, 5000, 'four responses');
    const byId = Object.fromEntries(l.messages.map((m) => [JSON.parse(m.text).command_id, JSON.parse(m.text)]));
    expect(byId['light-1']).toEqual({ command: 'set_gpo', command_id: 'light-1', response: 'success', payload: {} });
    expect(byId['buzz-1']).toMatchObject({ command: 'set_gpo', command_id: 'buzz-1', response: 'success' });
    expect(byId['bad-1']).toMatchObject({ command: 'set_gpo', command_id: 'bad-1', response: 'failure' });
    expect(byId['q-1']).toMatchObject({ response: 'success', payload: { '1': 'HIGH', '2': 'HIGH', '3': 'LOW' } });
    expect(r.gpo.get(1)).toBe(true);
    expect(r.gpo.get(2)).toBe(true);
    expect(gpoSeen).toEqual([[1, true], [2, true]]);
    expect(r.commands.map((c) => c.command_id)).toEqual(['light-1', 'buzz-1', 'bad-1', 'q-1']);

    await l.client.publishAsync(topics.commands, JSON.stringify({ command: 'set_gpo', command_id: 'light-0', payload: { port: 1, state: false } }), { qos: 1 });
    await until(() => r.gpo.get(1) === false, 5000, 'light off');
    await l.end();
  });

  it('crash: drops the connection without DISCONNECT, so its will fires; no reconnection', async () => {
    const topics = defaultReaderTopics('gate-a-r1');
    const l = await listen(broker.url, [topics.managementEvents]);
    const r = await reader({ deviceId: 'gate-a-r1', password: 's3cret', reconnectPeriodMs: 100 });
    await r.die('crash');
    expect(r.status).toBe('crashed');
    await until(() => l.messages.length === 1, 5000, 'will message');
    expect(JSON.parse(l.messages[0]!.text)).toMatchObject({ type: 'status', data: { status: 'offline' } });
    await new Promise((res) => setTimeout(res, 400));
    expect(r.connected).toBe(false);
    expect(broker.connections.filter((c) => c.clientId === 'gate-a-r1-sim').length).toBeGreaterThan(0);
    const before = broker.connections.length;
    await new Promise((res) => setTimeout(res, 300));
    expect(broker.connections.length).toBe(before); // it did not come back
    await r.read({ idHex: EPC, antenna: 1, rssi: -50, t: Date.now() }); // a dead reader reads nothing, and does not throw
    await l.end();
  });

  it('a clean stop sends DISCONNECT: no will', async () => {
    const topics = defaultReaderTopics('gate-a-r2');
    const l = await listen(broker.url, [topics.managementEvents]);
    const r = await reader({ deviceId: 'gate-a-r2', password: 'pw2' });
    await r.stop();
    await new Promise((res) => setTimeout(res, 300));
    expect(l.messages).toHaveLength(0);
    await l.end();
  });

  it('hang: stays connected but sends nothing and answers nothing', async () => {
    const topics = defaultReaderTopics('gate-a-r2');
    const l = await listen(broker.url, [topics.managementEvents, topics.responses, topics.tagEvents]);
    const r = await reader({ deviceId: 'gate-a-r2', password: 'pw2', heartbeatMs: 40 });
    await until(() => l.messages.length >= 1, 5000, 'a heartbeat');
    await r.die('hang');
    await new Promise((res) => setTimeout(res, 100));
    const n = l.messages.length;
    await r.read({ idHex: EPC, antenna: 1, rssi: -50, t: Date.now() });
    await l.client.publishAsync(topics.commands, JSON.stringify({ command: 'set_gpo', command_id: 'x', payload: { port: 1, state: true } }), { qos: 1 });
    await new Promise((res) => setTimeout(res, 300));
    expect(l.messages.length).toBe(n);
    expect(r.connected).toBe(true);
    expect(r.status).toBe('hung');
    await l.end();
  });
});
