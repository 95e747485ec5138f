// The site key signs ledger checkpoints. It lives outside the database, so that whoever can
// rewrite the database cannot also re-sign its head.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export interface SiteKeySource {
  file?: string;
  env?: string;
  /** Only the demo site: create the key file if it does not exist. */
  generateIfMissing?: boolean;
}

export class SiteKeyError extends Error {}

export function loadSiteKey(src: SiteKeySource, environ: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = src.env ? environ[src.env] : undefined;
  if (fromEnv) return parseKey(fromEnv, `environment variable ${src.env}`);
  if (src.file) {
    if (fs.existsSync(src.file)) return parseKey(fs.readFileSync(src.file, 'utf8').trim(), src.file);
    if (src.generateIfMissing) {
      fs.mkdirSync(path.dirname(src.file), { recursive: true });
      const key = randomBytes(32);
      fs.writeFileSync(src.file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
      return key;
    }
    throw new SiteKeyError(`The ledger's site key file ${src.file} does not exist. Create one with ` +
      '`openssl rand -hex 32 > FILE` (and keep a copy off this machine).');
  }
  throw new SiteKeyError(`No site key: set ${src.env ?? 'GATEWAY_SITE_KEY'} (64 hex digits) or ledger.siteKeyFile in the site file.`);
}

function parseKey(text: string, where: string): Buffer {
  if (!/^[0-9a-fA-F]{64,}$/.test(text)) throw new SiteKeyError(`The site key in ${where} must be at least 64 hex digits (32 bytes).`);
  return Buffer.from(text, 'hex');
}
