// `npm run verify`: recompute the custody ledger of a data folder, read-only, beside a running
// gateway if need be. Exit status 0 only when every check passed.
import fs from 'node:fs';
import path from 'node:path';
import { openStore, DB_FILE } from '../edge/store/db.ts';
import { MIGRATIONS } from '../edge/store/migrations.ts';
import { verifyLedger } from '../edge/ledger/verify.ts';
import { resolveSite } from './site.ts';
import { ConfigError } from './config.ts';
import { platformAnchors } from './verify-platform.ts';

async function main(): Promise<number> {
  const { site, siteKey } = await resolveSite(process.argv.slice(2), process.env);
  if (!fs.existsSync(path.join(site.dataDir, DB_FILE))) {
    console.error(`No ledger at ${path.join(site.dataDir, DB_FILE)}: start the gateway once, or give --config / GATEWAY_DATA_DIR.`);
    return 2;
  }
  const db = openStore(site.dataDir, { readonly: true });
  try {
    // Read-only means no migration: a store from an older gateway must be opened by this one first.
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version < MIGRATIONS.length) {
      console.error(`The store at ${site.dataDir} is at schema version ${version}; this verify reads version ${MIGRATIONS.length}. ` +
        'Start this gateway once on it (it upgrades the store and records the split of the restricted zone\'s chain), then verify again.');
      return 2;
    }
    const r = verifyLedger(db, site.site.id, siteKey, site.dataDir);
    if (process.argv.includes('--json')) console.log(JSON.stringify(r, null, 2));
    else {
      // A court reads this: each chain on its own lines, then the split that joins them.
      for (const c of [r.main, r.restricted]) {
        console.log(`${c.ok ? 'OK' : 'FAULT'}  ${c.chain} chain: ${c.message}`);
        console.log(`      events ${c.events}, head seq ${c.head.seq} ${c.head.hash.slice(0, 16)}…, checkpoint file: ${c.checkpointFile}, ${c.durationMs} ms`);
        if (!c.ok) console.log(`      first bad seq: ${c.firstBadSeq ?? '(the head itself)'}  fault: ${c.fault}`);
      }
      console.log(`${r.split.state === 'broken' ? 'FAULT' : 'OK'}  split: ${r.split.message}`);
    }
    // --platform: the platform's acknowledged heads anchor the chains (a tail cut with its checkpoint).
    let anchored = true;
    if (process.argv.includes('--platform')) {
      const checks = await platformAnchors(db, site, process.env);
      if (!checks.length) {
        console.log('FAULT platform: this site has no platform to compare with (no platform section, no demo platform in the data folder)');
        anchored = false;
      }
      for (const c of checks) {
        if (process.argv.includes('--json')) console.log(JSON.stringify(c));
        else console.log(`${c.ok ? 'OK' : 'FAULT'}  ${c.chain} chain against ${c.destination}: ${c.message}`);
        anchored &&= c.ok;
      }
    }
    return r.ok && anchored ? 0 : 1;
  } finally {
    db.close();
  }
}

main().then((code) => process.exit(code), (e) => {
  console.error(e instanceof ConfigError ? e.message : `verify failed: ${(e as Error).message}`);
  process.exit(2);
});
