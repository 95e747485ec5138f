// `npm start`: the gateway on the site file given (`--config FILE` or GATEWAY_CONFIG), or on the demo site.
import { resolveSite } from './site.ts';
import { Gateway } from './gateway.ts';
import { createLogger } from './log.ts';
import { ConfigError } from './config.ts';
import { StoreLockedError } from '../edge/store/db.ts';
import { SiteKeyError } from '../edge/ledger/sitekey.ts';
import { bannerLines, bannerRecord } from './banner.ts';

const logger = createLogger();
/** A stop that takes longer than this (a hung client, a stuck disk) ends the process anyway. */
const STOP_LIMIT_MS = 15_000;

async function main() {
  const resolved = await resolveSite(process.argv.slice(2), process.env);
  // GATEWAY_SIMULATE=off runs the demo site without its simulated readers (for real readers, or tests).
  const gateway = new Gateway({ resolved, logger, simulate: process.env.GATEWAY_SIMULATE !== 'off' });
  const facts = { resolved, ...(await gateway.start()) };
  if (process.stdout.isTTY) {
    console.log(['', ...bannerLines(facts), ''].join('\n'));
  } else {
    // Shown whatever LOG_LEVEL says: it is how the person who started the gateway learns where it is.
    const { fields, msg } = bannerRecord(facts);
    logger.child({}, { level: 'info' }).info(fields, msg);
  }
  // Ctrl-C on `npm start` reaches the gateway twice (the terminal signals the whole group, and the
  // tsx wrapper passes it on): the second must not kill a stop half done (the ledger's head file is
  // written last). A stop that hangs is ended after STOP_LIMIT_MS all the same.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    setTimeout(() => {
      logger.error({ signal, limitMs: STOP_LIMIT_MS }, 'stopping took too long; exiting anyway');
      process.exit(1);
    }, STOP_LIMIT_MS).unref();
    await gateway.stop();
    logger.info({ signal }, 'stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e) => {
  if (e instanceof ConfigError || e instanceof StoreLockedError || e instanceof SiteKeyError) {
    console.error(`\n${e.message}\n`);
  } else {
    logger.fatal({ err: e }, 'the gateway could not start');
  }
  process.exit(1);
});
