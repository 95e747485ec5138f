// The seam between gateway/ and edge/: every frame and payload becomes one of these, and the
// edge accepts nothing else. Times are epoch milliseconds: `deviceTime` as the device said it,
// `receivedAt` as the gateway saw it, so that a reader with a wrong clock is visible.
import { z } from 'zod';

const epc = z.string().regex(/^([0-9A-F]{4}){1,16}$/, 'uppercase hex EPC of whole 16-bit words');
const ms = z.number().int().nonnegative();

export const tagObservation = z.object({
  type: z.literal('tag'),
  deviceId: z.string().min(1),
  antenna: z.number().int().min(1),
  epc,
  /** dBm, normalised from whatever unit the vendor sends. */
  rssi: z.number().min(-150).max(20).nullable(),
  deviceTime: ms,
  receivedAt: ms,
  /** How many reads this report stands for (Zebra's `reads`), at least 1. */
  reads: z.number().int().min(1).default(1),
  /**
   * The read on the gateway's clock: `deviceTime` mapped by the device's measured offset, or the
   * receive time when the device said no time. What decisions use; absent until mapped.
   */
  gatewayTime: ms.optional(),
}).strict();

export const DIRECTIONS = ['in', 'out', 'unknown'] as const;

export const crossingObservation = z.object({
  type: z.literal('crossing'),
  gateId: z.string().min(1),
  epc,
  direction: z.enum(DIRECTIONS),
  /** 0..1: how sure the portal is of the direction. */
  confidence: z.number().min(0).max(1),
  /** On the gateway's clock: the readers' own times mapped by each reader's measured offset. */
  firstSeen: ms,
  lastSeen: ms,
  /** The readers' own times for the same reads, kept as evidence (absent when they are the gateway's). */
  deviceFirstSeen: ms.optional(),
  deviceLastSeen: ms.optional(),
  readCount: z.number().int().min(1),
}).strict();

export const shelfObservation = z.object({
  type: z.literal('shelf'),
  deviceId: z.string().min(1),
  locationId: z.string().min(1),
  epcs: z.array(epc).optional(),
  weightGrams: z.number().optional(),
  at: ms,
}).strict();

/** One poll of an intake desk reader: every EPC on the desk now (none is news too: the desk is clear). */
export const deskObservation = z.object({
  type: z.literal('desk'),
  deviceId: z.string().min(1),
  epcs: z.array(epc),
  at: ms,
}).strict();

/**
 * What a handheld read (an MQTT reader in INVENTORY mode carried through a cycle count), in the
 * order it read them: a location's own tag says where the items read after it are.
 */
export const handheldObservation = z.object({
  type: z.literal('handheld'),
  deviceId: z.string().min(1),
  epcs: z.array(epc).min(1),
  at: ms,
}).strict();

export const envObservation = z.object({
  type: z.literal('env'),
  deviceId: z.string().min(1),
  zoneId: z.string().min(1),
  /** temperature (°C), humidity (%RH), smoke, water, door (1 alarm or open, 0 not), or another the monitor reports. */
  metric: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/),
  /** NaN and infinities are checked by the rule (a device fault, counted), not lost as a schema error. */
  value: z.number().or(z.nan()),
  unit: z.string().max(16).optional(),
  at: ms,
}).strict();

/** The link that carries a device (a serial port, a device server, the broker): its state and counters since start. */
export const deviceLink = z.object({
  id: z.string().min(1),
  transport: z.enum(['mqtt', 'serial', 'tcp', 'opcua']),
  target: z.string(),
  state: z.enum(['starting', 'open', 'down', 'stopped']),
  reconnects: z.number().int().nonnegative(),
  lastError: z.string().nullable(),
  bytesIn: z.number().int().nonnegative(),
  bytesOut: z.number().int().nonnegative(),
  frames: z.number().int().nonnegative(),
  errors: z.record(z.string(), z.number().int().nonnegative()),
}).strict();

export const deviceObservation = z.object({
  type: z.literal('device'),
  deviceId: z.string().min(1),
  state: z.enum(['online', 'offline']),
  /** Why the state changed: `heartbeat`, `reads`, `connect`, `will`, `disconnect`, `timeout`; `status` for a report of counters with no change. */
  reason: z.string().min(1),
  at: ms,
  /** Counters since the gateway started: messages accepted, and rejected by reason. */
  accepted: z.number().int().nonnegative(),
  rejected: z.record(z.string(), z.number().int().nonnegative()),
  readsPerSecond: z.number().nonnegative(),
  /** The device's clock minus the gateway's (ms, delay included), as measured from its messages; null before any. */
  clockOffsetMs: z.number().int().nullable().optional(),
  /** Times the measured offset was re-based on a jump of the device's clock. */
  clockJumps: z.number().int().nonnegative().optional(),
  /** When the gateway last heard the device (its last accepted message), on the gateway's clock. */
  lastHeard: ms.nullable().optional(),
  /** Its reads that reached its gate's portal and were left out there: on an antenna the site does not map, or too late for their pass. */
  readsIgnored: z.object({ unknown_antenna: z.number().int().nonnegative(), late: z.number().int().nonnegative() }).strict().optional(),
  link: deviceLink.optional(),
}).strict();

const count = z.number().int().nonnegative();

/** A gate's portal as the gateway sees it: tracks open now, and what it has smoothed away since start. */
export const gateObservation = z.object({
  type: z.literal('gate'),
  gateId: z.string().min(1),
  at: ms,
  /** Tags being read at the gate now: a pass under way. */
  openTracks: count,
  /** Tags that stay in the gate's field (a tagged item left near it), kept out of crossings. */
  residents: count,
  reads: count,
  /** Tracks closed without a crossing: too few reads and too short (a stray), or another gate's bleed. */
  stray: count,
  bleed: count,
  /** Tracks closed early because too many were open at once. */
  forcedClose: count,
  /** Reads left out: from a reader's antenna the site does not map, from a reader of no gate here, too late for their pass. */
  ignored: z.object({ unknown_antenna: count, unknown_device: count, late: count }).strict(),
  crossings: z.object({ in: count, out: count, unknown: count }).strict(),
}).strict();

export const observation = z.discriminatedUnion('type', [
  tagObservation, crossingObservation, shelfObservation, deskObservation, handheldObservation, envObservation, deviceObservation, gateObservation,
]);

export type TagObservation = z.infer<typeof tagObservation>;
export type CrossingObservation = z.infer<typeof crossingObservation>;
export type ShelfObservation = z.infer<typeof shelfObservation>;
export type DeskObservation = z.infer<typeof deskObservation>;
export type HandheldObservation = z.infer<typeof handheldObservation>;
export type EnvObservation = z.infer<typeof envObservation>;
export type DeviceObservation = z.infer<typeof deviceObservation>;
export type GateObservation = z.infer<typeof gateObservation>;
export type Observation = z.infer<typeof observation>;
export type Direction = (typeof DIRECTIONS)[number];
