// The start banner: what the person who started the gateway needs, from the sockets that really
// listen. On a terminal it is plain lines standing on their own; otherwise (a service, a pipe)
// it is one structured log line among the others.
import type { ResolvedSite } from './site.ts';
import type { Listening } from './gateway.ts';
import { DEMO_ROLES, demoToken } from './demo/site.ts';
import { hostPort, isLoopback, isWildcard } from './addresses.ts';

export interface BannerFacts { resolved: ResolvedSite; url: string; listening: Listening }

const where = (a: { host: string; port: number }) => `${hostPort(a.host, a.port)}${isWildcard(a.host) ? ' (all interfaces)' : ''}`;

/** The addresses something outside this machine might reach: what the demo must not have by accident. */
function openAddresses({ listening }: BannerFacts): string[] {
  const open = listening.http.filter((a) => !isLoopback(a.host)).map((a) => `HTTP ${where(a)}`);
  if (listening.mqtt.mode === 'embedded' && !isLoopback(listening.mqtt.host)) open.push(`MQTT ${where(listening.mqtt)}`);
  return open;
}

const PUBLIC_TOKENS = 'the demo API tokens (demo-<role>) and device passwords (demo-<deviceId>) are public: anyone who can reach these ports can use them';

export function bannerLines(facts: BannerFacts): string[] {
  const { resolved, url, listening } = facts;
  const { mqtt } = listening;
  const mqttUrl = `mqtt://${hostPort(mqtt.host, mqtt.port)}`;
  const broker = mqtt.mode === 'external'
    ? `${mqttUrl}   (external broker; the gateway is its client)`
    : `${mqttUrl}${mqtt.tlsPort ? `, mqtts://${hostPort(mqtt.host, mqtt.tlsPort)}` : ''}   (devices: username = device id${resolved.demo ? ', password demo-<deviceId>' : ''})`;
  const listens = [...listening.http.map((a) => `HTTP ${where(a)}`), ...(mqtt.mode === 'embedded' ? [`MQTT ${where(mqtt)}`] : [])];
  const lines = [
    `  涉案财物管理中心 gateway — ${resolved.site.site.name}`,
    `  listening      ${listens.join(', ')}`,
    `  dashboards     ${url}/`,
    `  API            ${url}/api/v1   (health: ${url}/api/health)`,
    `  API docs       ${url}/api/docs`,
    `  MQTT broker    ${broker}`,
    `  data folder    ${resolved.site.dataDir}`,
  ];
  if (resolved.demo) {
    const open = openAddresses(facts);
    lines.push('', `  演示站点 Demo site: ${PUBLIC_TOKENS}.`);
    lines.push(open.length
      ? `  WARNING: the demo is reachable beyond this machine (${open.join(', ')}).`
      : '  It listens on this machine only (GATEWAY_HTTP_HOST / GATEWAY_MQTT_HOST change that).');
    lines.push('  API tokens (Authorization: Bearer <token>):');
    for (const r of DEMO_ROLES) lines.push(`    ${r.padEnd(11)} ${demoToken(r)}`);
  }
  return lines;
}

/** The same facts as one log record: its fields and its message. */
export function bannerRecord(facts: BannerFacts): { fields: Record<string, unknown>; msg: string } {
  const { resolved, url, listening } = facts;
  const fields: Record<string, unknown> = {
    site: resolved.site.site.id, demo: resolved.demo,
    http: listening.http.map((a) => hostPort(a.host, a.port)),
    mqtt: { mode: listening.mqtt.mode, address: hostPort(listening.mqtt.host, listening.mqtt.port), ...(listening.mqtt.tlsPort ? { tlsPort: listening.mqtt.tlsPort } : {}) },
    dashboards: `${url}/`, api: `${url}/api/v1`, dataDir: resolved.site.dataDir,
  };
  if (!resolved.demo) return { fields, msg: 'gateway started' };
  const open = openAddresses(facts);
  fields.reachableBeyondThisMachine = open;
  return { fields, msg: `gateway started on the demo site: ${PUBLIC_TOKENS}${open.length ? ` (reachable beyond this machine: ${open.join(', ')})` : ' (this machine only)'}` };
}
