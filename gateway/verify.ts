// `npm run verify`: recompute the custody ledger of a data folder, read-only, beside a running
// gateway if need be. Exit status 0 only when every check passed.
import fs from 'node:fs';
import path from 'node:path';
import { openStore, DB_FILE } from '../edge/store/db.ts';
import { verifyLedger } from '../edge/ledger/verify.ts';
import { resolveSite } from './site.ts';
import { ConfigError } from './config.ts';

async function main(): Promise<number> {
  const { site, siteKey } = await resolveSite(process.argv.slice(2), process.env);
  if (!fs.existsSync(path.join(site.dataDir, DB_FILE))) {
    console.error(`No ledger at ${path.join(site.dataDir, DB_FILE)}: start the gateway once, or give --config / GATEWAY_DATA_DIR.`);
    return 2;
  }
  const db = openStore(site.dataDir, { readonly: true });
  try {
    const r = verifyLedger(db, site.site.id, siteKey, site.dataDir);
    if (process.argv.includes('--json')) console.log(JSON.stringify(r, null, 2));
    else {
      console.log(`${r.ok ? 'OK' : 'FAULT'}  ${r.message}`);
      console.log(`events ${r.events}, head seq ${r.head.seq} ${r.head.hash.slice(0, 16)}…, checkpoint file: ${r.checkpointFile}, ${r.durationMs} ms`);
      if (!r.ok) console.log(`first bad seq: ${r.firstBadSeq ?? '(the head itself)'}  fault: ${r.fault}`);
    }
    return r.ok ? 0 : 1;
  } finally {
    db.close();
  }
}

main().then((code) => process.exit(code), (e) => {
  console.error(e instanceof ConfigError ? e.message : `verify failed: ${(e as Error).message}`);
  process.exit(2);
});
