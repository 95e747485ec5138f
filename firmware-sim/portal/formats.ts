/**
 * Encoders of the payloads real RFID portal readers publish over MQTT (see PROTOCOLS.md,
 * "RFID portals over MQTT"): Zebra FX7500/FX9600/ATR7000 IoT Connector events and command
 * responses, and Impinj R700 IoT Device Interface events.
 *
 * Written from the vendor formats, apart from the gateway's decoders: nothing here imports them.
 */

// ---------------------------------------------------------------------------------------------
// Time stamps

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * Zebra IoT Connector time stamp: `2025-01-01T12:00:00.123+0000` — milliseconds, and an offset
 * without a colon. The reader prints its local time; `offsetMinutes` is its UTC offset
 * (480 for China Standard Time).
 */
export function zebraTimestamp(t: number, offsetMinutes = 0): string {
  const ms = Math.floor(t);
  const local = new Date(ms + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `.${pad(local.getUTCMilliseconds(), 3)}${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

/**
 * Impinj time stamp with nine fractional digits, UTC: `2021-02-02T18:39:34.385793625Z`.
 * The fractional part of `t` (ms) gives the sub-millisecond digits; `extraNanos` (0..999999)
 * overrides them.
 */
export function impinjTimestamp(t: number, extraNanos?: number): string {
  const ms = Math.floor(t);
  const sub = extraNanos ?? Math.min(999_999, Math.round((t - ms) * 1e6));
  const iso = new Date(ms).toISOString(); // 2021-02-02T18:39:34.385Z
  return `${iso.slice(0, -1)}${pad(sub, 6)}Z`;
}

/** Impinj `lastSeenTime`: ISO 8601 with milliseconds, UTC. */
export function impinjMillisTimestamp(t: number): string {
  return new Date(Math.floor(t)).toISOString();
}

// ---------------------------------------------------------------------------------------------
// Shared

/** One tag read to encode, whatever the vendor. */
export interface TagReadInput {
  /** EPC (or TID) as hex, without PC and CRC. */
  idHex: string;
  antenna: number;
  /** dBm. */
  rssi: number;
  /** Epoch ms; a fractional part is kept where the format can carry it. */
  t: number;
  /** Seen-count since the last report. Default 1. */
  reads?: number;
  /** Optional TID hex (Impinj `tidHex`/`tid`). */
  tidHex?: string;
  /** Optional extras. */
  channel?: number;
  phase?: number;
}

export type ReportingMode = 'per-read' | 'batched' | 'concatenated';

function normaliseHex(hex: string): string {
  const h = hex.replace(/\s+/g, '').toUpperCase();
  if (!/^[0-9A-F]*$/.test(h) || h.length % 4 !== 0 || h.length === 0) {
    throw new RangeError(`not an EPC hex string of whole 16-bit words: ${JSON.stringify(hex)}`);
  }
  return h;
}

/** The Gen2 protocol-control word for an EPC of this many hex digits (length in words, UMI set). */
export function pcWord(epcHexDigits: number): number {
  const words = epcHexDigits / 4;
  return ((words & 0x1f) << 11) | 0x0400;
}

function hexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

/**
 * A payload of several events as one MQTT message: `per-read` allows exactly one event,
 * `batched` is a JSON array, `concatenated` glues the JSON objects with nothing between
 * them (`}{`), as Zebra readers do.
 */
export function joinEvents(events: readonly object[], mode: ReportingMode): string {
  if (mode === 'per-read') {
    if (events.length !== 1) throw new RangeError(`per-read payload holds one event, got ${events.length}`);
    return JSON.stringify(events[0]);
  }
  if (mode === 'batched') return JSON.stringify(events);
  return events.map((e) => JSON.stringify(e)).join('');
}

// ---------------------------------------------------------------------------------------------
// Zebra IoT Connector

export type ZebraReaderMode = 'SIMPLE' | 'INVENTORY' | 'PORTAL' | 'CONVEYOR' | 'CUSTOM' | 'DIRECTIONALITY';

export interface ZebraTagEvent {
  type: ZebraReaderMode;
  timestamp: string;
  data: {
    MAC: string;
    antenna: number;
    eventNum: number;
    format: 'epc' | 'tid';
    idHex: string;
    peakRssi?: number;
    rssi?: number;
    reads: number;
    PC?: string;
    channel?: number;
    phase?: number;
  };
}

export interface ZebraTagOptions {
  mac: string;
  eventNum: number;
  /** Reader mode written in `type`. Default SIMPLE. */
  type?: ZebraReaderMode;
  /** `fx` (FX7500/FX9600: `peakRssi`) or `atr7000` (`rssi`). Default fx. */
  model?: 'fx' | 'atr7000';
  /** Reader's UTC offset in minutes. Default 0. */
  offsetMinutes?: number;
  /** `epc` (default) or `tid`: what `idHex` holds. */
  format?: 'epc' | 'tid';
  /** Add the optional `PC` field. */
  includePc?: boolean;
}

/** One Zebra IoT Connector tag data event. RSSI is rounded to whole dBm as the readers report it. */
export function zebraTagEvent(read: TagReadInput, opts: ZebraTagOptions): ZebraTagEvent {
  const idHex = normaliseHex(read.idHex);
  const rssi = Math.round(read.rssi);
  const data: ZebraTagEvent['data'] = {
    MAC: opts.mac,
    antenna: read.antenna,
    eventNum: opts.eventNum,
    format: opts.format ?? 'epc',
    idHex,
    reads: read.reads ?? 1,
  };
  if ((opts.model ?? 'fx') === 'atr7000') data.rssi = rssi;
  else data.peakRssi = rssi;
  if (opts.includePc) data.PC = pcWord(idHex.length).toString(16).toUpperCase().padStart(4, '0');
  if (read.channel !== undefined) data.channel = read.channel;
  if (read.phase !== undefined) data.phase = read.phase;
  return { type: opts.type ?? 'SIMPLE', timestamp: zebraTimestamp(read.t, opts.offsetMinutes ?? 0), data };
}

export interface ZebraGpiEvent {
  type: 'GPI';
  pin: number;
  state: 'HIGH' | 'LOW';
}

/** A Zebra GPI event (management topic). LOW = photo-eye beam broken. */
export function zebraGpiEvent(pin: number, state: 'HIGH' | 'LOW'): ZebraGpiEvent {
  return { type: 'GPI', pin, state };
}

export interface ZebraHeartbeatInput {
  t: number;
  mac: string;
  hostname?: string;
  uptimeSeconds: number;
  offsetMinutes?: number;
  /** Reader CPU temperature, °C. */
  temperatureC?: number;
  radioConnected?: boolean;
}

/**
 * A Zebra heartbeat management event. No exact schema is public (PROTOCOLS.md): the gateway
 * must treat it as liveness plus opaque JSON, so this is a plausible shape, not a contract.
 */
export function zebraHeartbeatEvent(h: ZebraHeartbeatInput): Record<string, unknown> {
  return {
    type: 'heartbeat',
    timestamp: zebraTimestamp(h.t, h.offsetMinutes ?? 0),
    data: {
      MAC: h.mac,
      hostname: h.hostname ?? `FX9600${h.mac.replace(/:/g, '').slice(-6)}`,
      uptime: h.uptimeSeconds,
      radioConnection: h.radioConnected === false ? 'disconnected' : 'connected',
      radioActivity: 'active',
      cpu: { system: 12, user: 9 },
      ram: { free: 122_880_000, total: 536_870_912, used: 413_990_912 },
      flash: { rootFS: { free: 14_000_000, total: 52_000_000, used: 38_000_000 } },
      temperature: h.temperatureC ?? 41,
      ntp: { offset: 3, reach: 255 },
    },
  };
}

export interface ZebraCommand {
  command: string;
  command_id: string;
  payload?: unknown;
}

export interface ZebraCommandResponse {
  command: string;
  command_id: string;
  response: 'success' | 'failure';
  payload: unknown;
}

/**
 * The response to a command: it repeats `command` and `command_id`; `payload` is `{}` for a
 * plain success (as the IoT Connector's `set_gpo` answers), the result for a query, or
 * `{description}` on failure.
 */
export function zebraCommandResponse(
  cmd: { command: string; command_id: string },
  result: { error: string } | { payload: unknown } = { payload: {} },
): ZebraCommandResponse {
  if ('error' in result) return { command: cmd.command, command_id: cmd.command_id, response: 'failure', payload: { description: result.error } };
  return { command: cmd.command, command_id: cmd.command_id, response: 'success', payload: result.payload };
}

// ---------------------------------------------------------------------------------------------
// Impinj R700 IoT Device Interface

export interface ImpinjTagInventoryEvent {
  timestamp: string;
  hostname: string;
  eventType: 'tagInventory';
  tagInventoryEvent: {
    epc?: string;
    epcHex?: string;
    tid?: string;
    tidHex?: string;
    pc?: string;
    antennaPort: number;
    antennaName?: string;
    peakRssiCdbm: number;
    frequency?: number;
    transmitPowerCdbm?: number;
    lastSeenTime?: string;
    phaseAngle?: number;
  };
}

export interface ImpinjTagOptions {
  hostname: string;
  /** Antenna names by port (the R700 lets the installer name them). */
  antennaNames?: Record<number, string>;
  /** Which EPC encodings to include. Default both. */
  epcFields?: 'both' | 'hex' | 'base64';
  frequencyKhz?: number;
  transmitPowerCdbm?: number;
}

/** One Impinj R700 `tagInventory` event. RSSI in centi-dBm (integer). */
export function impinjTagInventoryEvent(read: TagReadInput, opts: ImpinjTagOptions): ImpinjTagInventoryEvent {
  const hex = normaliseHex(read.idHex);
  const which = opts.epcFields ?? 'both';
  const ev: ImpinjTagInventoryEvent['tagInventoryEvent'] = {
    antennaPort: read.antenna,
    peakRssiCdbm: Math.round(read.rssi * 100),
  };
  if (which !== 'hex') ev.epc = hexToBase64(hex);
  if (which !== 'base64') ev.epcHex = hex;
  if (read.tidHex) {
    const tid = normaliseHex(read.tidHex);
    if (which !== 'hex') ev.tid = hexToBase64(tid);
    if (which !== 'base64') ev.tidHex = tid;
  }
  ev.pc = Buffer.from(pcWord(hex.length).toString(16).padStart(4, '0'), 'hex').toString('base64');
  const name = opts.antennaNames?.[read.antenna];
  if (name !== undefined) ev.antennaName = name;
  ev.frequency = opts.frequencyKhz ?? 920_625;
  ev.transmitPowerCdbm = opts.transmitPowerCdbm ?? 3000;
  ev.lastSeenTime = impinjMillisTimestamp(read.t);
  if (read.phase !== undefined) ev.phaseAngle = read.phase;
  return { timestamp: impinjTimestamp(read.t), hostname: opts.hostname, eventType: 'tagInventory', tagInventoryEvent: ev };
}

/** An Impinj GPI transition event (a photo eye on a GPI). The gateway may count and skip it. */
export function impinjGpiEvent(t: number, hostname: string, gpi: number, state: 'HIGH' | 'LOW'): Record<string, unknown> {
  return {
    timestamp: impinjTimestamp(t),
    hostname,
    eventType: 'gpiTransition',
    gpiTransitionEvent: { gpi, transition: state === 'HIGH' ? 'low-to-high' : 'high-to-low' },
  };
}

/** An Impinj `inventoryStatus` event, used by the simulated R700 as its periodic liveness message. */
export function impinjInventoryStatusEvent(t: number, hostname: string, status: 'running' | 'idle' = 'running'): Record<string, unknown> {
  return { timestamp: impinjTimestamp(t), hostname, eventType: 'inventoryStatus', inventoryStatusEvent: { status } };
}
