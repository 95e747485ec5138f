// With an external Mosquitto, device passwords and the ACL are the broker's to enforce. The
// gateway writes them from the site file in Mosquitto's own formats (mosquitto.conf(5)):
//   password_file  one `username:$7$…` line per user (the site file already holds `$7$` hashes)
//   acl_file       `user <name>` then `topic read|write|readwrite <topic>` lines
// from the same rule as the embedded broker (acl.ts), plus the gateway's own user with
// `readwrite #`. Both files are written atomically (temp file, then rename), mode 0600 by default.
import { writeFile, rename, chmod } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import type { Site } from '../../edge/site/schema.ts';
import { deviceAcl, deviceTopicProblems } from './acl.ts';
import { aclContext } from './link.ts';
import { parsePasswordHash } from './password.ts';

export type MosquittoSite = Pick<Site, 'site' | 'zones' | 'devices'>;

export interface GatewayUser {
  username: string;
  /** `$7$…`, e.g. from hashPassword() of the password the gateway connects with. */
  passwordHash: string;
}

export class MosquittoFilesError extends Error {
  constructor(readonly problems: string[]) {
    super(`cannot write Mosquitto's files:\n  ${problems.join('\n  ')}`);
  }
}

// Mosquitto splits password lines at ':' and ACL lines at white space; '+' and '#' in a username
// are refused by its ACL checks (CVE-2017-7650). The site's id pattern allows ':', so check.
function usernameProblem(name: string, what: string): string | undefined {
  if (!name) return `${what}: an empty username`;
  if (/[:\s+#]/.test(name) || /[\u0000-\u001f\u007f]/.test(name)) {
    return `${what}: "${name}" cannot be a Mosquitto username (no ":", "+", "#", spaces or control characters)`;
  }
  return undefined;
}

function check(site: MosquittoSite, gateway: Pick<GatewayUser, 'username'> & { passwordHash?: string }): { problems: string[]; skipped: string[] } {
  const problems: string[] = [];
  const skipped: string[] = [];
  const p = usernameProblem(gateway.username, 'mqtt.external.username');
  if (p) problems.push(p);
  if (gateway.passwordHash !== undefined && !parsePasswordHash(gateway.passwordHash)) problems.push('the gateway user\'s password hash is not a $7$ hash');
  for (const d of site.devices) {
    const u = usernameProblem(d.id, `devices "${d.id}"`);
    if (u) problems.push(u);
    if (d.id === gateway.username) problems.push(`devices "${d.id}": the same name as the gateway's own MQTT user`);
    problems.push(...deviceTopicProblems(d, site.site.id));
    if (!d.passwordHash) skipped.push(d.id);
    else if (!parsePasswordHash(d.passwordHash)) problems.push(`devices "${d.id}" passwordHash: not a $7$ hash Mosquitto would accept`);
  }
  return { problems, skipped };
}

/** The password_file's text. Devices without a passwordHash are left out: they cannot log in. */
export function mosquittoPasswordFile(site: MosquittoSite, gateway: GatewayUser): string {
  const { problems } = check(site, gateway);
  if (problems.length) throw new MosquittoFilesError(problems);
  const lines = [`${gateway.username}:${gateway.passwordHash}`];
  for (const d of site.devices) if (d.passwordHash) lines.push(`${d.id}:${d.passwordHash}`);
  return `${lines.join('\n')}\n`;
}

/** The acl_file's text: no lines before the first `user`, so anonymous clients get nothing. */
export function mosquittoAclFile(site: MosquittoSite, gateway: Pick<GatewayUser, 'username'>): string {
  const { problems } = check(site, { username: gateway.username });
  if (problems.length) throw new MosquittoFilesError(problems);
  const ctx = aclContext(site);
  const out = [
    `# Written by the gateway from the site file "${site.site.id}"; changes here are overwritten.`,
    '',
    `user ${gateway.username}`,
    'topic readwrite #',
  ];
  for (const d of site.devices) {
    const acl = deviceAcl(d, ctx);
    out.push('', `user ${d.id}`);
    for (const topic of acl.publish.keys()) out.push(`topic write ${topic}`);
    for (const filter of acl.subscribe) out.push(`topic read ${filter}`);
  }
  return `${out.join('\n')}\n`;
}

export interface WriteMosquittoFilesOptions {
  passwordFile: string;
  aclFile: string;
  gateway: GatewayUser;
  /** Default 0o600. Mosquitto must be able to read them: it drops root for the `mosquitto` user. */
  mode?: number;
}

/** Writes both files, each atomically; returns the ids of devices left out for want of a password. */
export async function writeMosquittoFiles(site: MosquittoSite, o: WriteMosquittoFilesOptions): Promise<{ skipped: string[] }> {
  const { problems, skipped } = check(site, o.gateway);
  if (problems.length) throw new MosquittoFilesError(problems);
  const mode = o.mode ?? 0o600;
  await atomicWrite(o.passwordFile, mosquittoPasswordFile(site, o.gateway), mode);
  await atomicWrite(o.aclFile, mosquittoAclFile(site, o.gateway), mode);
  return { skipped };
}

async function atomicWrite(path: string, text: string, mode: number): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  await writeFile(tmp, text, { mode });
  await chmod(tmp, mode); // the umask may have narrowed it
  await rename(tmp, path);
}

export interface MosquittoConfOptions {
  port: number;
  host?: string;
  passwordFile: string;
  aclFile: string;
  /** Largest packet the broker accepts, as the embedded broker's limit. */
  maxPacketBytes?: number;
  /**
   * Mosquitto cannot check "client id = device id or device id-suffix" per user (the embedded
   * broker does). `use_username_as_clientid` closes the hole of one device borrowing another's
   * client id to kick it off, but also makes a reader's second connection (Zebra's connector may
   * open one per endpoint) take over its first. Default false.
   */
  clientIdIsUsername?: boolean;
  /** Extra lines (persistence, logging, TLS listener…). */
  extra?: string[];
}

/** A minimal mosquitto.conf for the gateway's devices. */
export function mosquittoConf(o: MosquittoConfOptions): string {
  return [
    'per_listener_settings false',
    `listener ${o.port}${o.host ? ` ${o.host}` : ''}`,
    'allow_anonymous false',
    `password_file ${o.passwordFile}`,
    `acl_file ${o.aclFile}`,
    ...(o.clientIdIsUsername ? ['use_username_as_clientid true'] : []),
    `max_packet_size ${o.maxPacketBytes ?? 256 * 1024}`,
    ...(o.extra ?? []),
    '',
  ].join('\n');
}
