// The device link the site file asks for: `mqtt.mode` embedded (aedes in-process, the default)
// or external (the gateway as a client of Mosquitto/EMQX, which then enforces passwords and ACLs
// from the files mosquitto-files.ts writes).
import { EmbeddedLink, type EmbeddedLinkOptions } from './embedded.ts';
import { ExternalLink, type ExternalLinkOptions } from './external.ts';
import type { BrokerLink } from './link.ts';

export type { BrokerLink, DeviceMessage, DeviceState, LinkStats, RefusalReason, PublishOptions, RateLimit } from './link.ts';
export { REFUSAL_REASONS, DEFAULT_RATE_LIMIT, DEFAULT_MAX_PACKET_BYTES } from './link.ts';
export { alarmTopic } from './acl.ts';

export function createBrokerLink(opts: EmbeddedLinkOptions & ExternalLinkOptions): BrokerLink {
  return opts.site.mqtt.mode === 'external' ? new ExternalLink(opts) : new EmbeddedLink(opts);
}
