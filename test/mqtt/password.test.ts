import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashPassword, parsePasswordHash, verifyPassword } from '../../gateway/mqtt/password.ts';
import { siteSchema } from '../../edge/site/schema.ts';
import { requireProgram } from '../helpers/programs.ts';

// Written by `mosquitto_passwd -b -c file dev-1 secret` (Mosquitto 2.0.11).
const FROM_MOSQUITTO = '$7$101$eRHRO/J0NIls+5ho$hb3UNkugqOgl4iMg22jFFiI1ndes0/b02MENk7NlNLq2ez8WGSrzVGWjxo8K62xc1k64niWbI/pchjB5MpnimA==';

describe('Mosquitto $7$ passwords', () => {
  it('hashes in the $7$ form with 101 iterations, a 12-byte salt and a 64-byte hash', async () => {
    const h = await hashPassword('secret');
    expect(h).toMatch(/^\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
    const p = parsePasswordHash(h)!;
    expect(p.iterations).toBe(101);
    expect(p.salt).toHaveLength(12);
    expect(p.hash).toHaveLength(64);
    expect(await hashPassword('secret')).not.toBe(h); // a fresh salt each time
    expect(await hashPassword('x', 1000)).toMatch(/^\$7\$1000\$/);
  });

  it('passes the site schema\'s own check', async () => {
    const passwordHash = await hashPassword('pw');
    expect(() => siteSchema.shape.devices.parse([{ id: 'd', kind: 'rfid_reader', passwordHash }])).not.toThrow();
  });

  it('verifies its own hashes and refuses other passwords', async () => {
    const h = await hashPassword('correct horse 电池 staple');
    expect(await verifyPassword('correct horse 电池 staple', h)).toBe(true);
    expect(await verifyPassword(Buffer.from('correct horse 电池 staple'), h)).toBe(true);
    expect(await verifyPassword('correct horse 电池 stapl', h)).toBe(false);
    expect(await verifyPassword('', h)).toBe(false);
  });

  it('verifies a hash written by mosquitto_passwd', async () => {
    expect(await verifyPassword('secret', FROM_MOSQUITTO)).toBe(true);
    expect(await verifyPassword('Secret', FROM_MOSQUITTO)).toBe(false);
  });

  it('refuses malformed hashes instead of throwing', async () => {
    for (const bad of ['', 'secret', '$6$abc$def', '$7$$AAAA$AAAA', '$7$0$eRHRO/J0NIls+5ho$' + 'A'.repeat(86) + '==',
      '$7$101$eRHRO/J0NIls+5ho$AAAA', '$7$101$!!$' + 'A'.repeat(86) + '==', FROM_MOSQUITTO + 'x', '$7$99999999999$a$b']) {
      expect(await verifyPassword('secret', bad), bad).toBe(false);
    }
    await expect(hashPassword('')).rejects.toThrow(RangeError);
    await expect(hashPassword('x', 0)).rejects.toThrow(RangeError);
  });

  it.skipIf(!requireProgram('mosquitto_passwd', 'mosquitto'))('verifies what mosquitto_passwd writes now (Mosquitto accepting ours is the contract in mosquitto.test.ts)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-'));
    try {
      const file = join(dir, 'passwd');
      execFileSync('mosquitto_passwd', ['-b', '-c', file, 'dev-9', 'p@ss: wörd']);
      const line = readFileSync(file, 'utf8').trim();
      const hash = line.slice(line.indexOf(':') + 1);
      expect(await verifyPassword('p@ss: wörd', hash)).toBe(true);
      expect(await verifyPassword('p@ss: word', hash)).toBe(false);
      expect(parsePasswordHash(hash)?.iterations).toBe(101);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the CLI prints a hash of the password it reads from stdin', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'gateway/mqtt/hash-password.ts'], { input: 'from stdin\n', encoding: 'utf8' });
    const hash = out.trim();
    expect(hash).toMatch(/^\$7\$101\$/);
    return verifyPassword('from stdin', hash).then((ok) => expect(ok).toBe(true));
  });

  it('the CLI takes the password and iterations from argv', async () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'gateway/mqtt/hash-password.ts', '--iterations', '500', 'from argv'], { encoding: 'utf8' });
    expect(out.trim()).toMatch(/^\$7\$500\$/);
    expect(await verifyPassword('from argv', out.trim())).toBe(true);
  });
});
