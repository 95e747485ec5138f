// The site file: every problem reported by path and expectation, all at once, never a stack trace.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, configFileFrom, loadSiteFile, parseSite } from '../../gateway/config.ts';
import { fixtureSiteInput, tempDir } from '../helpers/custody-site.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dir = tempDir('config-test-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const site = (): any => structuredClone(fixtureSiteInput(path.join(dir, 'data')));
function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const err = e as ConfigError;
    expect(err.message).not.toMatch(/\n\s+at /);
    for (const p of err.problems) expect(p).not.toMatch(/\bat .*\.ts:\d+/);
    expect(err.message).toContain(`${err.problems.length} problem`);
    for (const p of err.problems) expect(err.message).toContain(p);
    return err.problems;
  }
  throw new Error('expected a ConfigError');
}

describe('parseSite', () => {
  it('accepts the fixture and fills the defaults', () => {
    const s = parseSite(site());
    expect(s.zones.map((z) => z.id)).toEqual(['intake', 'general', 'valuables', 'restricted']);
    expect(s.http).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(s.categories.find((c) => c.id === 'cash')?.dualControl).toBe(true);
  });

  it('lists shape and reference problems together, without blaming references to an entry whose own shape is wrong', () => {
    const s = site();
    s.zones[1].kind = 'warehouse';
    s.gates[0].innerZone = 'cold-9';
    s.staff[0].agencyId = 'nobody';
    const problems = problemsOf(() => parseSite(s));
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^zones\[1\]\.kind: /),
      'gates[0].innerZone: zone "cold-9" is not defined',
      'staff[0].agencyId: agency "nobody" is not defined',
    ]));
    // zones[1] ("general") exists, only its kind is wrong: nothing that points at it is reported.
    expect(problems.filter((p) => p.includes('zone "general" is not defined'))).toEqual([]);
  });

  it('serial ports, serial devices, shelf antennas and load cells: each wrong reference named by its path', () => {
    const s = site();
    const loc = s.locations[0].id;
    s.serialPorts = [{ id: 'com1', path: '/dev/ttyUSB0' }, { id: 'com2', path: 'tcp://10.0.0.5' }, { id: 'com3', path: 'tcp://10.0.0.6:4001' }];
    s.devices.push(
      { id: 'shelf-1', kind: 'shelf_reader', protocol: 'r2000', port: 'com9', antennas: [{ port: 1, locationId: 'nowhere' }, { port: 1, locationId: loc }, { port: 9, locationId: loc }] },
      { id: 'shelf-2', kind: 'shelf_reader', protocol: 'r2000', port: 'com1', antennas: [] },
      { id: 'desk-1', kind: 'desk_reader', protocol: 'uhfreader18', port: 'com1' },
      { id: 'cell-1', kind: 'load_cell', protocol: 'modbus', port: 'com3', address: 300, profile: 'scale-x' },
      { id: 'cell-2', kind: 'load_cell', protocol: 'modbus', port: 'com3', address: 2, profile: 'weighing-int32', locationId: loc, tareGrams: 100, toleranceGrams: 5 },
      { id: 'cell-3', kind: 'load_cell', protocol: 'modbus', port: 'com3', address: 2, profile: 'weighing-int32', locationId: loc, tareGrams: 100, toleranceGrams: 5 },
    );
    const n = s.devices.length;
    const at = (k: number) => n - 6 + k;
    const problems = problemsOf(() => parseSite(s));
    expect(problems).toEqual(expect.arrayContaining([
      'serialPorts[1].path: a device server is tcp://host:port',
      `devices[${at(0)}].port: serial port "com9" is not defined in serialPorts[]`,
      `devices[${at(0)}].antennas[0].locationId: location "nowhere" is not defined in locations[]`,
      `devices[${at(0)}].antennas[1].port: antenna 1 is listed twice`,
      `devices[${at(0)}].antennas[2].port: an R2000 module has at most 8 antenna ports`,
      `devices[${at(1)}].antennas: a shelf reader watches at least one location (antennas[].locationId)`,
      expect.stringMatching(new RegExp(`^devices\\[${at(2)}\\]\\.protocol: port "com1" carries r2000`)),
      `devices[${at(3)}].locationId: a load cell needs the location it carries`,
      `devices[${at(3)}].address: a Modbus unit address is 1-247`,
      expect.stringMatching(new RegExp(`^devices\\[${at(3)}\\]\\.profile: Modbus profile "scale-x" is neither built in nor defined`)),
      `devices[${at(5)}].address: address 2 on port "com3" is already device "cell-2"'s`,
    ]));
    // The good one is not blamed.
    expect(problems.filter((p) => p.startsWith(`devices[${at(4)}]`))).toEqual([]);
  });

  it('a gate whose innerZone is not defined', () => {
    const s = site();
    s.gates[0].innerZone = 'cold-9';
    expect(problemsOf(() => parseSite(s))).toContain('gates[0].innerZone: zone "cold-9" is not defined');
  });

  it('unknown fields, at the top and deep down', () => {
    const s = site();
    s.colour = 'blue';
    s.zones[1].temprature = { min: 1, max: 2 };
    s.gates[0].readers[0].antenas = [1];
    const p = problemsOf(() => parseSite(s));
    expect(p).toEqual(expect.arrayContaining([
      '(top level): unknown field "colour" (check the spelling)',
      'zones[1]: unknown field "temprature" (check the spelling)',
      'gates[0].readers[0]: unknown field "antenas" (check the spelling)',
    ]));
  });

  it('duplicate ids in every list', () => {
    const s = site();
    s.zones.push({ ...s.zones[0] });
    s.locations.push({ ...s.locations[1] });
    s.agencies.push({ ...s.agencies[2] });
    s.categories.push({ ...s.categories[0] });
    s.staff.push({ ...s.staff[0] });
    s.users.push({ ...s.users[0], tokenSha256: 'a'.repeat(64) });
    const p = problemsOf(() => parseSite(s));
    expect(p).toEqual(expect.arrayContaining([
      'zones[4].id: zones id "intake" is defined twice',
      'locations[6].id: locations id "GN-01" is defined twice',
      'agencies[5].id: agencies id "psb-daiyue" is defined twice',
      'categories[3].id: categories id "cash" is defined twice',
      'staff[8].id: staff id "op-01" is defined twice',
      'users[7].id: users id "u-operator" is defined twice',
    ]));
  });

  it('several kinds of problem in one file are all listed together', () => {
    const s = site();
    s.gates[0].innerZone = 'cold-9';
    s.gates[1].outerZone = 'nowhere';
    s.zones[0].extra = 1;
    s.agencies.push({ ...s.agencies[0] });
    s.staff[0].agencyId = 'no-such-agency';
    s.locations[0].zoneId = 'no-such-zone';
    s.users[2].agencyId = undefined;
    const p = problemsOf(() => parseSite(s));
    expect(p).toEqual(expect.arrayContaining([
      'gates[0].innerZone: zone "cold-9" is not defined',
      'gates[1].outerZone: zone "nowhere" is not defined (use one of zones[].id or "outside")',
      'zones[0]: unknown field "extra" (check the spelling)',
      'agencies[5].id: agencies id "op" is defined twice',
      'staff[0].agencyId: agency "no-such-agency" is not defined',
      'locations[0].zoneId: zone "no-such-zone" is not defined',
      'users[2].agencyId: a agency user needs the agency it speaks for',
    ]));
    expect(p.length).toBe(7);
  });

  it('missing required sections are each named', () => {
    const s = site();
    delete s.site;
    delete s.zones;
    delete s.agencies;
    delete s.categories;
    const p = problemsOf(() => parseSite(s));
    for (const k of ['site', 'zones', 'agencies', 'categories']) expect(p.some((x) => x.startsWith(`${k}: `)), k).toBe(true);
    expect(p.length).toBe(4);
  });

  it('wrong types and bad values name their path', () => {
    const s = site();
    s.http = { port: 'eighty' };
    s.users[0].tokenSha256 = 'not-a-hash';
    s.zones[0].kind = 'basement';
    const p = problemsOf(() => parseSite(s));
    expect(p.some((x) => x.startsWith('http.port: '))).toBe(true);
    expect(p).toContain('users[0].tokenSha256: a lowercase hex SHA-256');
    expect(p.some((x) => x.startsWith('zones[0].kind: '))).toBe(true);
  });
});

describe('loadSiteFile', () => {
  it('reads JSON and YAML; a relative dataDir is relative to the file', () => {
    const j = path.join(dir, 'site.json');
    fs.writeFileSync(j, JSON.stringify({ ...site(), dataDir: 'store' }));
    expect(loadSiteFile(j).dataDir).toBe(path.join(dir, 'store'));
    const y = path.join(dir, 'site.yaml');
    fs.writeFileSync(y, `site: { id: y-site, name: 站点 }\nzones: [{ id: z1, name: 区, kind: general }]\nagencies: [{ id: a, name: 甲, kind: police }]\ncategories: [{ id: c, name: 类 }]\n`);
    expect(loadSiteFile(y).site.id).toBe('y-site');
  });

  it('invalid JSON → one problem naming it, no stack', () => {
    const f = path.join(dir, 'broken.json');
    fs.writeFileSync(f, '{ "site": { "id": "x", }');
    const p = problemsOf(() => loadSiteFile(f));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^not valid JSON: /);
  });

  it('invalid YAML → one problem naming it, no stack', () => {
    const f = path.join(dir, 'broken.yaml');
    fs.writeFileSync(f, 'site:\n  id: x\n   name: [unclosed\n');
    const p = problemsOf(() => loadSiteFile(f));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^not valid YAML: /);
    expect(p[0]).not.toContain('\n');
  });

  it('a missing file → cannot read it', () => {
    const p = problemsOf(() => loadSiteFile(path.join(dir, 'nope.yaml')));
    expect(p[0]).toMatch(/^cannot read the file: /);
  });

  it('a schema problem in a file names the file', () => {
    const f = path.join(dir, 'bad-gate.json');
    const s = site();
    s.gates[0].innerZone = 'cold-9';
    fs.writeFileSync(f, JSON.stringify(s));
    expect(problemsOf(() => loadSiteFile(f))).toContain('gates[0].innerZone: zone "cold-9" is not defined');
    expect(() => loadSiteFile(f)).toThrow(f);
  });

  it('--config and GATEWAY_CONFIG', () => {
    expect(configFileFrom(['--config', 'a.yaml'], { GATEWAY_CONFIG: 'b.yaml' })).toBe('a.yaml');
    expect(configFileFrom(['--config=c.yaml'], {})).toBe('c.yaml');
    expect(configFileFrom([], { GATEWAY_CONFIG: 'b.yaml' })).toBe('b.yaml');
    expect(configFileFrom([], {})).toBeNull();
    expect(problemsOf(() => configFileFrom(['--config'], {}))[0]).toMatch(/needs a file name/);
  });

  it('a process started on a bad site file prints the problems, not a stack, and exits 2', async () => {
    const f = path.join(dir, 'process-bad.yaml');
    fs.writeFileSync(f, 'site: { id: x, name: y }\nzones: []\nagencies: [{ id: a, name: b, kind: police }]\ncategories: [{ id: c, name: d }]\ngates: [{ id: g, name: g, innerZone: cold-9, outerZone: outside, readers: [] }]\n');
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const env = { ...process.env, GATEWAY_CONFIG: f };
      const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'gateway/verify.ts'], { cwd: ROOT, env });
      let o = '';
      child.stdout.on('data', (d) => { o += d; });
      child.stderr.on('data', (d) => { o += d; });
      child.on('close', (c) => resolve({ code: c, out: o }));
    });
    expect(code).toBe(2);
    expect(out).toContain(`The site file ${f} has`);
    expect(out).toContain('zones: ');
    expect(out).not.toMatch(/\n\s+at /);
  });
});
