// The demo's simulated devices as their own process: readers that sign in to the gateway's
// broker like real ones and walk people through the gates. It knows nothing of the gateway's
// code; it is given a plan file (gates, readers, badges, items and a list of errands) and speaks MQTT.
import fs from 'node:fs';
import { createScenario, planRandomWalk, type ScenarioDescription, type WalkPlan } from './portal/scenario.ts';
import { seededRandom } from './portal/walk.ts';
import { stopOnce } from './parent.ts';

interface DemoPlan {
  url: string;
  description: ScenarioDescription;
  /** Walks to make in order (the site's orders being carried out), then random walks. */
  errands: WalkPlan[];
  intervalMs: number;
  seed: number;
  /** Kill this reader after a while, then bring it back, so that device_offline is seen. */
  flakyReader?: { deviceId: string; afterMs: number; backAfterMs: number };
}

async function main() {
  const file = process.argv[2];
  if (!file || file.startsWith('--')) throw new Error('usage: tsx firmware-sim/main.ts PLAN.json [--exit-with-parent]');
  const plan = JSON.parse(fs.readFileSync(file, 'utf8')) as DemoPlan;
  const scenario = createScenario(plan.url, plan.description, { seed: plan.seed });
  const log = (msg: string) => process.stdout.write(`[firmware-sim] ${msg}\n`);
  // Signing the readers out is a courtesy; exiting is not: a broker that does not answer must not keep us.
  // Watched from the first moment: a gateway that dies while our readers sign in must not leave us behind.
  let stopped = false;
  stopOnce(log, () => { stopped = true; return scenario.stop(); }, 2_000);
  await scenario.start();
  const rng = seededRandom(plan.seed);
  const errands = [...plan.errands];
  log(`${plan.description.gates.length} gates online, ${errands.length} errands planned`);

  const walkOnce = async () => {
    // Mostly people walking through with their badge; an errand when one is due; now and then a
    // random carry that no order covers, which the gateway must catch.
    const next = errands.length && rng() < 0.5 ? errands.shift()! : planRandomWalk(
      { ...plan.description, items: rng() < 0.15 ? plan.description.items : [] }, rng);
    const r = await scenario.runWalk(next, { timing: 'realtime' });
    log(`${r.kind} ${r.plan.direction} ${r.plan.gateId} staff=[${r.plan.staff.join(',')}] items=${r.plan.items.length}`);
  };
  const loop = async () => {
    while (!stopped) {
      try {
        await walkOnce();
      } catch (e) {
        log(`walk failed: ${(e as Error).message}`);
      }
      await new Promise((res) => setTimeout(res, plan.intervalMs * (0.5 + rng())));
    }
  };
  void loop();
  if (plan.flakyReader) {
    const f = plan.flakyReader;
    setTimeout(() => {
      log(`reader ${f.deviceId} dies`);
      scenario.killReader(f.deviceId, 'crash');
      setTimeout(() => { log(`reader ${f.deviceId} is back`); void scenario.reviveReader(f.deviceId); }, f.backAfterMs);
    }, f.afterMs);
  }
}

main().catch((e) => {
  process.stderr.write(`[firmware-sim] ${(e as Error).message}\n`);
  process.exit(1);
});
