// Impinj R700 "IoT Device Interface" events (PROTOCOLS.md): `{timestamp, hostname, eventType,
// <eventType>Event: {...}}`. One event per MQTT message, a JSON array from the webhook, NDJSON
// from the HTTP stream; the framing is payload.ts's concern, so all three arrive here alike.
import type { TagObservation } from '../../edge/observations.ts';
import { antennaPort, deviceTime, epcFromBase64, epcFromHex, heartbeatTime, rssiDbm, saysTime } from './fields.ts';
import { type JsonObject, describeValue, field, forEachEvent, isObject } from './payload.ts';
import { type DecodeContext, type DecodeResult, type Payload, emptyResult, reject, skip } from './result.ts';

/** The event stream: tag reads and GPI edges; other event types are counted as unused. */
export function decodeImpinj(payload: Payload, ctx: DecodeContext): DecodeResult {
  const result = emptyResult();
  forEachEvent(payload, ctx, result, (event, where) => {
    const kind = kindOf(event);
    if (kind === 'tag') tag(event, where, ctx, result);
    else if (kind === 'gpi') gpi(event, where, ctx, result);
    else if (kind === 'other') skip(result, 'unused_type');
    else reject(result, 'wrong_type', `${where}: eventType is ${describeValue(field(event, 'eventType'))}`);
  });
  return result;
}

/**
 * A topic configured as the reader's management topic: GPI edges as such, and every other event
 * as a heartbeat (liveness plus the opaque body), the same contract as Zebra's management topic.
 */
export function decodeImpinjManagement(payload: Payload, ctx: DecodeContext): DecodeResult {
  const result = emptyResult();
  forEachEvent(payload, ctx, result, (event, where) => {
    if (kindOf(event) === 'gpi') gpi(event, where, ctx, result);
    else result.management.push({ type: 'heartbeat', deviceId: ctx.deviceId, receivedAt: ctx.receivedAt, body: event, ...heartbeatTime(field(event, 'timestamp')) });
  });
  return result;
}

// The event's body sits under `<eventType>Event`; an event without `eventType` is still known
// by its body, which is how some middleware forwards them.
function kindOf(event: JsonObject): 'tag' | 'gpi' | 'other' | 'invalid' {
  const eventType = field(event, 'eventType');
  if (eventType === 'tagInventory') return 'tag';
  if (eventType === 'gpiTransition' || eventType === 'gpiTransitionEvent') return 'gpi';
  if (typeof eventType === 'string') return 'other';
  if (eventType !== undefined) return 'invalid';
  if (field(event, 'tagInventoryEvent') !== undefined) return 'tag';
  if (field(event, 'gpiTransitionEvent') !== undefined) return 'gpi';
  return 'invalid';
}

function tag(event: JsonObject, where: string, ctx: DecodeContext, result: DecodeResult): void {
  const body = field(event, 'tagInventoryEvent');
  if (!isObject(body)) return reject(result, 'wrong_type', `${where}: tagInventoryEvent is ${describeValue(body)}, not an object`);

  // `epcHex` and base64 `epc` are each optional (the preset chooses); hex wins when both are sent.
  const hex = field(body, 'epcHex');
  const epc = hex !== undefined && hex !== null && hex !== ''
    ? epcFromHex(hex, 'epcHex')
    : epcFromBase64(field(body, 'epc'), 'epcHex and epc');
  if (!epc.ok) return reject(result, epc.reason, `${where}: ${epc.detail}`);
  const antenna = antennaPort(field(body, 'antennaPort'), 'antennaPort');
  if (!antenna.ok) return reject(result, antenna.reason, `${where}: ${antenna.detail}`);
  const rssi = rssiDbm(field(body, 'peakRssiCdbm'), 'peakRssiCdbm', 100);
  if (!rssi.ok) return reject(result, rssi.reason, `${where}: ${rssi.detail}`);
  // `lastSeenTime` is when the tag was read; the top `timestamp` is when the event was sent.
  const seen = field(body, 'lastSeenTime');
  const time = seen !== undefined && seen !== null
    ? deviceTime(seen, 'lastSeenTime', ctx.receivedAt)
    : deviceTime(field(event, 'timestamp'), 'timestamp', ctx.receivedAt);
  if (!time.ok) return reject(result, time.reason, `${where}: ${time.detail}`);

  const observation: TagObservation = {
    type: 'tag',
    deviceId: ctx.deviceId,
    antenna: antenna.value,
    epc: epc.value,
    rssi: rssi.value,
    deviceTime: time.value,
    receivedAt: ctx.receivedAt,
    // The IoT interface reports each read on its own.
    reads: 1,
    ...(saysTime(seen) || saysTime(field(event, 'timestamp')) ? {} : { gatewayTime: ctx.receivedAt }),
  };
  result.tags.push(observation);
}

// `gpiTransitionEvent: {gpi: n, transition: "high-to-low" | "low-to-high"}`: the state the pin
// is left in is what the portal logic needs, as with Zebra's GPI events.
function gpi(event: JsonObject, where: string, ctx: DecodeContext, result: DecodeResult): void {
  const body = field(event, 'gpiTransitionEvent');
  if (!isObject(body)) return reject(result, 'bad_gpi', `${where}: gpiTransitionEvent is ${describeValue(body)}, not an object`);
  const pin = field(body, 'gpi');
  if (typeof pin !== 'number' || !Number.isSafeInteger(pin) || pin < 0) {
    return reject(result, 'bad_gpi', `${where}: gpi is ${describeValue(pin)}, not a GPI number`);
  }
  const transition = field(body, 'transition');
  const state = transition === 'high-to-low' ? 'low' : transition === 'low-to-high' ? 'high' : null;
  if (state === null) return reject(result, 'bad_gpi', `${where}: transition is ${describeValue(transition)}`);
  const time = deviceTime(field(event, 'timestamp'), 'timestamp', ctx.receivedAt);
  if (!time.ok) return reject(result, time.reason, `${where}: ${time.detail}`);
  result.management.push({
    type: 'gpi', deviceId: ctx.deviceId, pin, state, deviceTime: time.value, receivedAt: ctx.receivedAt,
    ...(saysTime(field(event, 'timestamp')) ? {} : { gatewayTime: ctx.receivedAt }),
  });
}
