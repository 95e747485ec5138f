// Who may publish and subscribe where: pure functions, shared by the embedded broker's hooks and
// the acl_file written for an external Mosquitto, so that both brokers enforce one rule.
//
// A device publishes only on its own tag, management and response topics, and subscribes only to
// its own commands topic and to the site's alarms: `alarms/{site}/+` for everyone,
// `alarms/{site}/restricted/+` only with a clearance for a zone of kind `restricted`.
// A subscription is allowed when every topic it can ever match is allowed ("covered"), so a
// wildcard reaching further (`#`, `alarms/#`, `alarms/{site}/#`, `+/+/+/+`) is refused.
import { readerTopics, type Device } from '../../edge/site/schema.ts';

export type DeviceTopicKind = 'tagEvents' | 'managementEvents' | 'responses';

/** What the ACL needs of a device: its id, its (possibly overridden) topics and clearances. */
export type AclDevice = Pick<Device, 'id' | 'topics' | 'clearances'>;

export interface AclContext {
  siteId: string;
  /** Ids of the site's zones of kind `restricted`. */
  restrictedZoneIds: Iterable<string>;
}

/** The level under `alarms/{site}/` that holds restricted alarms; never an alarm id itself. */
export const RESTRICTED_LEVEL = 'restricted';

/** The topic of one alarm; throws for an id that is not one topic level, or is `restricted`. */
export function alarmTopic(siteId: string, alarmId: string, restricted = false): string {
  if (!alarmId || /[/+#\u0000]/.test(alarmId) || alarmId === RESTRICTED_LEVEL) {
    throw new RangeError(`"${alarmId}" cannot be an alarm id in a topic`);
  }
  return restricted ? `alarms/${siteId}/${RESTRICTED_LEVEL}/${alarmId}` : `alarms/${siteId}/${alarmId}`;
}

// ---- MQTT topic syntax (MQTT 3.1.1 §4.7) ----

/** A topic name one may publish to: non-empty, no wildcards, no NUL, at most 65535 bytes. */
export function isValidTopicName(topic: string): boolean {
  return topic.length > 0 && Buffer.byteLength(topic, 'utf8') <= 65_535
    && !/[+#\u0000]/.test(topic);
}

/** A topic filter one may subscribe to: `+` fills a whole level, `#` only as the whole last level. */
export function isValidTopicFilter(filter: string): boolean {
  if (filter.length === 0 || Buffer.byteLength(filter, 'utf8') > 65_535 || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i];
    if (l === '#') {
      if (i !== levels.length - 1) return false;
    } else if (l !== '+' && /[+#]/.test(l)) {
      return false;
    }
  }
  return true;
}

/** Does the filter match the topic name? Wildcards do not match a first level starting with `$`. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true; // also matches the parent level: `a/#` matches `a`
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * Is every topic that `requested` can match also matched by `allowed`? Both are valid filters.
 * This is set inclusion of the topics they match, not string matching: `alarms/s/+` covers
 * `alarms/s/a1` and `alarms/s/+`, but not `alarms/s/#` (which also matches `alarms/s/x/y`).
 */
export function filterCovers(allowed: string, requested: string): boolean {
  const a = allowed.split('/');
  const r = requested.split('/');
  // `$`-topics are out of reach of a leading wildcard: a literal `$SYS` level is not covered by `+`.
  if (r[0].startsWith('$') && (a[0] === '+' || a[0] === '#')) return false;
  for (let i = 0; i < r.length; i++) {
    if (i >= a.length) return false; // requested is deeper than allowed reaches
    const al = a[i];
    const rl = r[i];
    if (al === '#') return true;
    if (rl === '#') return false; // `#` reaches any depth, including the parent: only `#` covers it
    if (al === '+') continue; // covers any single level, literal or `+`
    if (rl === '+' || rl !== al) return false;
  }
  // requested ended: `a/#` covers `a` (the parent level), anything longer does not
  if (a.length === r.length) return true;
  return a.length === r.length + 1 && a[r.length] === '#';
}

// ---- the rule ----

export interface DeviceAcl {
  /** Exact topic names the device may publish on, with the kind of message each carries. */
  publish: Map<string, DeviceTopicKind>;
  /** Filters whose every topic the device may subscribe to (and read). */
  subscribe: string[];
  cleared: boolean;
}

/** True when the device holds a clearance for one of the restricted zones. */
export function isCleared(device: Pick<Device, 'clearances'>, restrictedZoneIds: Iterable<string>): boolean {
  const restricted = new Set(restrictedZoneIds);
  return device.clearances.some((z) => restricted.has(z));
}

/** Problems with a device's topics that would make its ACL unsafe; empty when fine. */
export function deviceTopicProblems(device: Pick<Device, 'id' | 'topics'>, siteId: string): string[] {
  const t = readerTopics(device);
  const problems: string[] = [];
  for (const [kind, topic] of Object.entries(t)) {
    if (!isValidTopicName(topic)) problems.push(`devices "${device.id}" topics.${kind}: "${topic}" is not a topic name (no "+", "#" or NUL)`);
    else if (/\s/.test(topic)) problems.push(`devices "${device.id}" topics.${kind}: "${topic}" contains white space`);
    else if (topic.startsWith('$')) problems.push(`devices "${device.id}" topics.${kind}: "${topic}" starts with "$", which brokers reserve`);
    else if (topicMatches(`alarms/${siteId}/#`, topic) || topic === 'alarms' || topic.startsWith('alarms/')) {
      problems.push(`devices "${device.id}" topics.${kind}: "${topic}" is under alarms/, which only the gateway publishes to`);
    }
  }
  const values = Object.values(t);
  if (new Set(values).size !== values.length) problems.push(`devices "${device.id}" topics: two kinds share one topic`);
  return problems;
}

/** The device's whole ACL. A device whose topics have problems gets nothing to publish or read there. */
export function deviceAcl(device: AclDevice, ctx: AclContext): DeviceAcl {
  const t = readerTopics(device);
  const ok = deviceTopicProblems(device, ctx.siteId).length === 0;
  const cleared = isCleared(device, ctx.restrictedZoneIds);
  const publish = new Map<string, DeviceTopicKind>();
  const subscribe: string[] = [];
  if (ok) {
    publish.set(t.tagEvents, 'tagEvents');
    publish.set(t.managementEvents, 'managementEvents');
    publish.set(t.responses, 'responses');
    subscribe.push(t.commands);
  }
  // `alarms/{site}/+` also matches a bare `alarms/{site}/restricted`; nothing is ever published
  // there (alarmTopic refuses that id), so it needs no deny rule, here or in Mosquitto's acl_file.
  subscribe.push(`alarms/${ctx.siteId}/+`);
  if (cleared) subscribe.push(`alarms/${ctx.siteId}/${RESTRICTED_LEVEL}/+`);
  return { publish, subscribe, cleared };
}

/** The kind of message on `topic` when the device may publish there, else undefined. */
export function publishKind(acl: DeviceAcl, topic: string): DeviceTopicKind | undefined {
  return acl.publish.get(topic);
}

export function mayPublish(acl: DeviceAcl, topic: string): boolean {
  return isValidTopicName(topic) && acl.publish.has(topic);
}

export function maySubscribe(acl: DeviceAcl, filter: string): boolean {
  if (!isValidTopicFilter(filter)) return false;
  return acl.subscribe.some((allowed) => filterCovers(allowed, filter));
}
