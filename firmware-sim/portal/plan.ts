// Walks: what one pass through a gate is (who, carrying what, which way), and random ones for the demo.
import type { ScenarioDescription } from './description.ts';
import { gaussian, type PortalSide, type WalkDirection } from './walk.ts';


export interface WalkPlan {
  gateId: string;
  direction: WalkDirection;
  /** Staff ids (or badge EPCs) of the people walking, in order; the first carries the items. Empty: items carried by someone without a badge. */
  staff: string[];
  /** EPCs of the items carried. */
  items: string[];
  /** Turnaround: the side entered and left by. Default: random. */
  turnaroundSide?: PortalSide;
  /** Each following person walks this far behind the one before, ms. Default 900. */
  followGapMs?: number;
  /** Walking speed, m/s. Default 1.2 (± a little per walk when random). */
  speedMps?: number;
  /** Weak stray reads of other tags (items not in the walk) during the walk. Default 0. */
  strayReads?: number;
  /** Per read opportunity probability of a reflection read of the walking tags. Default 0. */
  strayProbability?: number;
}


/** Picks an element with a [0,1) random number. */
export function pick<T>(xs: readonly T[], rng: () => number): T {
  return xs[Math.floor(rng() * xs.length) % xs.length]!;
}

export function shuffled<T>(xs: readonly T[], rng: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

export interface PlanOptions {
  /** Only these gates (default all). */
  gateIds?: string[];
  /** Where each item was last left, to make items walk out of where they went in. */
  itemSides?: Map<string, { gateId: string; side: PortalSide }>;
}

/**
 * A random walk: usually one person with 0–3 items in or out; a second person whenever a
 * dual-control item is carried (but not always: a missing escort is part of the demo);
 * sometimes a turn-around; sometimes stray reads; rarely an item with no badge.
 */
export function planRandomWalk(d: ScenarioDescription, rng: () => number, opts: PlanOptions = {}): WalkPlan {
  const gates = d.gates.filter((g) => !opts.gateIds || opts.gateIds.includes(g.id));
  if (gates.length === 0) throw new Error('no gate to walk through');
  const gate = pick(gates, rng);
  const r = rng();
  const direction: WalkDirection = r < 0.45 ? 'in' : r < 0.9 ? 'out' : 'turnaround';
  const entry: PortalSide = direction === 'in' ? 'outer' : direction === 'out' ? 'inner' : rng() < 0.5 ? 'outer' : 'inner';

  // Items on the side the person enters by (or whose side is unknown at this gate).
  const available = d.items.filter((it) => {
    const s = opts.itemSides?.get(it.epc);
    return !s || s.gateId !== gate.id || s.side === entry;
  });
  const rc = rng();
  const want = rc < 0.2 ? 0 : rc < 0.6 ? 1 : rc < 0.85 ? 2 : 3;
  const items = shuffled(available, rng).slice(0, want);

  const noBadge = items.length > 0 && rng() < 0.03;
  const people = shuffled(d.people, rng);
  const staff: string[] = [];
  if (!noBadge && people.length > 0) {
    staff.push(people[0]!.staffId);
    const dual = items.some((it) => it.dualControl);
    const second = dual ? rng() < 0.9 : rng() < 0.1;
    if (second && people.length > 1) staff.push(people[1]!.staffId);
  }
  if (staff.length === 0 && items.length === 0) {
    // Nobody and nothing: make it one person walking through with no items.
    if (people.length > 0) staff.push(people[0]!.staffId);
  }
  const plan: WalkPlan = {
    gateId: gate.id,
    direction,
    staff,
    items: items.map((it) => it.epc),
    speedMps: Math.round((1.2 + gaussian(rng) * 0.15) * 100) / 100,
  };
  if (direction === 'turnaround') plan.turnaroundSide = entry;
  if (rng() < 0.15) plan.strayReads = 1 + Math.floor(rng() * 2);
  if (rng() < 0.2) plan.strayProbability = 0.01;
  return plan;
}
