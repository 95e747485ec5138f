// The platform simulator as a process: the one stdout line with the real port, a secret taken from
// the environment and never printed, refusals logged briefly, a clean exit on SIGTERM; and the
// admin token when the seed sets one.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSeed } from '../../firmware-sim/platform/seed.ts';
import { startPlatform } from '../../firmware-sim/platform/server.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-main-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('firmware-sim/platform/main.ts', () => {
  it('prints its URL, logs a refusal without the secret, and exits 0 on SIGTERM', async () => {
    const seedFile = path.join(dir, 'seed.yaml');
    fs.writeFileSync(seedFile, 'sites:\n  - id: S1\n    keyId: k1\n    secretEnv: PLATFORM_MAIN_SECRET\n');
    const secret = 'a-secret-that-must-never-be-printed';
    const child = spawn(process.execPath, ['--import', 'tsx', 'firmware-sim/platform/main.ts', '--seed', seedFile, '--db', path.join(dir, 'p.db'), '--port', '0'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: { ...process.env, PLATFORM_MAIN_SECRET: secret },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /^\[platform-sim\] listening on (http:\/\/127\.0\.0\.1:(\d+))\n/.exec(out);
        if (m && m[2] !== '0') resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    const r = await fetch(`${url}/v1/sites/S1/chains/main/head`);
    expect(r.status).toBe(401);
    await new Promise((r2) => setTimeout(r2, 200));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(err).toMatch(/refused GET \/v1\/sites\/\{siteId\}\/chains\/\{chain\}\/head site=S1: 401 BAD_SIGNATURE/);
    expect(out + err).not.toContain(secret);
  });

  it('requires the admin token when the seed sets one', async () => {
    const p = await startPlatform({ dbFile: path.join(dir, 'admin.db'), seed: parseSeed({ adminToken: 'tok', sites: [{ id: 'S1', keyId: 'k1', secret: 's' }] }) });
    try {
      expect((await fetch(`${p.url}/admin/stats`)).status).toBe(401);
      expect((await fetch(`${p.url}/admin/stats`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
      expect((await fetch(`${p.url}/admin/stats`, { headers: { authorization: 'Bearer tok' } })).status).toBe(200);
    } finally {
      await p.close();
    }
  });

  it('refuses a seed without a secret, naming the variable and not a value', () => {
    expect(() => parseSeed({ sites: [{ id: 'S1', keyId: 'k1' }] })).toThrow(/secret or secretEnv/);
    expect(() => parseSeed({ sites: [{ id: 'S1', keyId: 'k1', secret: 'a' }, { id: 'S2', keyId: 'k1', secret: 'b' }] })).toThrow(/key k1 twice/);
  });
});
