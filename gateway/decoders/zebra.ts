// Zebra FX7500 / FX9600 / ATR7000 "IoT Connector" payloads (PROTOCOLS.md). Tag events carry the
// reader's mode in `type` and the read in `data`; management events are GPI edges, heartbeats of
// no public schema, and responses to the gateway's commands.
import type { TagObservation } from '../../edge/observations.ts';
import { antennaPort, deviceTime, epcFromHex, heartbeatTime, rssiDbm, saysTime } from './fields.ts';
import { type JsonObject, describeValue, field, forEachEvent, isObject } from './payload.ts';
import { type DecodeContext, type DecodeResult, type Payload, emptyResult, reject, skip } from './result.ts';

/** The reader modes that report tag reads (`type` of a tag event). */
const TAG_MODES = new Set(['SIMPLE', 'INVENTORY', 'PORTAL', 'CONVEYOR', 'CUSTOM', 'DIRECTIONALITY']);

/** The tag-data topic (`rfid/{readerId}/tevents`). A GPI event sent there is decoded too. */
export function decodeZebraTags(payload: Payload, ctx: DecodeContext): DecodeResult {
  const result = emptyResult();
  forEachEvent(payload, ctx, result, (event, where) => {
    const type = field(event, 'type');
    if (typeof type !== 'string') {
      reject(result, 'wrong_type', `${where}: type is ${describeValue(type)}, not a reader mode`);
    } else if (type.toUpperCase() === 'GPI') {
      gpi(event, where, ctx, result);
    } else if (!TAG_MODES.has(type.toUpperCase())) {
      skip(result, 'unused_type');
    } else {
      tag(event, where, ctx, result);
    }
  });
  return result;
}

/**
 * The management topics (`mevents` and `mrsp`): GPI edges, command responses, and anything else
 * as a heartbeat, since no heartbeat schema is public and every message proves the reader alive.
 */
export function decodeZebraManagement(payload: Payload, ctx: DecodeContext): DecodeResult {
  const result = emptyResult();
  forEachEvent(payload, ctx, result, (event, where) => {
    const type = field(event, 'type');
    if (typeof type === 'string' && type.toUpperCase() === 'GPI') gpi(event, where, ctx, result);
    else if (field(event, 'response') !== undefined && field(event, 'command') !== undefined) response(event, where, ctx, result);
    else result.management.push({ type: 'heartbeat', deviceId: ctx.deviceId, receivedAt: ctx.receivedAt, body: event, ...heartbeatTime(field(event, 'timestamp')) });
  });
  return result;
}

function tag(event: JsonObject, where: string, ctx: DecodeContext, result: DecodeResult): void {
  const data = field(event, 'data');
  if (data === undefined) return reject(result, 'missing_epc', `${where}: no data`);
  if (!isObject(data)) return reject(result, 'wrong_type', `${where}: data is ${describeValue(data)}, not an object`);

  const format = field(data, 'format');
  if (format !== undefined) {
    if (typeof format !== 'string') return reject(result, 'wrong_type', `${where}: format is ${describeValue(format)}`);
    if (format.toLowerCase() === 'tid') return skip(result, 'tid');
    if (format.toLowerCase() !== 'epc') return skip(result, 'other_format');
  }
  const epc = epcFromHex(field(data, 'idHex'), 'idHex');
  if (!epc.ok) return reject(result, epc.reason, `${where}: ${epc.detail}`);
  const antenna = antennaPort(field(data, 'antenna'), 'antenna');
  if (!antenna.ok) return reject(result, antenna.reason, `${where}: ${antenna.detail}`);
  // The FX readers say `peakRssi`, the ATR7000 `rssi`; both in dBm.
  const rssiField = field(data, 'peakRssi') !== undefined ? 'peakRssi' : 'rssi';
  const rssi = rssiDbm(field(data, rssiField), rssiField);
  if (!rssi.ok) return reject(result, rssi.reason, `${where}: ${rssi.detail}`);
  const reads = readCount(field(data, 'reads'));
  if (reads === null) return reject(result, 'wrong_type', `${where}: reads is ${describeValue(field(data, 'reads'))}, not a count from 1`);
  const time = deviceTime(field(event, 'timestamp'), 'timestamp', ctx.receivedAt);
  if (!time.ok) return reject(result, time.reason, `${where}: ${time.detail}`);

  const observation: TagObservation = {
    type: 'tag',
    deviceId: ctx.deviceId,
    antenna: antenna.value,
    epc: epc.value,
    rssi: rssi.value,
    deviceTime: time.value,
    receivedAt: ctx.receivedAt,
    reads,
    ...(saysTime(field(event, 'timestamp')) ? {} : { gatewayTime: ctx.receivedAt }),
  };
  result.tags.push(observation);
}

/** `reads` is the seen-count since the last report; absent means one read. */
function readCount(v: unknown): number | null {
  if (v === undefined || v === null) return 1;
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 ? v : null;
}

// `{"type":"GPI","pin":1,"state":"HIGH"|"LOW"}`; some firmware nests pin and state in `data`,
// so both places are read.
function gpi(event: JsonObject, where: string, ctx: DecodeContext, result: DecodeResult): void {
  const data = field(event, 'data');
  const from = field(event, 'pin') === undefined && isObject(data) ? data : event;
  const pin = field(from, 'pin');
  const state = field(from, 'state');
  if (typeof pin !== 'number' || !Number.isSafeInteger(pin) || pin < 0) {
    return reject(result, 'bad_gpi', `${where}: pin is ${describeValue(pin)}, not a GPI number`);
  }
  const level = typeof state === 'string' ? state.toUpperCase() : '';
  if (level !== 'HIGH' && level !== 'LOW') return reject(result, 'bad_gpi', `${where}: state is ${describeValue(state)}, not HIGH or LOW`);
  const time = deviceTime(field(event, 'timestamp'), 'timestamp', ctx.receivedAt);
  if (!time.ok) return reject(result, time.reason, `${where}: ${time.detail}`);
  result.management.push({
    type: 'gpi', deviceId: ctx.deviceId, pin, state: level === 'HIGH' ? 'high' : 'low',
    deviceTime: time.value, receivedAt: ctx.receivedAt,
    ...(saysTime(field(event, 'timestamp')) ? {} : { gatewayTime: ctx.receivedAt }),
  });
}

// `{"command":"set_gpo","command_id":"…","response":"success"}`, or an error in `response`
// (a word like "failure" with the reason in `payload`, or an object).
function response(event: JsonObject, where: string, ctx: DecodeContext, result: DecodeResult): void {
  const command = field(event, 'command');
  const id = field(event, 'command_id');
  if (typeof command !== 'string') return reject(result, 'wrong_type', `${where}: command is ${describeValue(command)}`);
  if (typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id))) {
    return reject(result, 'wrong_type', `${where}: command_id is ${describeValue(id)}`);
  }
  const answer = field(event, 'response');
  const ok = typeof answer === 'string' && answer.toLowerCase() === 'success';
  result.management.push({
    type: 'response', deviceId: ctx.deviceId, command, commandId: String(id), ok,
    ...(ok ? {} : { error: errorText(answer, field(event, 'payload')) }),
    receivedAt: ctx.receivedAt,
  });
}

function errorText(answer: unknown, payload: unknown): string {
  const parts: string[] = [];
  for (const source of [answer, payload]) {
    if (typeof source === 'string') parts.push(source);
    else if (isObject(source)) {
      for (const key of ['message', 'description', 'error', 'reason']) {
        const text = field(source, key);
        if (typeof text === 'string') {
          parts.push(text);
          break;
        }
      }
    }
  }
  const text = parts.join(': ') || `response is ${describeValue(answer)}`;
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
