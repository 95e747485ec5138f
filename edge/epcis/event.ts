// One custody event as an EPCIS 2.0 ObjectEvent (JSON-LD). Pure: the event, the EPC its item carried
// then and the site's facts in, the ObjectEvent out; the route does the reading.
//
// Everything the ledger hashes travels in `cpsc:` fields beside the EPCIS ones, unchanged (the time
// as stored, the actors, snapshots and details as JSON literals), so that a receiver recomputes each
// event's hash from the export alone, as from GET /events: SHA-256(prevHash + RFC 8785 JSON of seq,
// id, at, kind, itemId, orderId, actors, from, to, details, restricted, prevHash).
import { decodeEpc } from '../epc/tds.ts';
import type { HashedEvent } from '../ledger/event.ts';
import { mappingOf } from './vocabulary.ts';

/** Where an event happened and what the site calls it: URNs under `urn:custody:<siteId>:`. */
export const siteUrn = (siteId: string) => `urn:custody:${encodeURIComponent(siteId)}`;
const partUrn = (siteId: string, kind: 'location' | 'zone' | 'gate' | 'order' | 'item', id: string) =>
  `${siteUrn(siteId)}:${kind}:${encodeURIComponent(id)}`;

/**
 * An EPC as EPCIS names it: its pure-identity URI (`urn:epc:id:sgtin:…`) when it is a GS1 scheme
 * that decodes, else the raw form of the Tag Data Standard, `urn:epc:raw:<bits>.x<HEX>`.
 */
export function epcUrn(hex: string): string {
  return decodeEpc(hex)?.uri ?? `urn:epc:raw:${hex.length * 4}.x${hex.toUpperCase()}`;
}

/** A retired EPC of an item (re-tagging, 换签) and the event that retired it. */
export interface Retirement { epc: string; at: string; chain: string; seq: number }

/**
 * The EPC an item carried at an event: the one a later re-tagging retired, else the one it carries
 * now. The desk's own events name theirs. Null for an item not yet tagged then.
 */
export function epcAt(e: Pick<HashedEvent, 'at' | 'chain' | 'seq' | 'kind' | 'details'>, current: string | null, retirements: readonly Retirement[]): string | null {
  if ((e.kind === 'tag_bound' || e.kind === 'tag_replaced') && typeof e.details.epc === 'string') return e.details.epc;
  const later = retirements
    .filter((r) => r.at > e.at || (r.at === e.at && r.chain === e.chain && r.seq > e.seq))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.seq - b.seq));
  return later[0]?.epc ?? current;
}

/** `+08:00` for an offset of eight hours ahead of UTC. */
export function timeZoneOffset(offsetMs: number): string {
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${offsetMs < 0 ? '-' : '+'}${hh}:${mm}`;
}

export interface EventFacts {
  siteId: string;
  /** The EPC the item carried at the event (epcAt), or null: untagged, or no item. */
  epc: string | null;
  /** The site's offset from UTC at the event's time, in ms (SiteCalendar.offsetMs). */
  offsetMs: number;
}

/** States in which the item is in the center: only then does it have a business location after the event. */
const HERE = new Set(['received', 'stored']);

export function toObjectEvent(e: HashedEvent, facts: EventFacts): EpcisObjectEvent {
  const m = mappingOf(e.kind, e.details);
  const { siteId } = facts;
  const gateId = typeof e.details.gateId === 'string' ? e.details.gateId : null;
  // Where it was seen: the gate it crossed, else the location it was handled at, else the zone, else the site.
  const place = e.to?.locationId ?? e.from?.locationId ?? null;
  // A count names its zone in its scope (it has no item, so no snapshots).
  const scope = e.details.scope as { zoneId?: unknown } | null | undefined;
  const zone = e.to?.zoneId ?? e.from?.zoneId ?? (typeof scope?.zoneId === 'string' ? scope.zoneId : null);
  const readPoint = gateId ? partUrn(siteId, 'gate', gateId)
    : place ? partUrn(siteId, 'location', place) : zone ? partUrn(siteId, 'zone', zone) : siteUrn(siteId);
  // Where it is after: only while it is in the center (an item out, handed back or disposed of is not at its shelf).
  const after = e.to && HERE.has(e.to.state)
    ? (e.to.locationId ? partUrn(siteId, 'location', e.to.locationId) : e.to.zoneId ? partUrn(siteId, 'zone', e.to.zoneId) : null)
    : null;
  const retired = e.kind === 'tag_replaced' && typeof e.details.retiredEpc === 'string' ? e.details.retiredEpc : null;
  return {
    type: 'ObjectEvent',
    eventTime: e.at,
    eventTimeZoneOffset: timeZoneOffset(facts.offsetMs),
    // The ledger records an event as it happens: its record time is its event time.
    recordTime: e.at,
    eventID: `urn:uuid:${e.id}`,
    epcList: facts.epc ? [epcUrn(facts.epc)] : [],
    action: m.action,
    bizStep: m.bizStep,
    ...(m.disposition ? { disposition: m.disposition } : {}),
    readPoint: { id: readPoint },
    ...(after ? { bizLocation: { id: after } } : {}),
    ...(e.orderId ? { bizTransactionList: [{ bizTransaction: partUrn(siteId, 'order', e.orderId) }] } : {}),
    'cpsc:chain': e.chain,
    'cpsc:seq': e.seq,
    'cpsc:id': e.id,
    'cpsc:at': e.at,
    'cpsc:kind': e.kind,
    'cpsc:itemId': e.itemId,
    'cpsc:orderId': e.orderId,
    'cpsc:actors': e.actors,
    'cpsc:from': e.from,
    'cpsc:to': e.to,
    'cpsc:details': e.details,
    'cpsc:restricted': e.restricted,
    'cpsc:prevHash': e.prevHash,
    'cpsc:hash': e.hash,
    ...(retired ? { 'cpsc:retiredEpc': epcUrn(retired) } : {}),
  };
}

export type EpcisObjectEvent = {
  type: 'ObjectEvent';
  eventTime: string;
  eventTimeZoneOffset: string;
  recordTime: string;
  eventID: string;
  epcList: string[];
  action: 'ADD' | 'OBSERVE' | 'DELETE';
  bizStep: string;
  disposition?: string;
  readPoint: { id: string };
  bizLocation?: { id: string };
  bizTransactionList?: { bizTransaction: string }[];
  'cpsc:chain': HashedEvent['chain'];
  'cpsc:seq': number;
  'cpsc:id': string;
  'cpsc:at': string;
  'cpsc:kind': string;
  'cpsc:itemId': string | null;
  'cpsc:orderId': string | null;
  'cpsc:actors': HashedEvent['actors'];
  'cpsc:from': HashedEvent['from'];
  'cpsc:to': HashedEvent['to'];
  'cpsc:details': Record<string, unknown>;
  'cpsc:restricted': boolean;
  'cpsc:prevHash': string;
  'cpsc:hash': string;
  'cpsc:retiredEpc'?: string;
};
