// The site file's OPC UA monitors: a good block parses with its defaults, and every mistake is
// named by its path, all in one pass, like every other site-file problem. The Modbus monitor stays
// valid.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseSite } from '../../gateway/config.ts';
import { fixtureSiteInput, tempDir } from '../helpers/custody-site.ts';

const dir = tempDir('opcua-schema-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const site = (): any => structuredClone(fixtureSiteInput(path.join(dir, 'data')));
const monitor = (opcua: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  id: 'env-1', kind: 'env_monitor', protocol: 'opcua',
  opcua: {
    endpoint: 'opc.tcp://10.0.0.20:4840/monitor',
    values: [
      { nodeId: 'ns=1;s=EnvMonitor-1.Temperature', zoneId: 'general', metric: 'temperature' },
      { nodeId: 'ns=1;s=EnvMonitor-1.Door', zoneId: 'valuables', metric: 'door' },
    ],
    ...opcua,
  },
  ...extra,
});
const withDevices = (...devices: unknown[]) => {
  const s = site();
  s.devices.push(...devices);
  return { s, at: (k: number) => s.devices.length - devices.length + k };
};
function problemsOf(raw: unknown): string[] {
  try {
    parseSite(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('site file: OPC UA environment monitors', () => {
  it('a good block parses, with its defaults', () => {
    const { s, at } = withDevices(monitor());
    const d = parseSite(s).devices[at(0)]!;
    expect(d.opcua).toEqual({
      endpoint: 'opc.tcp://10.0.0.20:4840/monitor', securityMode: 'None', securityPolicy: 'None', samplingMs: 1000, publishingMs: 1000,
      watchdog: { resubscribeSeconds: 30, offlineSeconds: 90 },
      values: [
        { nodeId: 'ns=1;s=EnvMonitor-1.Temperature', zoneId: 'general', metric: 'temperature' },
        { nodeId: 'ns=1;s=EnvMonitor-1.Door', zoneId: 'valuables', metric: 'door' },
      ],
    });
  });

  it('a secured monitor with a user, a pinned fingerprint (colons and case as a viewer shows them) and a metric of its own', () => {
    const fp = 'AB:'.repeat(31) + 'AB';
    const { s, at } = withDevices(monitor({
      securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', user: 'gateway', passwordEnv: 'GATEWAY_OPCUA_PASSWORD',
      serverCertificateSha256: fp, values: [{ nodeId: 'ns=2;i=1001', zoneId: 'general', metric: 'co2', unit: 'ppm' }],
    }));
    const o = parseSite(s).devices[at(0)]!.opcua!;
    expect(o.serverCertificateSha256).toBe('ab'.repeat(32));
    expect(o).toMatchObject({ user: 'gateway', passwordEnv: 'GATEWAY_OPCUA_PASSWORD' });
    expect(o.values[0]).toEqual({ nodeId: 'ns=2;i=1001', zoneId: 'general', metric: 'co2', unit: 'ppm' });
  });

  it('the Modbus monitor on a serial port stays valid', () => {
    const s = site();
    s.serialPorts = [{ id: 'com1', path: '/dev/ttyUSB0' }];
    s.devices.push({ id: 'th-1', kind: 'env_monitor', protocol: 'modbus', port: 'com1', address: 3, profile: 'xy-md02', zoneId: 'general' });
    expect(parseSite(s).devices.find((d) => d.id === 'th-1')).toMatchObject({ protocol: 'modbus', port: 'com1' });
  });

  it('every mistake by its path, in one pass', () => {
    const { s, at } = withDevices(
      monitor({ securityMode: 'SignAndEncrypt' }),
      monitor({ securityPolicy: 'Basic256Sha256' }, { id: 'env-2' }),
      monitor({ securityMode: 'Sign', securityPolicy: 'Basic128Rsa15' }, { id: 'env-3' }),
      monitor({ user: 'gateway', serverCertificateSha256: 'ab'.repeat(32) }, { id: 'env-4' }),
      monitor({ values: [
        { nodeId: 'ns=1;s=T', zoneId: 'cold-9', metric: 'temperature' },
        { nodeId: 'ns=1;s=T', zoneId: 'general', metric: 'co2' },
        { nodeId: 'Temperature', zoneId: 'general', metric: 'Humidity' },
      ] }, { id: 'env-5' }),
      monitor({}, { id: 'env-6', port: 'com1', address: 3 }),
      monitor({ values: [], passwordEnv: 'PW', watchdog: { resubscribeSeconds: 60, offlineSeconds: 30 } }, { id: 'env-7' }),
      monitor({ endpoint: 'http://10.0.0.20/monitor', serverCertificateSha256: 'not-hex' }, { id: 'env-8' }),
      { id: 'env-9', kind: 'env_monitor', protocol: 'opcua' },
      monitor({}, { id: 'cell-9', kind: 'load_cell' }),
      monitor({ values: [{ nodeId: 'ns=1;s=T', zoneId: 'cold-9', metric: 'temperature' }] }, { id: 'env-10' }),
    );
    const problems = problemsOf(s);
    expect(problems).toEqual(expect.arrayContaining([
      `devices[${at(0)}].opcua.securityPolicy: securityMode SignAndEncrypt needs a security policy other than None (Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss)`,
      `devices[${at(1)}].opcua.securityPolicy: securityMode None goes with securityPolicy None`,
      expect.stringMatching(new RegExp(`^devices\\[${at(2)}\\]\\.opcua\\.securityPolicy: Basic128Rsa15 does not work on Node 20`)),
      `devices[${at(3)}].opcua.passwordEnv: user "gateway" needs passwordEnv: the name of the environment variable that holds the password`,
      `devices[${at(3)}].opcua.serverCertificateSha256: a pinned certificate needs securityMode Sign or SignAndEncrypt: with None nothing checks it`,
      `devices[${at(4)}].opcua.values[1].unit: a metric of your own ("co2") needs its unit`,
      `devices[${at(4)}].opcua.values[1].nodeId: node ns=1;s=T is already values[0]`,
      expect.stringMatching(new RegExp(`^devices\\[${at(4)}\\]\\.opcua\\.values\\[2\\]\\.nodeId: an OPC UA node id`)),
      expect.stringMatching(new RegExp(`^devices\\[${at(4)}\\]\\.opcua\\.values\\[2\\]\\.metric: a lowercase name`)),
      `devices[${at(5)}].port: an OPC UA monitor is reached at its endpoint (opc.tcp://10.0.0.20:4840/monitor), not on a serial port`,
      `devices[${at(5)}].address: an OPC UA monitor has no Modbus address: its values are named by node id`,
      `devices[${at(6)}].opcua.values: a monitor needs at least one value (values[].nodeId, zoneId, metric)`,
      `devices[${at(6)}].opcua.user: passwordEnv is the password of a user: give the user too`,
      `devices[${at(6)}].opcua.watchdog.offlineSeconds: offlineSeconds must be longer than resubscribeSeconds`,
      expect.stringMatching(new RegExp(`^devices\\[${at(7)}\\]\\.opcua\\.endpoint: an OPC UA endpoint`)),
      expect.stringMatching(new RegExp(`^devices\\[${at(7)}\\]\\.opcua\\.serverCertificateSha256: the server certificate's SHA-256`)),
      `devices[${at(8)}].opcua: an OPC UA monitor needs its opcua block (endpoint, values)`,
      `devices[${at(9)}].protocol: a load_cell does not speak opcua`,
    ]));
    // The zone check is a reference check: it shows with the shape problems of the other devices, in
    // the same pass (a device whose own shape is wrong is reported for its shape first).
    expect(problems).toContain(`devices[${at(10)}].opcua.values[0].zoneId: zone "cold-9" is not defined`);
    // The serial checks do not pile on: no "serial port not defined" for a monitor that should have no port.
    expect(problems.filter((p) => p.startsWith(`devices[${at(5)}].port: serial port`))).toEqual([]);
  });

  it('a wrong zone alone is reported by path too', () => {
    const { s, at } = withDevices(monitor({ values: [{ nodeId: 'ns=1;s=T', zoneId: 'cold-9', metric: 'temperature' }] }));
    expect(problemsOf(s)).toEqual([`devices[${at(0)}].opcua.values[0].zoneId: zone "cold-9" is not defined`]);
  });

  it('an opcua block on a device of another protocol is refused', () => {
    const s = site();
    s.serialPorts = [{ id: 'com1', path: '/dev/ttyUSB0' }];
    const { opcua } = monitor();
    s.devices.push({ id: 'th-1', kind: 'env_monitor', protocol: 'modbus', port: 'com1', address: 3, profile: 'xy-md02', zoneId: 'general', opcua });
    expect(problemsOf(s)).toEqual([`devices[${s.devices.length - 1}].opcua: an opcua block belongs to a device with protocol: opcua`]);
  });
});
