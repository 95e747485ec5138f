// The floor plan of the site file: refused at start with the path of each problem (what it names
// that is not there, outlines that cannot be drawn, anything drawn twice), and served by role, the
// restricted zone, its locations and its gate left out for everyone but the commission.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseSite } from '../../gateway/config.ts';
import { outlineProblem, insideOutline } from '../../edge/site/floor-plan.ts';
import { demoSite } from '../../gateway/demo/site.ts';
import { fixtureSiteInput, openHarness, tempDir, USER_KEYS, type Harness } from '../helpers/custody-site.ts';

const dir = tempDir('floor-plan-test-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const rect = (x0: number, y0: number, x1: number, y1: number): [number, number][] => [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
/** The fixture site's plan: four rooms in a row, every location and both gates placed. */
const plan = () => ({
  floors: [{
    id: 'f1', name: '一层', width: 400, height: 100,
    zones: [
      { zoneId: 'intake', outline: rect(0, 0, 100, 100) },
      { zoneId: 'general', outline: rect(100, 0, 200, 100) },
      { zoneId: 'valuables', outline: rect(200, 0, 300, 100) },
      { zoneId: 'restricted', outline: rect(300, 0, 400, 100) },
    ],
    locations: [{ locationId: 'IN-01', x: 50, y: 50 }, { locationId: 'VL-01', x: 250, y: 50 }],
    grids: [{ locations: ['GN-01', 'GN-02'], x: 120, y: 20, columns: 1, dx: 0, dy: 20 }, { locations: ['RS-01', 'RS-02'], x: 320, y: 50, columns: 2, dx: 20, dy: 0 }],
    gates: [{ gateId: 'gate-main', x: 150, y: 100, angle: 270 }, { gateId: 'gate-restricted', x: 300, y: 50 }],
  }],
});
const site = (): any => ({ ...structuredClone(fixtureSiteInput(path.join(dir, 'data'))), floorPlan: plan() });

function problemsOf(input: unknown): string[] {
  try {
    parseSite(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('the floor plan in the site file', () => {
  it('is optional, and a good plan is accepted with its grids as given', () => {
    const { floorPlan: _none, ...without } = site();
    expect(parseSite(without).floorPlan).toBeUndefined();
    const s = parseSite(site());
    expect(s.floorPlan?.floors[0]?.zones.map((z) => z.zoneId)).toEqual(['intake', 'general', 'valuables', 'restricted']);
  });

  it('the demo center\'s plan draws every zone, places every location inside its zone and puts every gate on the floor', async () => {
    const demo = parseSite(await demoSite(path.join(dir, 'demo')));
    const floors = demo.floorPlan!.floors;
    expect(floors.flatMap((f) => f.zones.map((z) => z.zoneId)).sort()).toEqual(demo.zones.map((z) => z.id).sort());
    expect(floors.flatMap((f) => f.gates.map((g) => g.gateId)).sort()).toEqual(demo.gates.map((g) => g.id).sort());
    expect(floors.flatMap((f) => [...f.locations.map((l) => l.locationId), ...f.grids.flatMap((g) => g.locations)]).length).toBe(demo.locations.length);
  });

  it('refuses unknown zones, locations and gates, and anything drawn or placed twice, each by its path', () => {
    const s = site();
    const f = s.floorPlan.floors[0];
    f.zones.push({ zoneId: 'cold-9', outline: rect(0, 0, 10, 10) }, { zoneId: 'general', outline: rect(100, 0, 150, 50) });
    f.locations.push({ locationId: 'NOWHERE-1', x: 10, y: 10 }, { locationId: 'GN-01', x: 150, y: 80 });
    f.grids[0].locations.push('NOWHERE-2');
    f.gates.push({ gateId: 'gate-9', x: 0, y: 50 }, { gateId: 'gate-main', x: 150, y: 0 });
    s.floorPlan.floors.push({ ...structuredClone(plan().floors[0]), zones: [], locations: [], grids: [], gates: [] });
    const problems = problemsOf(s);
    expect(problems).toEqual(expect.arrayContaining([
      'floorPlan.floors[0].zones[4].zoneId: zone "cold-9" is not defined in zones[]',
      'floorPlan.floors[0].zones[5].zoneId: zone "general" is drawn twice (already at floorPlan.floors[0].zones[1])',
      'floorPlan.floors[0].locations[2].locationId: location "NOWHERE-1" is not defined in locations[]',
      'floorPlan.floors[0].grids[0].locations[0]: location "GN-01" is placed twice (already at floorPlan.floors[0].locations[3])',
      'floorPlan.floors[0].grids[0].locations[2]: location "NOWHERE-2" is not defined in locations[]',
      'floorPlan.floors[0].gates[2].gateId: gate "gate-9" is not defined in gates[]',
      'floorPlan.floors[0].gates[3].gateId: gate "gate-main" is drawn twice (already at floorPlan.floors[0].gates[0])',
      'floorPlan.floors[1].id: floor id "f1" is defined twice',
    ]));
    expect(problems).toHaveLength(8);
  });

  it('refuses broken outlines: fewer than three points, points off the floor, an outline crossing itself; and places off the floor or outside their zone', () => {
    const s = site();
    const f = s.floorPlan.floors[0];
    f.zones[0].outline = [[0, 0], [100, 0]];
    f.zones[1].outline = [[100, 0], [200, 0], [100, 100], [200, 100]]; // a bow tie
    f.zones[2].outline = [[200, 0], [300, 0], [300, 130], [200, 100]];
    f.locations[1] = { locationId: 'VL-01', x: 250, y: 150 };
    f.grids[1].x = 200; // RS-01 at (200, 50): inside the floor, outside the restricted zone
    f.gates[0].y = -5;
    const problems = problemsOf(s);
    expect(problems).toEqual(expect.arrayContaining([
      'floorPlan.floors[0].zones[0].outline: an outline has at least 3 points',
    ]));
    // The shape problem first: the rest is cross-checked once the plan's shape is right.
    f.zones[0].outline = rect(0, 0, 100, 100);
    expect(problemsOf(s)).toEqual([
      'floorPlan.floors[0].zones[1].outline: edges 1 (points 1→2) and 3 (points 3→0) cross: the outline crosses itself',
      'floorPlan.floors[0].zones[2].outline[2]: point (300, 130) is outside the floor (0..400, 0..100)',
      'floorPlan.floors[0].locations[1].locationId: location "VL-01" at (250, 150) is outside the floor (400×100)',
      'floorPlan.floors[0].grids[1].locations[0]: location "RS-01" at (200, 50) is outside the outline of its zone "restricted"',
      'floorPlan.floors[0].grids[1].locations[1]: location "RS-02" at (220, 50) is outside the outline of its zone "restricted"',
      'floorPlan.floors[0].gates[0]: gate "gate-main" at (150, -5) is outside the floor (400×100)',
    ]);
  });

  it('reports the plan\'s wrong references together with the other sections\' shape problems', () => {
    const s = site();
    s.zones[1].kind = 'warehouse';
    s.floorPlan.floors[0].gates[0].gateId = 'gate-9';
    const problems = problemsOf(s);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^zones\[1\]\.kind: /), 'floorPlan.floors[0].gates[0].gateId: gate "gate-9" is not defined in gates[]']));
    // zones[1] ("general") exists, only its kind is wrong: its outline is not blamed.
    expect(problems.filter((p) => p.includes('zone "general"'))).toEqual([]);
  });

  it('geometry: crossings, touching edges, a fold, repeated corners; inside and on the edge', () => {
    expect(outlineProblem(rect(0, 0, 10, 10))).toBeNull();
    expect(outlineProblem([[0, 0], [10, 0], [10, 10], [5, 0], [0, 10]])).toMatch(/crosses itself/); // touches edge 0 at (5, 0)
    expect(outlineProblem([[0, 0], [10, 0], [5, 0], [5, 5]])).toMatch(/fold back|crosses itself/);
    expect(outlineProblem([[0, 0], [10, 0], [10, 0], [0, 10]])).toMatch(/same corner/);
    expect(outlineProblem([[300, 200], [1200, 200], [1200, 280], [900, 280], [900, 700], [560, 700], [560, 280], [300, 280]])).toBeNull();
    expect(insideOutline([5, 5], rect(0, 0, 10, 10))).toBe(true);
    expect(insideOutline([10, 5], rect(0, 0, 10, 10))).toBe(true);
    expect(insideOutline([11, 5], rect(0, 0, 10, 10))).toBe(false);
  });
});

describe('GET /api/v1/floor-plan', () => {
  let h: Harness;
  let bare: Harness;
  beforeAll(async () => {
    h = await openHarness({ site: (s) => { (s as any).floorPlan = plan(); } });
    bare = await openHarness();
  });
  afterAll(async () => { await h?.close(); await bare?.close(); });

  it('shows the restricted zone, its locations and its gate to the discipline role only', async () => {
    for (const u of USER_KEYS) {
      const r = await h.call(u, 'GET', '/floor-plan');
      expect(r.status).toBe(200);
      const [f] = r.body.floors;
      const sees = u === 'discipline';
      expect(f.zones.map((z: any) => z.zoneId), u).toEqual(sees ? ['intake', 'general', 'valuables', 'restricted'] : ['intake', 'general', 'valuables']);
      expect(f.locations.map((l: any) => l.locationId).sort(), u).toEqual(sees ? ['GN-01', 'GN-02', 'IN-01', 'RS-01', 'RS-02', 'VL-01'] : ['GN-01', 'GN-02', 'IN-01', 'VL-01']);
      expect(f.gates.map((g: any) => g.gateId), u).toEqual(sees ? ['gate-main', 'gate-restricted'] : ['gate-main']);
      expect(r.text.includes('restricted') || r.text.includes('RS-0'), u).toBe(sees);
    }
    const d = (await h.call('discipline', 'GET', '/floor-plan')).body.floors[0];
    expect(d).toMatchObject({ id: 'f1', name: '一层', nameEn: null, width: 400, height: 100 });
    expect(d.locations).toContainEqual({ locationId: 'RS-02', zoneId: 'restricted', x: 340, y: 50 });
    expect(d.gates).toContainEqual({ gateId: 'gate-restricted', innerZone: 'restricted', outerZone: 'general', x: 300, y: 50, angle: null });
    expect(d.gates).toContainEqual({ gateId: 'gate-main', innerZone: 'general', outerZone: 'outside', x: 150, y: 100, angle: 270 });
  });

  it('a site without a plan answers no floors; no token, 401', async () => {
    expect((await bare.call('operator', 'GET', '/floor-plan')).body).toEqual({ floors: [] });
    expect((await h.call(null, 'GET', '/floor-plan')).status).toBe(401);
  });
});
