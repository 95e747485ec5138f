// `npm start`: the gateway on the site file given (`--config FILE` or GATEWAY_CONFIG), or on the demo site.
import { resolveSite } from './site.ts';
import { Gateway } from './gateway.ts';
import { createLogger } from './log.ts';
import { ConfigError } from './config.ts';
import { StoreLockedError } from '../edge/store/db.ts';
import { SiteKeyError } from '../edge/ledger/sitekey.ts';
import { DEMO_ROLES, demoToken } from './demo/site.ts';

const logger = createLogger();

async function main() {
  const resolved = await resolveSite(process.argv.slice(2), process.env);
  // GATEWAY_SIMULATE=off runs the demo site without its simulated readers (for real readers, or tests).
  const gateway = new Gateway({ resolved, logger, simulate: process.env.GATEWAY_SIMULATE !== 'off' });
  const { url, mqttPort } = await gateway.start();
  const lines = [
    '',
    `  涉案财物管理中心 gateway — ${resolved.site.site.name}`,
    `  dashboards     ${url}/`,
    `  API            ${url}/api/v1   (health: ${url}/api/health)`,
    `  API docs       ${url}/api/docs`,
    `  MQTT broker    mqtt://localhost:${mqttPort}   (devices: username = device id${resolved.demo ? ", password demo-<deviceId>" : ""})`,
    `  data folder    ${resolved.site.dataDir}`,
  ];
  if (resolved.demo) {
    lines.push('', '  Demo site. API tokens (Authorization: Bearer <token>):');
    for (const r of DEMO_ROLES) lines.push(`    ${r.padEnd(11)} ${demoToken(r)}`);
  }
  console.log(lines.join('\n') + '\n');
  const stop = async (signal: string) => {
    logger.info({ signal }, 'stopping');
    await gateway.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e) => {
  if (e instanceof ConfigError || e instanceof StoreLockedError || e instanceof SiteKeyError) {
    console.error(`\n${e.message}\n`);
  } else {
    logger.fatal({ err: e }, 'the gateway could not start');
  }
  process.exit(1);
});
