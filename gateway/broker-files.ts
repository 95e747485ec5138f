// With an external broker, the broker enforces device passwords and topic ACLs: the gateway
// writes them at every start in Mosquitto's own formats (password_file, acl_file), so that the
// site file stays the one place where devices are declared. Mosquitto rereads them on SIGHUP.
import type { Site } from '../edge/site/schema.ts';
import type { Logger } from './log.ts';
import { hashPassword } from './mqtt/password.ts';
import { writeMosquittoFiles } from './mqtt/mosquitto-files.ts';

export async function writeBrokerFiles(site: Site, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const ext = site.mqtt.external;
  if (!ext?.passwordFile || !ext.aclFile) {
    logger.info('external broker: no passwordFile/aclFile in the site file, so the broker\'s own files are used as they are');
    return false;
  }
  const password = ext.passwordEnv ? env[ext.passwordEnv] : undefined;
  if (!ext.username || !password) {
    throw new Error(`mqtt.external: writing ${ext.passwordFile} needs the gateway's own MQTT user (username) and its password in ${ext.passwordEnv ?? 'passwordEnv'}`);
  }
  const { skipped } = await writeMosquittoFiles(site, {
    passwordFile: ext.passwordFile, aclFile: ext.aclFile, gateway: { username: ext.username, passwordHash: await hashPassword(password) },
  });
  if (skipped.length) logger.warn({ devices: skipped }, 'devices without a passwordHash were left out of the broker\'s password file');
  logger.info({ passwordFile: ext.passwordFile, aclFile: ext.aclFile }, 'wrote the broker\'s password and ACL files: reload the broker (SIGHUP) to apply them');
  return true;
}
