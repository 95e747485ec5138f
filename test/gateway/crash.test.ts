// Power can fail at any instant. The gateway runs as its own process; a crossing is decided,
// then the process is killed with SIGKILL (no shutdown code runs). On restart the decided
// crossing, its alarm and the ledger are all there exactly once, and verify passes.
import { afterAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import Database from 'better-sqlite3';
import { walkReads, seededRandom } from '../../firmware-sim/portal/walk.ts';
import { zebraTagEvent } from '../../firmware-sim/portal/formats.ts';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-crash-'));
const children: ChildProcess[] = [];

async function startGateway(): Promise<GatewayProcess> {
  const gw = await spawnGateway({ GATEWAY_DATA_DIR: dir, GATEWAY_HTTP_PORT: '0', GATEWAY_MQTT_PORT: '0', GATEWAY_SIMULATE: 'off', LOG_LEVEL: 'warn' });
  children.push(gw.child);
  return gw;
}

const get = async (base: string, p: string) => (await fetch(`${base}/api/v1${p}`, { headers: { authorization: 'Bearer demo-supervisor' } })).json() as Promise<any>;

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a crash right after a decision', () => {
  it('keeps the decided crossing, its alarm and the ledger, once each', async () => {
    const first = await startGateway();
    const item = (await get(first.http, '/items?state=stored&zone=general&limit=1')).data[0];
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${first.mqttPort}`, { username: 'rd-main', password: 'demo-rd-main', clientId: 'rd-main', protocolVersion: 4 });
    const reads = walkReads({ direction: 'out', innerAntennas: [3, 4], outerAntennas: [1, 2], start: Date.now() - 8000 }, seededRandom(11));
    for (let i = 0; i < reads.length; i += 50) {
      await client.publishAsync('rfid/rd-main/tevents', JSON.stringify(reads.slice(i, i + 50)
        .map((r, j) => zebraTagEvent({ ...r, idHex: item.epc }, { mac: 'C4:7D:CC:00:00:02', eventNum: i + j }))), { qos: 1 });
    }
    let alarm: any;
    for (let t = Date.now(); Date.now() - t < 20_000 && !alarm; await new Promise((r) => setTimeout(r, 50))) {
      alarm = (await get(first.http, `/alarms?kind=unauthorized_movement&item=${item.id}`)).data[0];
    }
    expect(alarm).toBeDefined();
    const headBefore = (await get(first.http, '/ledger/verify')).head.seq;
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    await client.endAsync(true);

    // The reader re-sends its buffer after the gateway comes back: the crossing must not count twice.
    const second = await startGateway();
    const again = await mqtt.connectAsync(`mqtt://127.0.0.1:${second.mqttPort}`, { username: 'rd-main', password: 'demo-rd-main', clientId: 'rd-main', protocolVersion: 4 });
    await again.publishAsync('rfid/rd-main/tevents', JSON.stringify(reads.map((r, j) => zebraTagEvent({ ...r, idHex: item.epc }, { mac: 'C4:7D:CC:00:00:02', eventNum: j }))), { qos: 1 });
    await new Promise((r) => setTimeout(r, 14_000));
    await again.endAsync();
    const alarms = (await get(second.http, `/alarms?kind=unauthorized_movement&item=${item.id}`)).data;
    expect(alarms).toHaveLength(1);
    expect(alarms[0].id).toBe(alarm.id);
    const verify = await get(second.http, '/ledger/verify');
    expect(verify.ok).toBe(true);
    expect(verify.head.seq).toBeGreaterThanOrEqual(headBefore);
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
    const db = new Database(path.join(dir, 'gateway.db'), { readonly: true });
    const rows = db.prepare('SELECT count(*) AS n FROM crossings WHERE epc = ?').get(item.epc) as { n: number };
    db.close();
    expect(rows.n).toBe(1);
  }, 180_000);
});
