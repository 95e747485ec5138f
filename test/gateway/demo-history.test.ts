// The demo's history is what a newcomer first reads as "how this center works": it must obey the
// rules the gateway enforces. Populated through the real custody operations into a fresh folder
// (the way `npm start` does it), then read back from SQLite and the ledger's own verification.
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Custody } from '../../edge/custody.ts';
import { storageWarnings } from '../../edge/rules/storage.ts';
import { verifyLedger } from '../../edge/ledger/verify.ts';
import { DemoClock, populateDemo } from '../../gateway/demo/populate.ts';
import { resolveSite } from '../../gateway/site.ts';
import type { Principal } from '../../edge/auth/principal.ts';

describe('the demo history', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-history-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const resolved = await resolveSite([], { ...process.env, GATEWAY_DATA_DIR: dir });
  const { site, siteKey } = resolved;
  const now = Date.now();
  const clock = new DemoClock(now);
  const custody = new Custody({ site, dataDir: site.dataDir, siteKey, clock });
  const users = Object.fromEntries(site.users.map((u) => [u.role, {
    userId: u.id, name: u.name, role: u.role, agencyId: u.agencyId ?? null, staffId: u.staffId ?? null,
  } satisfies Principal]));
  populateDemo(custody, clock, users, now);
  const { db } = custody.ctx;
  afterAll(() => custody.close());

  const events = db.prepare(`SELECT e.chain, e.seq, e.kind, e.at, e.actors, i.category_id FROM events e JOIN items i ON i.id = e.item_id`).all() as
    { chain: string; seq: number; kind: string; at: string; actors: string; category_id: string }[];

  it('names a second person in every custody event a person made on a dualControl item (双人)', () => {
    const dual = new Set(site.categories.filter((c) => c.dualControl).map((c) => c.id));
    const byPeople = events.filter((e) => dual.has(e.category_id) && e.kind !== 'announced')
      .map((e) => ({ ...e, actors: JSON.parse(e.actors) }))
      .filter((e) => e.actors.role !== 'gateway' && e.actors.by !== 'platform');
    expect(byPeople.length).toBeGreaterThan(50);
    const alone = byPeople.filter((e) => !e.actors.second || e.actors.second.by === e.actors.by);
    expect(alone.map((e) => `${e.chain}#${e.seq} ${e.kind} by ${e.actors.by}`)).toEqual([]);
    // The commission's are confirmed by a second commission member, in its own chain.
    const restricted = byPeople.filter((e) => e.chain === 'restricted');
    expect(restricted.length).toBeGreaterThan(0);
    expect(new Set(restricted.map((e) => e.actors.second.role))).toEqual(new Set(['discipline']));
  });

  it('ends now, stores nothing against the storage rules, and verifies', () => {
    const nowIso = new Date(now).toISOString();
    expect(events.filter((e) => e.at > nowIso)).toEqual([]);
    expect(storageWarnings(custody.ctx)).toEqual([]);
    expect(verifyLedger(db, site.site.id, siteKey, site.dataDir).ok).toBe(true);
  });
});
