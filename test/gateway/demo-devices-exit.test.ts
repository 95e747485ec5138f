// The simulated devices die with their gateway. The demo's readers run in their own process
// (firmware-sim/main.ts), a child of the gateway's; when the gateway is killed, SIGKILL included,
// that child must go within seconds, not stay on as a second set of demo readers beside the next
// gateway's.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { waitFor } from '../helpers/wait.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-demo-sim-'));
const gateways = new Set<ChildProcess>();
const pids = new Set<number>();

/** Running, as the kernel sees it: a zombie waiting for its reaper has exited. */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the command name in parentheses, which may itself hold spaces or ')'.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The pids of a process's children, from every thread's list (Linux). */
function childrenOf(pid: number): number[] {
  const tasks = fs.readdirSync(`/proc/${pid}/task`);
  return tasks.flatMap((t) => fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
}

async function startWithDevices(): Promise<{ gw: GatewayProcess; simPid: number }> {
  const gw = await spawnGateway({
    GATEWAY_DATA_DIR: dir, GATEWAY_HTTP_PORT: '0', GATEWAY_MQTT_PORT: '0', GATEWAY_SIMULATE: 'on', LOG_LEVEL: 'info',
  });
  gateways.add(gw.child);
  const started = gw.records().find((r) => r.msg === 'simulated devices started');
  expect(started, 'the gateway logs the pid of its simulated devices').toBeDefined();
  const simPid = started!.childPid as number;
  pids.add(simPid);
  expect(childrenOf(gw.child.pid!)).toContain(simPid);
  // Steady state: every demo reader has signed in through the broker before the gateway is killed.
  const online = async () => ((await (await fetch(`${gw.http}/api/v1/devices`, { headers: { authorization: 'Bearer demo-discipline' } })).json()) as any)
    .data.filter((d: any) => d.kind === 'rfid_reader' && d.state === 'online').length;
  await waitFor(async () => (await online()) === 4, 45_000);
  return { gw, simPid };
}

const goneWithin = async (pid: number, ms: number) => {
  const t0 = Date.now();
  while (alive(pid) && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 50));
  return { gone: !alive(pid), ms: Date.now() - t0 };
};

afterEach(async () => {
  // Whatever happened in the test, nothing it started is left running.
  for (const c of gateways) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await new Promise((r) => c.once('exit', r));
    }
  }
  gateways.clear();
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch { /* gone already, as it should be */ }
  }
  pids.clear();
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the simulated devices and their gateway', () => {
  it('SIGKILL the gateway: the simulator process exits within 5 s', async () => {
    const { gw, simPid } = await startWithDevices();
    gw.child.kill('SIGKILL');
    await new Promise((r) => gw.child.once('exit', r));
    const { gone, ms } = await goneWithin(simPid, 5_000);
    expect(gone, `the simulator (pid ${simPid}) still runs ${ms} ms after its gateway was killed`).toBe(true);
  }, 120_000);

  it('a clean stop (SIGTERM) takes the simulator with it too', async () => {
    const { gw, simPid } = await startWithDevices();
    gw.child.kill('SIGTERM');
    await new Promise((r) => gw.child.once('exit', r));
    expect(gw.child.exitCode).toBe(0);
    const { gone } = await goneWithin(simPid, 5_000);
    expect(gone).toBe(true);
  }, 120_000);
});
