// The simulated serial devices as their own process, started by the gateway for its demo or by a
// test: `tsx firmware-sim/serial/main.ts PLAN.json [--exit-with-parent]`.
//
// stdout carries JSON lines only, for the parent to parse: first `{"ready":[…]}` with where each
// device listens, then one answer per stdin command (`{"ok":true,…}` or `{"ok":false,"error":…}`,
// with the command's `seq` if it had one) and line events (`{"event":"down",…}`). Logs go to stderr.
import fs from 'node:fs';
import readline from 'node:readline';
import { stopOnce } from '../parent.ts';
import { SerialSim } from './sim.ts';

const log = (msg: string) => process.stderr.write(`[serial-sim] ${msg}\n`);
const emit = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);

async function main() {
  const file = process.argv[2];
  if (!file || file.startsWith('--')) throw new Error('usage: tsx firmware-sim/serial/main.ts PLAN.json [--exit-with-parent]');
  const sim = new SerialSim(JSON.parse(fs.readFileSync(file, 'utf8')), emit);
  // socat children are killed on stop; a stop that hangs must still end the process.
  stopOnce(log, () => sim.stop(), 3_000);

  const ready = await sim.start();
  emit({ ready });
  for (const r of ready) log(`${r.id} (${r.kind}) on ${'pty' in r ? r.pty : `tcp ${r.tcp.host}:${r.tcp.port}`}`);

  // One command at a time, in order: an unplug finishes before the replug after it starts.
  let chain = Promise.resolve();
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (text) => {
    if (!text.trim()) return;
    chain = chain.then(async () => {
      let cmd: unknown;
      try {
        cmd = JSON.parse(text);
      } catch {
        emit({ ok: false, error: `not JSON: ${text.slice(0, 200)}` });
        return;
      }
      const c = (cmd && typeof cmd === 'object' ? cmd : {}) as Record<string, unknown>;
      const echo = { cmd: c.cmd, device: c.device, ...(c.seq !== undefined ? { seq: c.seq } : {}) };
      try {
        emit({ ok: true, ...echo, ...(await sim.apply(cmd)) });
      } catch (e) {
        emit({ ok: false, ...echo, error: (e as Error).message });
      }
    });
  });
}

main().catch((e) => {
  log((e as Error).message);
  process.exit(1);
});
