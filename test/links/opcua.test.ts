// The device-link contract for an OPC UA environment monitor: firmware-sim's OPC UA server (a real
// node-opcua server, written apart from the gateway) read by OpcuaMonitor. It reports values, not
// tags: what it is made to say is a new temperature; its garbage is a NaN and a Bad status; it
// goes away as a server shut down and comes back as one restarted on the same port.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OpcuaMonitorSim } from '../../firmware-sim/opcua/server.ts';
import { OpcuaMonitor } from '../../gateway/opcua/link.ts';
import { memoryLogger } from '../mqtt/fixtures.ts';
import { monitorDevice } from '../opcua/fixtures.ts';
import { deviceLinkContract } from './contract.ts';

deviceLinkContract('OPC UA environment monitor (firmware-sim OPC UA server)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opcua-contract-'));
  // No random walk: every value the link reports is one the simulator started with or was set to.
  const sim = new OpcuaMonitorSim({ pkiDir: path.join(dir, 'sim-pki'), security: ['None'], walkMs: 0 });
  await sim.start();
  const link = new OpcuaMonitor({
    device: monitorDevice(sim), dataDir: path.join(dir, 'data'), logger: memoryLogger().logger,
    retry: { initialMs: 200, maxMs: 1_000 }, watchdogTickMs: 200,
  });
  const said = new Set(['temperature=21.5', 'humidity=48', 'smoke=0', 'water=0', 'door=0']);
  let step = 0;
  return {
    link, deviceId: 'env-1',
    showSomething: async () => {
      const value = 10 + ++step * 0.25;
      said.add(`temperature=${value}`);
      sim.set('Temperature', value);
      return (r) => !!r.readings?.some((x) => x.name === 'temperature' && x.value === value);
    },
    hideIt: async () => undefined,
    invented: (r) => (r.readings ?? []).map((x) => `${x.name}=${x.value}`).filter((k) => !said.has(k)),
    sendGarbage: async () => {
      sim.set('Temperature', Number.NaN);
      sim.setBad('Humidity');
    },
    rejections: () => {
      const e = link.status().errors;
      return (e.bad_status ?? 0) + (e.impossible_value ?? 0) + (e.wrong_type ?? 0);
    },
    unplug: () => sim.stop(),
    replug: () => sim.start(),
    close: async () => {
      await sim.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
