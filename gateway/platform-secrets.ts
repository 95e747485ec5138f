// The platform link's shared secrets come from the environment variables the site file names,
// never from the file itself, and never reach a log or an API answer: only the variable's name does.
import type { Site } from '../edge/site/schema.ts';
import type { SyncSecrets } from '../edge/sync/sync.ts';
import type { Logger } from './log.ts';

/** At least this many bytes of secret: a short one is refused rather than used. */
const MIN_SECRET_BYTES = 16;

export function platformSecrets(site: Site, env: NodeJS.ProcessEnv, logger: Logger): SyncSecrets {
  const read = (name: string | undefined, what: string): Buffer | null => {
    if (!name) return null;
    const v = env[name];
    if (!v) {
      logger.error({ variable: name }, `${what}: the environment variable ${name} is not set; nothing goes up or comes down until it is`);
      return null;
    }
    const secret = Buffer.from(v, 'utf8');
    if (secret.length < MIN_SECRET_BYTES) {
      logger.error({ variable: name, bytes: secret.length }, `${what}: the secret in ${name} is shorter than ${MIN_SECRET_BYTES} bytes; refused`);
      return null;
    }
    return secret;
  };
  return {
    platform: site.platform ? read(site.platform.secretEnv, 'the city platform') : null,
    commission: site.platform?.commission ? read(site.platform.commission.secretEnv, 'the commission\'s endpoint') : null,
  };
}
