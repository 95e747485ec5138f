// `npm run verify -- --platform`: each chain against the head its destination acknowledged. The
// demo's simulated platform is found through the files the demo leaves in its data folder.
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../edge/store/db.ts';
import type { Site } from '../edge/site/schema.ts';
import { PlatformClient } from '../edge/sync/client.ts';
import { checkAgainstPlatform, type AnchorCheck } from '../edge/sync/anchor.ts';
import { DEMO_SECRET_ENV, DEMO_URL_FILE, DEMO_SECRET_FILE, DEMO_KEY_ID } from './demo/platform.ts';

export async function platformAnchors(db: Db, site: Site, env: NodeJS.ProcessEnv): Promise<AnchorCheck[]> {
  let platform = site.platform;
  let secretOf = (name: string) => env[name];
  const urlFile = path.join(site.dataDir, DEMO_URL_FILE);
  if (!platform && fs.existsSync(urlFile)) {
    const demoSecret = fs.readFileSync(path.join(site.dataDir, DEMO_SECRET_FILE), 'utf8').trim();
    platform = { url: fs.readFileSync(urlFile, 'utf8').trim(), keyId: DEMO_KEY_ID, secretEnv: DEMO_SECRET_ENV } as Site['platform'];
    secretOf = (name) => env[name] || (name === DEMO_SECRET_ENV ? demoSecret : undefined);
  }
  if (!platform) return [];
  const client = (url: string, keyId: string, secretEnv: string) => {
    const secret = secretOf(secretEnv);
    if (!secret) throw new Error(`the environment variable ${secretEnv} holds no secret for ${url}`);
    return new PlatformClient({ url, keyId, secret: Buffer.from(secret, 'utf8') }, Date.now, 15_000);
  };
  const main = client(platform.url, platform.keyId, platform.secretEnv);
  const out = [await checkAgainstPlatform(db, site.site.id, 'main', 'platform:main', main)];
  const c = platform.commission;
  out.push(c
    ? await checkAgainstPlatform(db, site.site.id, 'restricted', 'commission:restricted', client(c.url, c.keyId, c.secretEnv))
    : await checkAgainstPlatform(db, site.site.id, 'restricted', 'platform:restricted', main));
  return out;
}
