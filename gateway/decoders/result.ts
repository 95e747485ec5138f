// What every reader decoder returns. A payload is judged event by event: a batch with one bad
// event yields the good ones as observations and the bad one as one rejection, so that a single
// corrupted read never costs the other reads of the same message.
import type { TagObservation } from '../../edge/observations.ts';
import type { ManagementEvent } from './types.ts';

/**
 * Why an event (or a whole payload) was refused. A stable set: the gateway counts rejections by
 * these codes in the device observation, so a code, once published, never changes meaning.
 */
export const REJECT_REASONS = [
  /** The payload is larger than the limit (64 KiB unless configured); nothing of it was read. */
  'too_large',
  /** Not JSON at all, or a piece of it that does not parse (empty payloads too). */
  'not_json',
  /** JSON that stops before its end: a cut-off message or stream. */
  'truncated_json',
  /** A JSON value where an event object belongs (a number, a string, null, a nested array). */
  'not_object',
  /** A tag event without any EPC (Zebra `idHex`, Impinj `epcHex` and `epc` all absent or empty). */
  'missing_epc',
  /** An EPC that is not hex, has an odd length, is not whole 16-bit words or is over 64 digits. */
  'bad_epc',
  /** No antenna port, or one that is not an integer from 1 to 65535. */
  'bad_antenna',
  /** An RSSI that is not a number or lies outside -150…20 dBm. */
  'bad_rssi',
  /** A device time that is present but not an ISO 8601 time with a zone, or before 1970. */
  'bad_timestamp',
  /** A GPI event whose pin or state cannot be read. */
  'bad_gpi',
  /**
   * A field of the wrong JSON type or an impossible value that no code above covers: an event
   * without its `type`/`eventType`, `data` that is not an object, `reads` of 0, a response
   * without a command id.
   */
  'wrong_type',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Events that are well formed but carry nothing the gateway uses: counted, not refused. */
export const SKIP_REASONS = [
  /** An event type this gateway does not use (Zebra modes it does not know, Impinj `inventoryStatus`, …). */
  'unused_type',
  /** A Zebra read whose `idHex` is the TID (`format: "tid"`): the EPC is the key, not the TID. */
  'tid',
  /** A Zebra read of another memory bank or format than EPC or TID. */
  'other_format',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface Rejection {
  reason: RejectReason;
  /** For logs: where in the payload and what was wrong. Never echoes more than a few characters. */
  detail: string;
}

export interface DecodeResult {
  tags: TagObservation[];
  management: ManagementEvent[];
  skipped: { reason: SkipReason; count: number }[];
  rejected: Rejection[];
}

export interface DecodeContext {
  /** The reader's id (its MQTT username); must be non-empty. */
  deviceId: string;
  /** When the gateway received the payload, integer epoch ms: the decoder never reads a clock. */
  receivedAt: number;
  /** Payloads above this many bytes are refused whole as `too_large`. Default 64 KiB. */
  maxBytes?: number;
}

/** What a payload arrives as: an MQTT message buffer, an HTTP body, a test's string. */
export type Payload = Buffer | Uint8Array | string;

export function emptyResult(): DecodeResult {
  return { tags: [], management: [], skipped: [], rejected: [] };
}

const MAX_DETAIL = 200;

export function reject(result: DecodeResult, reason: RejectReason, detail: string): void {
  result.rejected.push({ reason, detail: detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL)}…` : detail });
}

export function skip(result: DecodeResult, reason: SkipReason): void {
  const entry = result.skipped.find((s) => s.reason === reason);
  if (entry) entry.count += 1;
  else result.skipped.push({ reason, count: 1 });
}
