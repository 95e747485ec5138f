import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MosquittoFilesError, mosquittoAclFile, mosquittoConf, mosquittoPasswordFile, writeMosquittoFiles,
} from '../../gateway/mqtt/mosquitto-files.ts';
import { hashPassword } from '../../gateway/mqtt/password.ts';
import { makeSite } from './fixtures.ts';

describe('Mosquitto password_file and acl_file', async () => {
  const site = await makeSite();
  const gateway = { username: 'gateway', passwordHash: await hashPassword('g') };

  it('writes one username:$7$ line per device with a password, and the gateway', () => {
    const lines = mosquittoPasswordFile(site, gateway).trimEnd().split('\n');
    expect(lines[0]).toBe(`gateway:${gateway.passwordHash}`);
    expect(lines.slice(1).map((l) => l.split(':')[0])).toEqual(['portal-1', 'panel-2', 'portal-3', 'flooder']);
    for (const l of lines) expect(l).toMatch(/^[^:]+:\$7\$101\$/);
  });

  it('writes per-user topic lines from the same rule as the embedded broker', () => {
    const acl = mosquittoAclFile(site, gateway);
    const blocks = acl.split(/\n(?=user )/);
    expect(blocks[0]).not.toMatch(/^topic/m); // nothing for anonymous clients
    const block = (u: string) => blocks.find((b) => b.startsWith(`user ${u}\n`))!.trim().split('\n');
    expect(block('gateway')).toEqual(['user gateway', 'topic readwrite #']);
    expect(block('portal-1')).toEqual([
      'user portal-1',
      'topic write rfid/portal-1/tevents',
      'topic write rfid/portal-1/mevents',
      'topic write rfid/portal-1/mrsp',
      'topic read rfid/portal-1/mcmds',
      'topic read alarms/site-1/+',
    ]);
    expect(block('panel-2')).toContain('topic read alarms/site-1/restricted/+');
    expect(block('nopass')).toContain('topic read alarms/site-1/+'); // harmless: it cannot log in
  });

  it('refuses what Mosquitto would misread, naming the device', async () => {
    const bad = await makeSite();
    bad.devices.push({ ...bad.devices[0], id: 'has:colon' });
    expect(() => mosquittoPasswordFile(bad, gateway)).toThrow(MosquittoFilesError);
    expect(() => mosquittoPasswordFile(bad, gateway)).toThrow(/has:colon/);
    const wild = await makeSite();
    wild.devices[0] = { ...wild.devices[0], topics: { commands: 'rfid/#' } };
    expect(() => mosquittoAclFile(wild, gateway)).toThrow(/topics\.commands/);
    expect(() => mosquittoPasswordFile(site, { username: 'portal-1', passwordHash: gateway.passwordHash })).toThrow(/gateway/);
    expect(() => mosquittoPasswordFile(site, { username: 'gw', passwordHash: 'plain' })).toThrow(/\$7\$/);
  });

  it('writes both files atomically with mode 0600 and reports devices without a password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mosq-files-'));
    try {
      const r = await writeMosquittoFiles(site, { passwordFile: join(dir, 'passwd'), aclFile: join(dir, 'acl'), gateway });
      expect(r.skipped).toEqual(['nopass']);
      expect(statSync(join(dir, 'passwd')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'acl')).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir, 'acl'), 'utf8')).toBe(mosquittoAclFile(site, gateway));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes a minimal mosquitto.conf', () => {
    const conf = mosquittoConf({ port: 1884, passwordFile: '/p', aclFile: '/a' });
    expect(conf).toContain('allow_anonymous false');
    expect(conf).toContain('password_file /p');
    expect(conf).toContain('acl_file /a');
    expect(conf).toContain('max_packet_size 262144');
    expect(conf).not.toContain('use_username_as_clientid');
    expect(mosquittoConf({ port: 1, passwordFile: '/p', aclFile: '/a', clientIdIsUsername: true })).toContain('use_username_as_clientid true');
  });
});
