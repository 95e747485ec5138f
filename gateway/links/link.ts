// The device-link seam: one interface every transport implements (MQTT readers, serial and
// serial-over-TCP devices, OPC UA environment monitors), so that liveness, counters, /api/v1/devices and
// /metrics treat every device alike. A link turns its transport's bytes or messages into reports
// of what each device said, already decoded by that device's pure codec; the pipeline
// (gateway/devices/pipeline.ts) turns reports into observations, the only thing the edge sees.
import type { DecodeResult } from '../decoders/result.ts';

/** One complete inventory round of one shelf antenna: every EPC it saw, none invented. */
export interface ShelfRound { antenna: number; epcs: string[] }

/**
 * A value read from a sensor or transmitter (a load cell's `weight` in grams, an environment
 * monitor's `temperature`). A boolean sensor (smoke, water, door) reads 1 (yes) or 0 (no).
 */
export interface DeviceReading {
  name: string;
  value: number;
  unit: string;
  /** The zone the value measures, when the device says it per value (an OPC UA monitor's values, each configured with its zone). */
  zoneId?: string;
}

/** A device's message or frame the link or codec refused, by a stable reason. */
export interface LinkRejection { reason: string; detail?: string; count?: number }

/** What one device said at one moment, on the gateway's clock (`receivedAt`). */
export interface DeviceReport {
  deviceId: string;
  receivedAt: number;
  /** A reader's JSON payload decoded (tag reads, GPI edges, heartbeats, command responses). */
  decoded?: DecodeResult;
  /** A shelf reader's completed rounds. */
  rounds?: ShelfRound[];
  /** The intake desk reader's inventory: every tag on the desk now (empty: none). */
  desk?: { epcs: string[] };
  readings?: DeviceReading[];
  /**
   * The device is there and has nothing new to say (an OPC UA subscription's keep-alive): it is
   * heard, and nothing is observed.
   */
  keepAlive?: boolean;
  /** A reading the device reported as impossible (NaN, a fault code): a device fault, never a value. */
  faults?: { name: string; detail: string }[];
  rejected?: LinkRejection[];
}

export type DeviceState = 'connected' | 'disconnected' | 'will';
export type ReportHandler = (r: DeviceReport) => void;
export type DeviceStateHandler = (deviceId: string, state: DeviceState, at: number) => void;

export const LINK_TRANSPORTS = ['mqtt', 'serial', 'tcp', 'opcua'] as const;
export type LinkTransport = (typeof LINK_TRANSPORTS)[number];

/** A link as a field engineer reads it on /api/v1/devices: is it up, since when, how often it came back, what went through. */
export interface LinkStatus {
  id: string;
  transport: LinkTransport;
  /** Where it goes: a port path, `tcp://host:port`, the broker's address. */
  target: string;
  state: 'starting' | 'open' | 'down' | 'stopped';
  /** When it entered that state, on the gateway's clock. */
  since: number | null;
  /** Times it was reopened after going down. */
  reconnects: number;
  lastError: string | null;
  bytesIn: number;
  bytesOut: number;
  /** Frames or messages that decoded. */
  frames: number;
  /** Refused bytes, frames and messages, and transport errors, by reason. */
  errors: Record<string, number>;
}

export interface DeviceLink {
  readonly id: string;
  /** Opens what it can; a device that is not there yet is offline, never a failed start. */
  start(): Promise<void>;
  /** Removes every listener and timer it added; safe to call twice. */
  stop(): Promise<void>;
  /** Returns a function that removes the handler. */
  onReport(h: ReportHandler): () => void;
  onDeviceState(h: DeviceStateHandler): () => void;
  /** The site's devices this link carries. */
  deviceIds(): string[];
  status(): LinkStatus;
  /** What the link itself refused of one device (over its rate, a foreign topic), by reason. */
  refusals(deviceId: string): Record<string, number>;
}

/** Handlers of one kind, each removable, none able to break the others. */
export class Handlers<A extends unknown[]> {
  private readonly list = new Set<(...a: A) => void>();
  add(h: (...a: A) => void): () => void {
    this.list.add(h);
    return () => { this.list.delete(h); };
  }
  emit(onError: (e: unknown) => void, ...a: A): void {
    for (const h of this.list) {
      try {
        h(...a);
      } catch (e) {
        onError(e);
      }
    }
  }
  clear(): void { this.list.clear(); }
}
