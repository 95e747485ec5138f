// From bytes to the JSON event objects a payload holds, whatever the framing: one object, an
// array (Zebra batching, Impinj webhooks), objects glued with no separator (Zebra `}{`) or one
// per line (Impinj's NDJSON stream). Framing faults become rejections here so that the vendor
// decoders only ever see objects.
import { type DecodeContext, type DecodeResult, type RejectReason, reject } from './result.ts';

export const DEFAULT_MAX_BYTES = 64 * 1024;

export type JsonObject = Record<string, unknown>;

type Piece = { ok: true; value: unknown } | { ok: false; reason: RejectReason; detail: string };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Own fields only: a payload's `"constructor"` or a missing `"toString"` must not reach the prototype. */
export function field(obj: JsonObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

/** A short description of a JSON value for a rejection detail; never serialises containers (they may nest 30 000 deep). */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object' && v !== null) return 'an object';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/**
 * Calls `handle` once per event object in the payload, numbering events across the payload
 * (`event 3`) for rejection details. Everything that is not an event object is rejected here.
 */
export function forEachEvent(
  payload: unknown,
  ctx: DecodeContext,
  result: DecodeResult,
  handle: (event: JsonObject, where: string) => void,
): void {
  const text = payloadText(payload, ctx.maxBytes ?? DEFAULT_MAX_BYTES, result);
  if (text === null) return;
  let n = 0;
  for (const piece of splitJson(text)) {
    if (!piece.ok) {
      reject(result, piece.reason, piece.detail);
      continue;
    }
    // A top-level array is a batch; an array inside it is not an event.
    const items = Array.isArray(piece.value) ? piece.value : [piece.value];
    for (const item of items) {
      n += 1;
      const where = `event ${n}`;
      if (isObject(item)) handle(item, where);
      else reject(result, 'not_object', `${where}: ${describeValue(item)} is not an event object`);
    }
  }
}

function payloadText(payload: unknown, maxBytes: number, result: DecodeResult): string | null {
  let text: string;
  if (typeof payload === 'string') {
    const bytes = Buffer.byteLength(payload, 'utf8');
    if (bytes > maxBytes) return tooLarge(result, bytes, maxBytes);
    text = payload;
  } else if (payload instanceof Uint8Array) {
    // Buffer is a Uint8Array; the size is checked before any decoding work.
    if (payload.byteLength > maxBytes) return tooLarge(result, payload.byteLength, maxBytes);
    text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  } else {
    reject(result, 'not_json', `payload is ${payload === null ? 'null' : typeof payload}, not bytes or text`);
    return null;
  }
  // A UTF-8 byte order mark is legal in front of JSON text but JSON.parse refuses it.
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function tooLarge(result: DecodeResult, bytes: number, maxBytes: number): null {
  reject(result, 'too_large', `payload is ${bytes} bytes, the limit is ${maxBytes}`);
  return null;
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
/**
 * Each unterminated value costs a scan to the end of the text; after this many the rest of the
 * payload is refused whole, so that a hostile `{\n{\n{\n…` stays linear rather than quadratic.
 */
const MAX_RESYNCS = 32;

/** The top-level JSON values of a text, in order, each parsed or classified as broken. */
export function splitJson(text: string): Piece[] {
  if (!/\S/.test(text)) return [{ ok: false, reason: 'not_json', detail: 'empty payload' }];
  // The common case, one value, costs one native parse.
  const whole = tryParse(text);
  if (whole.ok) return [whole];

  const pieces: Piece[] = [];
  let arrayCutOff = false;
  let resyncs = 0;
  let i = skipSeparators(text, 0);
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== OPEN_BRACE && c !== OPEN_BRACKET) {
      // Bare scalars or garbage run to the next structure; a scalar parses and is then refused
      // as not an object, garbage as not JSON.
      let stop = i;
      while (stop < text.length && !isOpen(text.charCodeAt(stop))) stop += 1;
      const run = tryParse(text.slice(i, stop).replace(/[\s,]+$/, ''));
      pieces.push(run.ok ? run : { ok: false, reason: 'not_json', detail: `unreadable text at character ${i}` });
      i = skipSeparators(text, stop);
      continue;
    }
    const end = matchEnd(text, i);
    if (end !== -1) {
      const value = tryParse(text.slice(i, end));
      pieces.push(value.ok ? value : { ok: false, reason: 'not_json', detail: `malformed JSON at character ${i}` });
      i = skipSeparators(text, end);
      continue;
    }
    // Unterminated from here to the end of the text.
    resyncs += 1;
    if (resyncs > MAX_RESYNCS) {
      pieces.push({ ok: false, reason: 'truncated_json', detail: `unterminated JSON from character ${i} on` });
      break;
    }
    if (c === OPEN_BRACKET) {
      // A cut-off batch: read the complete events inside it, then report the cut.
      arrayCutOff = true;
      i = skipSeparators(text, i + 1);
      continue;
    }
    // A cut-off object: in a line-oriented stream the next line starts afresh.
    const next = nextLineValue(text, i + 1);
    const stop = next === -1 ? text.length : next;
    pieces.push({ ok: false, reason: 'truncated_json', detail: `unterminated JSON at character ${i}` });
    i = skipSeparators(text, stop);
  }
  const last = pieces[pieces.length - 1];
  if (arrayCutOff && !(last && !last.ok && last.reason === 'truncated_json')) {
    pieces.push({ ok: false, reason: 'truncated_json', detail: 'a batch array is not closed' });
  }
  return pieces;
}

function tryParse(text: string): Piece {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: 'not_json', detail: 'malformed JSON' };
  }
}

function isOpen(c: number): boolean {
  return c === OPEN_BRACE || c === OPEN_BRACKET;
}

/** Whitespace and commas between top-level values (`{…},{…}` is tolerated like `{…}{…}`). */
function skipSeparators(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2c || c === 0xfeff) i += 1;
    else break;
  }
  return i;
}

/**
 * The index just after the value that opens at `start`, or -1 if it never closes. Brackets are
 * only counted, not matched: JSON.parse judges the piece afterwards. A raw newline cannot occur
 * inside a JSON string, so one there means the line was cut and the value is unterminated.
 */
function matchEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i += 1;
      else if (c === QUOTE) inString = false;
      else if (c === NEWLINE) return -1;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth += 1;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** The next line, after `from`, that starts (after blanks) with `{` or `[`: where NDJSON resumes. */
function nextLineValue(text: string, from: number): number {
  let nl = text.indexOf('\n', from);
  while (nl !== -1) {
    let j = nl + 1;
    while (j < text.length && (text[j] === ' ' || text[j] === '\t' || text[j] === '\r')) j += 1;
    if (j < text.length && isOpen(text.charCodeAt(j))) return j;
    nl = text.indexOf('\n', j);
  }
  return -1;
}
