// The platform's acknowledged head anchors the ledger: a tail cut off together with the local head
// checkpoint (the key holder rewrote the head row and its file) passes the local verify, and
// `npm run verify -- --platform` catches it. And a gateway killed with SIGKILL in the middle of a
// batch resumes after restart with no gap and no duplicate on the platform.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { fixtureSiteInput } from '../helpers/custody-site.ts';
import { waitFor } from '../helpers/wait.ts';
import { checkpointMac } from '../../edge/ledger/event.ts';
import { DB_FILE } from '../../edge/store/db.ts';
import { HEAD_FILES } from '../../edge/ledger/ledger.ts';
import { verifyLedger } from '../../edge/ledger/verify.ts';
import { appendEvents, chainReport, KEY_ID, openGateway, SECRET, SITE, tracked } from './fixture.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const { dir, sim, keep } = tracked();

describe('npm run verify -- --platform', () => {
  it('catches a tail cut together with its checkpoint, which the local verify alone passes', async () => {
    const platform = await sim(dir('anchor-sim-'));
    const d = dir('anchor-gw-');
    const g = await openGateway(platform.url, { dir: d });
    appendEvents(g.ctx, 120);
    g.custody.sync!.start();
    await waitFor(async () => (await chainReport(platform)).head.seq === 120, 15_000);
    const key = g.key;
    await g.close();

    // The site file a field engineer would have, with the secret and the key in the environment.
    const input = fixtureSiteInput(d);
    input.platform = { url: platform.url, keyId: KEY_ID };
    const siteFile = path.join(d, 'site.json');
    fs.writeFileSync(siteFile, JSON.stringify(input));
    const env = { ...process.env, [input.ledger?.siteKeyEnv ?? 'GATEWAY_SITE_KEY']: key.toString('hex'), GATEWAY_PLATFORM_SECRET: SECRET };
    // Not spawnSync: the platform answering it runs in this process.
    const verify = (...args: string[]) => new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, ['--import', 'tsx', 'gateway/verify.ts', '--config', siteFile, ...args], { cwd: ROOT, env });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
      c.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
      c.on('exit', (status) => resolve({ status, stdout, stderr }));
    });
    const clean = await verify('--platform');
    expect(clean.status, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toContain('OK  main chain against platform:main: agrees with the platform through seq 120');

    // Cut the last 20 events, and sign the new head with the key as a tamperer holding it would.
    const db = new Database(path.join(d, DB_FILE));
    db.exec('DROP TRIGGER events_no_delete');
    db.prepare(`DELETE FROM events WHERE chain = 'main' AND seq > 100`).run();
    const head = db.prepare(`SELECT seq, hash FROM events WHERE chain = 'main' ORDER BY seq DESC LIMIT 1`).get() as { seq: number; hash: string };
    const mac = checkpointMac(key, SITE, head.seq, head.hash, 'main');
    db.prepare(`UPDATE ledger_heads SET seq = ?, hash = ?, mac = ? WHERE chain = 'main'`).run(head.seq, head.hash, mac);
    db.exec(`CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;`);
    db.close();
    fs.writeFileSync(path.join(d, HEAD_FILES.main), JSON.stringify({ siteId: SITE, chain: 'main', seq: head.seq, hash: head.hash, mac }));

    const ro = new Database(path.join(d, DB_FILE), { readonly: true });
    expect(verifyLedger(ro, SITE, key, d).ok).toBe(true);
    ro.close();
    const local = await verify();
    expect(local.status, local.stdout).toBe(0);
    const anchored = await verify('--platform');
    expect(anchored.status, anchored.stdout + anchored.stderr).toBe(1);
    expect(anchored.stdout).toContain('FAULT  main chain against platform:main: the platform acknowledged seq 120; this ledger ends at seq 100: 20 event(s) are missing here');
  }, 60_000);
});

describe('a gateway killed in the middle of a batch', () => {
  it('resumes after restart: every event on the platform once, no gap, the chain verified there', async () => {
    const platform = await sim(dir('kill-sim-'));
    const d = dir('kill-gw-');
    const g = await openGateway(platform.url, { dir: d });
    appendEvents(g.ctx, 30_000);
    const key = g.key;
    await g.close();
    for (let round = 0; round < 2; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/sync/drain-child.ts'], {
        cwd: ROOT, env: { ...process.env, DRAIN_DIR: d, DRAIN_URL: platform.url, DRAIN_KEY: key.toString('hex'), DRAIN_RATE: '4000' }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      const before = (await chainReport(platform)).head.seq;
      // Killed while batches are in flight: well after it started sending, well before the end.
      await waitFor(async () => (await chainReport(platform)).head.seq >= before + 3000, 30_000);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    const during = (await chainReport(platform)).head.seq;
    expect(during).toBeLessThan(30_000);
    const again = keep(await openGateway(platform.url, { dir: d, harness: { key } }));
    again.custody.sync!.start();
    await waitFor(async () => (await chainReport(platform)).head.seq === 30_000, 30_000);
    const head = again.custody.ctx.ledger.headOf('main');
    expect(await chainReport(platform)).toMatchObject({ head: { seq: head.seq, hash: head.hash }, events: 30_000, verified: true });
    await waitFor(async () => (await again.call('supervisor', 'GET', '/sync')).body.destinations[0].backlog === 0, 10_000);
    expect(again.custody.verify().ok).toBe(true);
  }, 120_000);
});
