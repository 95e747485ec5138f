// The continuous demo: random walks through every gate until stop(), and a reader that dies and comes back.
import type { DeathMode } from './reader.ts';
import type { ScenarioDescription } from './description.ts';
import type { WalkPlan } from './plan.ts';
import { createScenario, type RunWalkOptions, type Scenario, type WalkRecord } from './scenario.ts';


export interface DemoOptions {
  /** Time between the starts of two walks, ms. Default 6000. */
  intervalMs?: number;
  seed?: number;
  /** Heartbeat period of every reader, ms. Default 10 000. */
  heartbeatMs?: number;
  /**
   * A reader that dies during the demo: `false` for none. Default: the last reader of the last
   * gate crashes (will fires) after 5 minutes and comes back 2 minutes later.
   */
  die?:
    | false
    | {
        deviceId?: string;
        afterMs?: number;
        mode?: DeathMode;
        /** Come back this long after dying; omit or 0 to stay dead. */
        reviveAfterMs?: number;
      };
  onWalk?: (record: WalkRecord) => void;
  onError?: (err: Error) => void;
}

export interface DemoHandle {
  scenario: Scenario;
  /** Resolves once every reader is connected (rejects if one cannot connect). */
  ready: Promise<void>;
  onWalk(cb: (record: WalkRecord) => void): () => void;
  /** Makes one exact walk happen now, in real time, between the random ones. */
  runWalk(plan: WalkPlan, options?: RunWalkOptions): Promise<WalkRecord>;
  stop(): Promise<void>;
}

/** Starts random walks through the description's gates until `stop()`. */
export function startDemo(url: string, description: ScenarioDescription, options: DemoOptions = {}): DemoHandle {
  const scenario = createScenario(url, description, {
    seed: options.seed ?? Date.now() & 0xffffffff,
    heartbeatMs: options.heartbeatMs ?? 10_000,
  });
  if (options.onError) scenario.on('error', options.onError);
  if (options.onWalk) scenario.onWalk(options.onWalk);
  const interval = options.intervalMs ?? 6000;

  const tick = (): void => {
    if (scenario.isStopped) return;
    const free = description.gates.filter((g) => !scenario.gateBusy(g.id)).map((g) => g.id);
    if (free.length > 0 && (description.people.length > 0 || description.items.length > 0)) {
      const plan = scenario.planWalk({ gateIds: free });
      void scenario.runWalk(plan, { timing: 'realtime' }).catch((e: Error) => options.onError?.(e));
    }
    scenario.schedule(interval, tick);
  };

  const ready = scenario.start().then(() => {
    if (scenario.isStopped) return;
    scenario.schedule(Math.min(interval, 1000), tick);
    const die = options.die === undefined ? {} : options.die;
    const all = description.gates.flatMap((g) => g.readers);
    if (die !== false && all.length > 0) {
      const deviceId = die.deviceId ?? all[all.length - 1]!.deviceId;
      const reviveAfter = options.die === undefined ? 120_000 : (die.reviveAfterMs ?? 0);
      scenario.schedule(die.afterMs ?? 300_000, () => {
        void scenario
          .killReader(deviceId, die.mode ?? 'crash')
          .then(() => {
            if (reviveAfter > 0) scenario.schedule(reviveAfter, () => void scenario.reviveReader(deviceId).catch((e: Error) => options.onError?.(e)));
          })
          .catch((e: Error) => options.onError?.(e));
      });
    }
  });
  ready.catch((e: Error) => options.onError?.(e));

  return {
    scenario,
    ready,
    onWalk: (cb) => scenario.onWalk(cb),
    runWalk: (plan, o) => scenario.runWalk(plan, { timing: 'realtime', ...o }),
    stop: () => scenario.stop(),
  };
}
