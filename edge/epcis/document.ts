// The EPCIS 2.0 document the export answers: GS1's JSON-LD context with our namespace bound to
// `cpsc`, and a zod schema of what we send (the route's response schema and the OpenAPI document).
import { z } from 'zod';
import { CHAINS } from '../ledger/event.ts';
import { CPSC_NS } from './vocabulary.ts';
import type { EpcisObjectEvent } from './event.ts';

export const EPCIS_CONTEXT = 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld';
export const EPCIS_MEDIA_TYPE = 'application/ld+json';

/**
 * Our terms: the `cpsc` prefix, and the hashed objects as JSON literals (JSON-LD 1.1 `@json`), so
 * that they reach a JSON-LD processor as the bytes the ledger hashed, not as triples of their own.
 */
export const CPSC_CONTEXT = {
  cpsc: CPSC_NS,
  'cpsc:actors': { '@type': '@json' },
  'cpsc:from': { '@type': '@json' },
  'cpsc:to': { '@type': '@json' },
  'cpsc:details': { '@type': '@json' },
} as const;

export function epcisDocument(events: EpcisObjectEvent[], creationDate: string): EpcisDocument {
  return {
    '@context': [EPCIS_CONTEXT, CPSC_CONTEXT],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate,
    epcisBody: { eventList: events },
  };
}

const snapshot = z.looseObject({ state: z.string(), zoneId: z.string().nullable(), locationId: z.string().nullable(), agencyId: z.string() });
const id = z.object({ id: z.string().describe('a URI') });

export const epcisObjectEventApi = z.object({
  type: z.literal('ObjectEvent'),
  eventTime: z.string(),
  eventTimeZoneOffset: z.string().describe('the site\'s offset from UTC at the event, e.g. +08:00'),
  recordTime: z.string(),
  eventID: z.string().describe('urn:uuid: of the custody event\'s id'),
  epcList: z.array(z.string()).describe('the EPC the item carried then: its pure-identity URI (urn:epc:id:…) or urn:epc:raw:<bits>.x<HEX>; empty when untagged or no item'),
  action: z.enum(['ADD', 'OBSERVE', 'DELETE']),
  bizStep: z.string().describe('a CBV 2.0 business step, or urn:custody:epcis:bizstep:<kind> where the CBV has none'),
  disposition: z.string().optional().describe('a CBV 2.0 disposition'),
  readPoint: id.describe('the gate, location, zone or site where it happened (urn:custody:<siteId>:…)'),
  bizLocation: id.optional().describe('where the item is after the event, while it is in the center'),
  bizTransactionList: z.array(z.object({ bizTransaction: z.string() })).optional().describe('the order that authorised it'),
  'cpsc:chain': z.enum(CHAINS),
  'cpsc:seq': z.number().int(),
  'cpsc:id': z.string(),
  'cpsc:at': z.string().describe('the time as stored and hashed'),
  'cpsc:kind': z.string(),
  'cpsc:itemId': z.string().nullable(),
  'cpsc:orderId': z.string().nullable(),
  'cpsc:actors': z.looseObject({ by: z.string(), role: z.string() }),
  'cpsc:from': snapshot.nullable(),
  'cpsc:to': snapshot.nullable(),
  'cpsc:details': z.record(z.string(), z.unknown()),
  'cpsc:restricted': z.boolean(),
  'cpsc:prevHash': z.string(),
  'cpsc:hash': z.string().describe('SHA-256(prevHash + RFC 8785 JSON of seq, id, at, kind, itemId, orderId, actors, from, to, details, restricted, prevHash)'),
  'cpsc:retiredEpc': z.string().optional().describe('a re-tagging\'s retired EPC, as a URI'),
});

export const epcisDocumentApi = z.object({
  '@context': z.tuple([z.literal(EPCIS_CONTEXT), z.looseObject({ cpsc: z.literal(CPSC_NS) })]),
  type: z.literal('EPCISDocument'),
  schemaVersion: z.literal('2.0'),
  creationDate: z.string(),
  epcisBody: z.object({ eventList: z.array(epcisObjectEventApi) }),
});
export type EpcisDocument = z.infer<typeof epcisDocumentApi>;
