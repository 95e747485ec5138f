// Which site this process runs: the file given, or the demo. Also where its ledger key comes from.
import path from 'node:path';
import { isIP } from 'node:net';
import type { Site } from '../edge/site/schema.ts';
import { ConfigError, configFileFrom, loadSiteFile, parseSite } from './config.ts';
import { demoSite } from './demo/site.ts';
import { loadSiteKey } from '../edge/ledger/sitekey.ts';

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export interface ResolvedSite { site: Site; demo: boolean; file: string | null; siteKey: Buffer }

export async function resolveSite(argv: string[], env: NodeJS.ProcessEnv): Promise<ResolvedSite> {
  const file = configFileFrom(argv, env);
  const dataOverride = env.GATEWAY_DATA_DIR;
  let site: Site;
  if (file) {
    site = loadSiteFile(file);
  } else {
    // The demo's simulated serial devices live in its data folder (their pseudo-terminals): built for the folder it will use.
    site = parseSite(await demoSite(path.resolve(dataOverride ?? 'data')), '(built-in demo site)');
    site.dataDir = path.resolve(site.dataDir);
  }
  if (dataOverride) site.dataDir = path.resolve(dataOverride);
  // Ports from the environment, for a second instance on one machine (tests, a staging copy).
  const port = (name: string) => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    if (!/^\d{1,5}$/.test(v) || Number(v) > 65_535) throw new ConfigError(name, [`${name} must be a port number 0-65535, not "${v}"`]);
    return Number(v);
  };
  site.http.port = port('GATEWAY_HTTP_PORT') ?? site.http.port;
  site.mqtt.port = port('GATEWAY_MQTT_PORT') ?? site.mqtt.port;
  // Hosts likewise: the demo listens on loopback only (its tokens are public); a real site keeps its file's.
  const host = (name: string) => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    if (!isIP(v) && !HOSTNAME.test(v)) throw new ConfigError(name, [`${name} must be an IP address or a host name (0.0.0.0 for all interfaces), not "${v}"`]);
    return v;
  };
  site.http.host = host('GATEWAY_HTTP_HOST') ?? site.http.host;
  site.mqtt.host = host('GATEWAY_MQTT_HOST') ?? site.mqtt.host;
  // The demo keeps its key beside its data so that it runs out of the box; a real site must give one
  // (environment or a file on another volume) and is refused without it.
  const keyFile = site.ledger.siteKeyFile ?? (file ? undefined : path.join(site.dataDir, 'site.key'));
  const siteKey = loadSiteKey({ file: keyFile, env: site.ledger.siteKeyEnv, generateIfMissing: !file }, env);
  return { site, demo: !file, file, siteKey };
}
