// The simulated environment monitors as a process of their own (the demo's, or a field engineer's
// bench): `tsx firmware-sim/opcua/main.ts PLAN.json [--exit-with-parent]`. PLAN: {pkiDir, port,
// resourcePath?, monitors: [name…], walkMs?, seed?}. stdout carries JSON lines: `{"ready":{endpoint}}`
// once the server listens, then one answer per stdin command: `{"cmd":"set","monitor","value","v"}`
// (value one of Temperature, Humidity, Smoke, Water, Door). Logs go to stderr.
import fs from 'node:fs';
import readline from 'node:readline';
import { stopOnce } from '../parent.ts';
import { MONITOR_VALUES, OpcuaMonitorSim, type MonitorValue } from './server.ts';

const emit = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
const log = (m: string) => process.stderr.write(`[opcua-sim] ${m}\n`);

async function main() {
  const file = process.argv[2];
  if (!file || file.startsWith('--')) throw new Error('usage: tsx firmware-sim/opcua/main.ts PLAN.json [--exit-with-parent]');
  const plan = JSON.parse(fs.readFileSync(file, 'utf8')) as { pkiDir: string; port: number; resourcePath?: string; monitors: string[]; walkMs?: number; seed?: number };
  const sim = new OpcuaMonitorSim({ pkiDir: plan.pkiDir, port: plan.port, resourcePath: plan.resourcePath, monitors: plan.monitors, walkMs: plan.walkMs ?? 5_000, seed: plan.seed, security: ['None'] });
  stopOnce(log, () => sim.stop(), 3_000);
  await sim.start();
  emit({ ready: { endpoint: sim.endpoint, monitors: plan.monitors } });
  readline.createInterface({ input: process.stdin }).on('line', (text) => {
    try {
      const c = JSON.parse(text) as { cmd?: string; monitor?: string; value?: string; v?: number | boolean };
      if (c.cmd !== 'set' || !MONITOR_VALUES.includes(c.value as MonitorValue) || c.v === undefined) throw new Error('expected {"cmd":"set","monitor","value","v"}');
      sim.set(c.value as MonitorValue, c.v, c.monitor);
      emit({ ok: true });
    } catch (e) {
      emit({ ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  });
}

main().catch((e: unknown) => {
  log(e instanceof Error ? e.stack ?? e.message : String(e));
  process.exit(1);
});
