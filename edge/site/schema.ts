// The site file: one schema is the source of the types, the defaults and the error messages.
// The edge owns it because the custody rules read zones, gates, staff and categories;
// gateway/config.ts only reads the file from disk and reports what this schema says.
import { z } from 'zod';
import { profileSchema } from './modbus-profile.ts';
import { opcuaMonitorSchema } from './opcua.ts';
import { checkFloorPlan, floorPlanSchema } from './floor-plan.ts';
import { canonicalTimeZone, DEFAULT_TIME_ZONE, isTimeZone } from '../time/calendar.ts';

export const ZONE_KINDS = [
  'intake', 'general', 'valuables', 'firearms', 'hazardous', 'cold', 'vehicle', 'display', 'restricted',
] as const;
/** The zones where items are kept; the storage rules (分类存放) of a category name some of these. */
export const STORAGE_ZONE_KINDS = ['general', 'valuables', 'firearms', 'hazardous', 'cold', 'vehicle'] as const;
/** Zones an item passes through on its way (intake, display) hold any category for a while. */
export const TRANSIT_ZONE_KINDS = ['intake', 'display'] as const;
export const LOCATION_KINDS = ['shelf', 'slot', 'cabinet', 'bay'] as const;
export const ROLES = ['operator', 'supervisor', 'agency', 'discipline', 'auditor', 'admin'] as const;
/**
 * `rfid_reader`: a gate's portal reader (MQTT); `shelf_reader`: watches shelf locations, one per
 * antenna (a serial R2000 module, or an MQTT reader in Zebra INVENTORY mode); `desk_reader`: the
 * intake desk's reader that binds a tag to an item (一物一码); `load_cell`: a weighing transmitter
 * under a shelf (Modbus); `env_monitor`: environment sensors (a Modbus transmitter on a serial
 * port, or an OPC UA server: a monitor or the building system).
 */
/** `handheld`: an MQTT reader in INVENTORY mode that staff carry through a cycle count (盘点), reading a location's tag before its items. */
export const DEVICE_KINDS = ['rfid_reader', 'shelf_reader', 'desk_reader', 'load_cell', 'env_monitor', 'handheld'] as const;
export const READER_FORMATS = ['zebra', 'impinj'] as const;
/** Protocols of devices on a serial port (PROTOCOLS.md, serial section). */
export const SERIAL_PROTOCOLS = ['r2000', 'uhfreader18', 'modbus'] as const;
/** A serial port's usual speed by the protocol of its devices, when the site file gives none. */
export type SerialProtocol = (typeof SERIAL_PROTOCOLS)[number];
export const DEFAULT_BAUD: Record<SerialProtocol, number> = { r2000: 115_200, uhfreader18: 57_600, modbus: 9_600 };
/** Every device protocol: the serial ones, and OPC UA (an environment monitor that is a server the gateway subscribes to). */
export const DEVICE_PROTOCOLS = [...SERIAL_PROTOCOLS, 'opcua'] as const;
export const isSerialProtocol = (p: string | undefined): p is SerialProtocol => (SERIAL_PROTOCOLS as readonly (string | undefined)[]).includes(p);
export const AGENCY_KINDS = ['operator', 'police', 'procuratorate', 'court', 'discipline'] as const;
/** The outside of the center, for a gate whose outer side is the street or the yard. */
export const OUTSIDE = 'outside';

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'letters, digits, "_", ".", ":" or "-", at most 64');
const epcHex = z.string().regex(/^([0-9A-Fa-f]{4}){1,16}$/, 'an EPC in hex: whole 16-bit words, 4 to 64 digits')
  .transform((s) => s.toUpperCase());
/** A metric's name: the five the rules know (temperature °C, humidity %RH, smoke, water, door as 0/1), or another a monitor reports. */
export const metricName = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'a lowercase metric name, such as "temperature"');
/**
 * Below `min` or above `max` is a breach; it ends only once the value is back inside by `hysteresis`
 * (so that a value hovering on the line opens one alarm, not fifty).
 */
const metricLimit = z.object({ min: z.number().optional(), max: z.number().optional(), hysteresis: z.number().min(0).default(0) }).strict()
  .refine((r) => r.min !== undefined || r.max !== undefined, 'give min, max or both')
  .refine((r) => r.min === undefined || r.max === undefined || r.min < r.max, 'min must be below max')
  .refine((r) => r.min === undefined || r.max === undefined || 2 * r.hysteresis < r.max - r.min, 'the hysteresis band must leave room between min and max');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM');
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256');

export const zoneSchema = z.object({
  id,
  name: z.string().min(1),
  nameEn: z.string().optional(),
  kind: z.enum(ZONE_KINDS),
  /** Per metric (temperature, humidity, or any other a monitor reports), the band its values must stay in. */
  limits: z.record(metricName, metricLimit).default({}),
  /** How a breach of the limits becomes an alarm, and when the zone's doors may be open. */
  environment: z.object({
    /** A value outside its limit this long opens `environment` (warning); back inside the band this long resolves it. */
    delaySeconds: z.number().int().min(0).max(86_400).default(300),
    /** A warning still outside its limit this long after it opened becomes critical. */
    criticalAfterSeconds: z.number().int().min(1).max(7 * 86_400).default(1_800),
    /** When a door may be open (the site's time zone); a door open outside them opens `environment` (metric door) at once. Absent: any time. */
    workingHours: z.object({
      /** ISO weekdays, Monday 1 to Sunday 7. */
      days: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5]),
      from: hhmm.default('08:00'),
      to: hhmm.default('18:00'),
    }).strict().refine((w) => w.from < w.to, 'from must be before to').optional(),
  }).strict().default({ delaySeconds: 300, criticalAfterSeconds: 1_800 }),
}).strict();

export const locationSchema = z.object({
  id,
  zoneId: id,
  name: z.string().min(1),
  kind: z.enum(LOCATION_KINDS).default('shelf'),
  /** The location's own tag, read by a handheld before the location's items during a cycle count. */
  tagEpc: epcHex.optional(),
}).strict();

export const gateReaderSchema = z.object({
  deviceId: id,
  /**
   * The reader's antenna ports on each side of the gate. A gate may have its inner and outer
   * antennas on different readers (each reader one side): the gate as a whole needs both sides.
   */
  antennas: z.object({
    inner: z.array(z.number().int().min(1).max(64)).default([]),
    outer: z.array(z.number().int().min(1).max(64)).default([]),
  }).strict(),
  /** GPO ports of the gate's alarm light and buzzer on this reader. */
  gpo: z.object({ light: z.number().int().min(1), buzzer: z.number().int().min(1) }).strict().optional(),
  /** GPI pins of photo-eyes on each side, when the gate has them. */
  photoEyes: z.object({ inner: z.number().int().min(1), outer: z.number().int().min(1) }).strict().optional(),
}).strict();

export const gateSchema = z.object({
  id,
  name: z.string().min(1),
  nameEn: z.string().optional(),
  innerZone: id,
  outerZone: id,
  readers: z.array(gateReaderSchema).min(1),
}).strict();

/** A shelf reader's antenna and the location it watches. */
export const shelfAntennaSchema = z.object({
  port: z.number().int().min(1).max(64),
  locationId: id,
}).strict();

export const deviceSchema = z.object({
  id,
  kind: z.enum(DEVICE_KINDS),
  /** An MQTT reader's payload format. */
  format: z.enum(READER_FORMATS).optional(),
  /** A serial device's protocol, and the port (serialPorts[].id) and bus address it answers on; `opcua` for a monitor that is an OPC UA server. */
  protocol: z.enum(DEVICE_PROTOCOLS).optional(),
  port: id.optional(),
  address: z.number().int().min(0).max(255).optional(),
  /** How often the gateway polls it: an inventory round of each antenna, a desk inventory, a register read. */
  pollMs: z.number().int().min(50).max(3_600_000).optional(),
  /** A shelf reader's antennas and the locations they watch. */
  antennas: z.array(shelfAntennaSchema).default([]),
  /** A load cell's register map (modbusProfiles[].id or a built-in profile), the location it carries, its empty weight and tolerance. */
  profile: id.optional(),
  locationId: id.optional(),
  tareGrams: z.number().min(0).optional(),
  /** A Modbus temperature/humidity transmitter's zone: the zone its readings are of. */
  zoneId: id.optional(),
  toleranceGrams: z.number().positive().optional(),
  name: z.string().optional(),
  /** The MQTT password in Mosquitto's PBKDF2-SHA512 form (`$7$iterations$salt$hash`), so that one
   *  hash serves the embedded broker and the password_file written for an external Mosquitto. */
  passwordHash: z.string().regex(/^\$7\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/, 'Mosquitto\'s $7$<iterations>$<salt>$<hash>, as mosquitto_passwd or `npm run hash-password` writes it').optional(),
  /** An OPC UA environment monitor (protocol: opcua): its endpoint, security, and the nodes it reports (edge/site/opcua.ts). */
  opcua: opcuaMonitorSchema.optional(),
  /** Silence longer than this marks the device offline. */
  heartbeatSeconds: z.number().int().min(1).max(86_400).default(30),
  topics: z.object({
    tagEvents: z.string().min(1).optional(),
    managementEvents: z.string().min(1).optional(),
    commands: z.string().min(1).optional(),
    responses: z.string().min(1).optional(),
  }).strict().default({}),
  /** Zones whose alarms this device may subscribe to (a display panel at the restricted zone's door). */
  clearances: z.array(id).default([]),
}).strict();

export const serialPortSchema = z.object({
  id,
  /** A local port (`/dev/ttyUSB0`, a PTY) or a serial device server (an RS-485/RS-232-to-Ethernet converter) as `tcp://host:port`. */
  path: z.string().min(1).refine((p) => !p.startsWith('tcp:') || /^tcp:\/\/[^/:]+:\d{1,5}$/.test(p), 'a device server is tcp://host:port'),
  /** Absent: the usual speed of its devices' protocol (R2000 115200, UHFReader18 57600, Modbus 9600). */
  baudRate: z.number().int().min(300).max(4_000_000).optional(),
  dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
  parity: z.enum(['none', 'even', 'odd']).default('none'),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
  /** Over a device server: the bytes passed through as they are (`raw`, transparent RTU), or Modbus TCP framing (`modbus_tcp`). */
  tcpFraming: z.enum(['raw', 'modbus_tcp']).default('raw'),
  /** No byte back for this long while the gateway polls: the link is taken as dead and reopened. */
  silenceSeconds: z.number().positive().max(3600).default(10),
  /** The longest wait between two reopen attempts (the backoff doubles up to it). */
  reopenMaxSeconds: z.number().positive().max(3600).default(30),
}).strict();

/** One model's register map: what to read and how to turn registers into a value. */
export const modbusProfileSchema = profileSchema;

export const agencySchema = z.object({
  id,
  name: z.string().min(1),
  nameEn: z.string().optional(),
  kind: z.enum(AGENCY_KINDS),
}).strict();

export const categorySchema = z.object({
  id,
  name: z.string().min(1),
  nameEn: z.string().optional(),
  dualControl: z.boolean().default(false),
  /** 分类存放: the storage zone kinds this category may be kept in; absent, any storage zone. */
  storageKinds: z.array(z.enum(STORAGE_ZONE_KINDS)).min(1).optional(),
  /** How many days an item of this category may be kept from its reception before a `retention_exceeded` warning; absent, no limit. */
  retentionDays: z.number().int().positive().max(36_500).optional(),
}).strict();

export const staffSchema = z.object({
  id,
  name: z.string().min(1),
  agencyId: id,
  roles: z.array(z.enum(ROLES)).min(1),
  badgeEpc: epcHex.optional(),
  clearances: z.array(id).default([]),
}).strict();

export const userSchema = z.object({
  id,
  name: z.string().min(1),
  role: z.enum(ROLES),
  agencyId: id.optional(),
  staffId: id.optional(),
  /** SHA-256 hex of the API token: tokens are never stored in clear. */
  tokenSha256: sha256Hex,
}).strict();

/** One end of the platform contract (PROTOCOLS.md): where, which key, and the variable that holds its secret. */
const endpointSchema = z.object({
  url: z.string().url().refine((u) => /^https?:\/\//.test(u), 'http:// or https:// (https in production)'),
  keyId: z.string().min(1).max(200),
  /** The shared secret is never in the site file: this names the environment variable that holds it. */
  secretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name'),
}).strict();

/** The city platform link (edge/sync/): the outbox, the inbox and what else goes up. */
export const platformSchema = endpointSchema.extend({
  secretEnv: endpointSchema.shape.secretEnv.default('GATEWAY_PLATFORM_SECRET'),
  /**
   * The discipline commission's own endpoint (same contract) for the restricted zone's chain. Without
   * one, only that chain's signed head (seq and hash, no content) goes to the city platform, as an anchor.
   */
  commission: endpointSchema.extend({ secretEnv: endpointSchema.shape.secretEnv.default('GATEWAY_COMMISSION_SECRET') }).strict().optional(),
  /** How often `changes` is polled (and at once after the link comes back). */
  pollIntervalMs: z.number().int().min(1000).max(3_600_000).default(30_000),
  /** A request not answered by then is a timeout (its batch is sent again: the platform is idempotent). */
  timeoutMs: z.number().int().min(500).max(300_000).default(20_000),
  /** A backlog drains at most this many events per second, so that gate decisions and the API stay fast. */
  drainEventsPerSecond: z.number().int().min(1).max(10_000_000).default(5_000),
  /** Retries after a failure wait 2^n × this, with jitter, up to retryMaxMs. */
  retryBaseMs: z.number().int().min(10).max(600_000).default(1_000),
  retryMaxMs: z.number().int().min(100).max(3_600_000).default(60_000),
  /** The inventory snapshot and the environment summaries go up this often. */
  inventoryIntervalMs: z.number().int().min(10_000).default(3_600_000),
  environmentIntervalMs: z.number().int().min(10_000).default(900_000),
}).strict();
export type PlatformConfig = z.infer<typeof platformSchema>;

export const siteShape = z.object({
  version: z.literal(1).default(1),
  site: z.object({
    id, name: z.string().min(1), nameEn: z.string().optional(),
    /** The IANA zone of everything people read by the calendar (due times, "today", weeks, months); stored times stay UTC. */
    timezone: z.string().refine(isTimeZone, 'an IANA time zone name, such as "Asia/Shanghai"').transform(canonicalTimeZone).default(DEFAULT_TIME_ZONE),
  }).strict(),
  dataDir: z.string().min(1).default('data'),
  http: z.object({
    host: z.string().default('0.0.0.0'),
    port: z.number().int().min(0).max(65_535).default(8080),
  }).strict().default({ host: '0.0.0.0', port: 8080 }),
  mqtt: z.object({
    mode: z.enum(['embedded', 'external']).default('embedded'),
    host: z.string().default('0.0.0.0'),
    port: z.number().int().min(0).max(65_535).default(1883),
    tls: z.object({ port: z.number().int().min(0).max(65_535).default(8883), keyFile: z.string(), certFile: z.string() }).strict().optional(),
    /** Messages per second one device may send (and its burst): beyond it, messages are dropped and counted as rate_limited. */
    rateLimit: z.object({ perSecond: z.number().positive(), burst: z.number().positive() }).strict().optional(),
    external: z.object({
      url: z.string().url(),
      username: z.string().optional(),
      /** Read from this environment variable, never written in the file. */
      passwordEnv: z.string().optional(),
      passwordFile: z.string().optional(),
      aclFile: z.string().optional(),
    }).strict().optional(),
  }).strict().default({ mode: 'embedded', host: '0.0.0.0', port: 1883 }),
  ledger: z.object({
    /** Where the HMAC key of the ledger checkpoints lives, outside the database. */
    siteKeyFile: z.string().optional(),
    siteKeyEnv: z.string().default('GATEWAY_SITE_KEY'),
  }).strict().default({ siteKeyEnv: 'GATEWAY_SITE_KEY' }),
  rules: z.object({
    escortWindowSeconds: z.number().positive().default(10),
    overdueGraceMinutes: z.number().nonnegative().default(24 * 60),
    misplacedGraceSeconds: z.number().nonnegative().default(300),
    /**
     * A stored item not seen at its location by a watching shelf reader (or a load cell short of its
     * expected weight) for longer than this is an unexpected removal. The clock starts at the latest
     * of its last sighting, its putaway and the moment the location's reader came (back) online.
     */
    shelfGraceSeconds: z.number().nonnegative().default(120),
    checkIntervalSeconds: z.number().positive().default(30),
    /** How long a two-person operation (双人) on a dualControl item waits for the second person's confirmation. */
    dualControlWindowSeconds: z.number().positive().max(86_400).default(300),
    /**
     * A device whose clock is further than this from the gateway's is shown as such (/api/v1/devices,
     * metrics, the log). Decisions are not affected: they run on the gateway's clock either way.
     */
    maxDeviceClockOffsetSeconds: z.number().positive().default(5),
    /** The environment history's file (environment.sqlite beside the store) is kept under this size: the oldest values go first. */
    environmentHistoryMaxMb: z.number().int().min(16).max(1_000_000).default(1_024),
  }).strict().default({
    escortWindowSeconds: 10, overdueGraceMinutes: 1440, misplacedGraceSeconds: 300, shelfGraceSeconds: 120, checkIntervalSeconds: 30, dualControlWindowSeconds: 300,
    maxDeviceClockOffsetSeconds: 5, environmentHistoryMaxMb: 1_024,
  }),
  portal: z.object({
    minReads: z.number().int().min(1).default(2),
    minDwellMs: z.number().int().min(0).default(150),
    closeAfterMs: z.number().int().min(100).default(1500),
    residentAfterMs: z.number().int().min(1000).default(300_000),
    /** How often open tracks are checked for closing and escort windows for ending: the latency floor of a decision. */
    tickMs: z.number().int().min(5).max(1000).default(25),
    /** A short, weak track (at most bleedMaxReads reads, none above this dBm) is a neighbouring gate's bleed; null turns the filter off. */
    bleedMaxRssiDbm: z.number().max(0).nullable().default(-70),
    bleedMaxReads: z.number().int().min(0).default(5),
    /** Reads this many dB below the track's strongest are left out of the sighting order (reflections). */
    significantDb: z.number().positive().default(20),
    photoEyeMarginMs: z.number().int().min(0).default(500),
  }).strict().default({ minReads: 2, minDwellMs: 150, closeAfterMs: 1500, residentAfterMs: 300_000, tickMs: 25, bleedMaxRssiDbm: -70, bleedMaxReads: 5, significantDb: 20, photoEyeMarginMs: 500 }),
  platform: platformSchema.optional(),
  zones: z.array(zoneSchema).min(1),
  locations: z.array(locationSchema).default([]),
  gates: z.array(gateSchema).default([]),
  serialPorts: z.array(serialPortSchema).default([]),
  modbusProfiles: z.array(modbusProfileSchema).default([]),
  devices: z.array(deviceSchema).default([]),
  agencies: z.array(agencySchema).min(1),
  categories: z.array(categorySchema).min(1),
  staff: z.array(staffSchema).default([]),
  users: z.array(userSchema).default([]),
  /** The floor plan the dashboards draw (edge/site/floor-plan.ts); absent, they show the gates as tiles. */
  floorPlan: floorPlanSchema.optional(),
}).strict();

export const siteSchema = siteShape.superRefine(checkReferences);

const SECTIONS = {
  zones: zoneSchema, locations: locationSchema, gates: gateSchema, serialPorts: serialPortSchema,
  modbusProfiles: modbusProfileSchema, devices: deviceSchema, agencies: agencySchema, categories: categorySchema, staff: staffSchema, users: userSchema,
} as const;

/**
 * The cross-reference problems of a file that also has shape problems: zod runs refinements only
 * on a valid whole, but a person fixing a site file wants every problem in one pass. Each section
 * keeps the entries that parse on their own (others are reported by the shape check already).
 */
export function referenceProblems(raw: unknown): { path: (string | number)[]; message: string }[] {
  if (!raw || typeof raw !== 'object') return [];
  const r = raw as Record<string, unknown>;
  const lenient: Record<string, unknown[]> = {};
  const kept: Record<string, number[]> = {};
  // Ids of entries whose own shape is wrong: they exist, so references to them are not problems.
  const present = new Set<string>();
  // A section missing altogether is one problem, not one per reference to it.
  const absent = new Set<string>();
  const sectionOf: Record<string, string> = { zone: 'zones', agency: 'agencies', device: 'devices', staff: 'staff' };
  for (const [key, schema] of Object.entries(SECTIONS)) {
    if (!Array.isArray(r[key])) absent.add(key);
    const list = Array.isArray(r[key]) ? (r[key] as unknown[]) : [];
    lenient[key] = [];
    kept[key] = [];
    list.forEach((x, i) => {
      const p = (schema as z.ZodType).safeParse(x);
      if (p.success) { lenient[key].push(p.data); kept[key].push(i); }
      else if (x && typeof x === 'object' && typeof (x as { id?: unknown }).id === 'string') present.add((x as { id: string }).id);
    });
  }
  // The plan is checked against what parsed of the rest, when its own shape is right.
  const plan = floorPlanSchema.safeParse(r.floorPlan);
  const checked: Record<string, unknown> = { ...lenient, ...(r.floorPlan !== undefined && plan.success ? { floorPlan: plan.data } : {}) };
  const problems: { path: (string | number)[]; message: string }[] = [];
  const ctx = { addIssue: (i: { path?: (string | number)[]; message?: string }) => {
    const path = [...(i.path ?? [])];
    // Point back at the entry's index in the file, not in the filtered list.
    if (typeof path[1] === 'number' && kept[path[0] as string]) path[1] = kept[path[0] as string][path[1]];
    const message = i.message ?? 'invalid';
    const [, kind, missing] = /^(\w+) "([^"]+)" is not defined/.exec(message) ?? [];
    if (missing === undefined || (!present.has(missing) && !absent.has(sectionOf[kind] ?? ''))) problems.push({ path, message });
  } } as unknown as z.RefinementCtx;
  try {
    checkReferences(checked as never, ctx);
  } catch {
    // A shape too broken to cross-check: the shape problems already say why.
  }
  return problems;
}

export type SiteInput = z.input<typeof siteSchema>;
export type Site = z.output<typeof siteSchema>;
export type Zone = Site['zones'][number];
export type Location = Site['locations'][number];
export type Gate = Site['gates'][number];
export type Device = Site['devices'][number];
export type Staff = Site['staff'][number];
export type User = Site['users'][number];
export type Role = (typeof ROLES)[number];
export type ZoneKind = (typeof ZONE_KINDS)[number];

/** Cross references: every error names its path and what it expected, as the config loader prints them. */
function checkReferences(s: z.output<typeof siteShape>, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const unique = (list: { id: string }[], key: string) => {
    const seen = new Set<string>();
    list.forEach((x, i) => {
      if (seen.has(x.id)) issue([key, i, 'id'], `${key} id "${x.id}" is defined twice`);
      seen.add(x.id);
    });
    return seen;
  };
  const zones = unique(s.zones, 'zones');
  unique(s.locations, 'locations');
  unique(s.gates, 'gates');
  const devices = unique(s.devices, 'devices');
  const agencies = unique(s.agencies, 'agencies');
  unique(s.categories, 'categories');
  const staff = unique(s.staff, 'staff');
  unique(s.users, 'users');
  const zone = (path: (string | number)[], z: string, outsideAllowed = false) => {
    if (outsideAllowed && z === OUTSIDE) return;
    if (!zones.has(z)) issue(path, `zone "${z}" is not defined${outsideAllowed ? ` (use one of zones[].id or "${OUTSIDE}")` : ''}`);
  };
  s.locations.forEach((l, i) => zone(['locations', i, 'zoneId'], l.zoneId));
  const readerUse = new Map<string, string>();
  s.gates.forEach((g, i) => {
    zone(['gates', i, 'innerZone'], g.innerZone);
    zone(['gates', i, 'outerZone'], g.outerZone, true);
    if (g.innerZone === g.outerZone) issue(['gates', i, 'outerZone'], 'a gate joins two different zones');
    for (const side of ['inner', 'outer'] as const) {
      if (!g.readers.some((r) => r.antennas[side].length)) issue(['gates', i, 'readers'], `no reader has an antenna on the ${side} side: the direction cannot be told`);
    }
    g.readers.forEach((r, j) => {
      if (!r.antennas.inner.length && !r.antennas.outer.length) issue(['gates', i, 'readers', j, 'antennas'], 'the reader has no antenna at this gate');
      const path = ['gates', i, 'readers', j];
      const d = s.devices.find((x) => x.id === r.deviceId);
      if (!d) issue([...path, 'deviceId'], `device "${r.deviceId}" is not defined in devices[]`);
      else if (d.kind !== 'rfid_reader' || !d.format) issue([...path, 'deviceId'], `device "${r.deviceId}" must be an rfid_reader with a format`);
      const other = readerUse.get(r.deviceId);
      if (other) issue([...path, 'deviceId'], `device "${r.deviceId}" already serves gate "${other}"`);
      readerUse.set(r.deviceId, g.id);
      const both = r.antennas.inner.filter((p) => r.antennas.outer.includes(p));
      if (both.length) issue([...path, 'antennas'], `antenna port ${both[0]} is on both sides`);
    });
  });
  s.devices.forEach((d, i) => d.clearances.forEach((z, j) => zone(['devices', i, 'clearances', j], z)));
  checkSerialDevices(s, issue);
  checkOpcuaDevices(s, issue, zone);
  s.staff.forEach((p, i) => {
    if (!agencies.has(p.agencyId)) issue(['staff', i, 'agencyId'], `agency "${p.agencyId}" is not defined`);
    p.clearances.forEach((z, j) => zone(['staff', i, 'clearances', j], z));
  });
  const badges = new Map<string, number>();
  s.staff.forEach((p, i) => {
    if (!p.badgeEpc) return;
    if (badges.has(p.badgeEpc)) issue(['staff', i, 'badgeEpc'], `badge ${p.badgeEpc} is already staff[${badges.get(p.badgeEpc)}]'s`);
    badges.set(p.badgeEpc, i);
  });
  s.users.forEach((u, i) => {
    if (u.agencyId && !agencies.has(u.agencyId)) issue(['users', i, 'agencyId'], `agency "${u.agencyId}" is not defined`);
    if (u.staffId && !staff.has(u.staffId)) issue(['users', i, 'staffId'], `staff "${u.staffId}" is not defined`);
    if ((u.role === 'agency' || u.role === 'discipline') && !u.agencyId) issue(['users', i, 'agencyId'], `a ${u.role} user needs the agency it speaks for`);
  });
  checkFloorPlan(s.floorPlan, {
    zones, locations: new Map(s.locations.map((l) => [l.id, l.zoneId])),
    gates: new Map(s.gates.map((g) => [g.id, g])),
  }, issue);
  void devices;
}

/** Built-in Modbus register maps (gateway/modbus/profiles.ts defines them); a site may add its own. */
export const BUILTIN_MODBUS_PROFILES = ['xy-md02', 'sht20-x100', 'th-float32', 'weighing-int32', 'weighing-int32-le', 'weighing-float32'] as const;

/** Serial ports, the devices on them, shelf antennas and load cells: each reference names what it lacks. */
function checkSerialDevices(s: z.output<typeof siteShape>, issue: (path: (string | number)[], message: string) => void): void {
  const ports = new Set(s.serialPorts.map((p) => p.id));
  s.serialPorts.forEach((p, i) => { if (s.serialPorts.findIndex((x) => x.id === p.id) !== i) issue(['serialPorts', i, 'id'], `serialPorts id "${p.id}" is defined twice`); });
  const locations = new Set(s.locations.map((l) => l.id));
  const profiles = new Set<string>([...BUILTIN_MODBUS_PROFILES, ...s.modbusProfiles.map((p) => p.id)]);
  const onBus = new Map<string, string>();
  s.devices.forEach((d, i) => {
    const at = (k: string) => ['devices', i, k];
    if (isSerialProtocol(d.protocol) && !d.port) issue(at('port'), `a ${d.protocol} device needs the serial port it is on (serialPorts[].id)`);
    if (d.port && !ports.has(d.port) && d.protocol !== 'opcua') issue(at('port'), `serial port "${d.port}" is not defined in serialPorts[]`);
    if (d.port && !d.protocol) issue(at('protocol'), `a device on a serial port needs its protocol (${SERIAL_PROTOCOLS.join(', ')})`);
    if (d.port && d.format) issue(at('format'), 'a serial device has a protocol, not an MQTT format');
    if (d.port && isSerialProtocol(d.protocol)) {
      const first = s.devices.find((x) => x.port === d.port && x.protocol);
      if (first && first.protocol !== d.protocol) issue(at('protocol'), `port "${d.port}" carries ${first.protocol} (device "${first.id}"): every device on one port speaks one protocol`);
      const key = `${d.port}/${d.address ?? 0}`;
      const other = onBus.get(key);
      if (other) issue(at('address'), `address ${d.address ?? 0} on port "${d.port}" is already device "${other}"'s`);
      onBus.set(key, d.id);
    }
    const want: Record<string, string[]> = { shelf_reader: ['r2000'], desk_reader: ['uhfreader18'], load_cell: ['modbus'], env_monitor: ['modbus', 'opcua'], rfid_reader: [], handheld: [] };
    if (d.protocol && !want[d.kind]!.includes(d.protocol)) issue(at('protocol'), `a ${d.kind} does not speak ${d.protocol}`);
    if (d.kind === 'shelf_reader') {
      if (!d.protocol && d.format !== 'zebra') issue(at('protocol'), 'a shelf reader is an R2000 module on a serial port (protocol: r2000) or a Zebra reader in INVENTORY mode (format: zebra)');
      if (!d.antennas.length) issue(at('antennas'), 'a shelf reader watches at least one location (antennas[].locationId)');
    } else if (d.antennas.length) issue(at('antennas'), `only a shelf reader's antennas watch locations, not a ${d.kind}'s`);
    const seenPort = new Set<number>();
    d.antennas.forEach((a, j) => {
      if (!locations.has(a.locationId)) issue(['devices', i, 'antennas', j, 'locationId'], `location "${a.locationId}" is not defined in locations[]`);
      if (seenPort.has(a.port)) issue(['devices', i, 'antennas', j, 'port'], `antenna ${a.port} is listed twice`);
      seenPort.add(a.port);
      if (d.protocol === 'r2000' && a.port > 8) issue(['devices', i, 'antennas', j, 'port'], 'an R2000 module has at most 8 antenna ports');
    });
    if (d.kind === 'load_cell') {
      if (!d.locationId) issue(at('locationId'), 'a load cell needs the location it carries');
      if (d.tareGrams === undefined) issue(at('tareGrams'), 'a load cell needs its expected empty weight (tareGrams)');
      if (d.toleranceGrams === undefined) issue(at('toleranceGrams'), 'a load cell needs its tolerance (toleranceGrams)');
    }
    if (d.kind === 'load_cell' || d.protocol === 'modbus') {
      if (!d.profile) issue(at('profile'), `a Modbus device needs its register map (profile: one of ${[...profiles].join(', ')})`);
      if (d.address === undefined) issue(at('address'), 'a Modbus device needs its unit address (1-247)');
      else if (d.address < 1 || d.address > 247) issue(at('address'), 'a Modbus unit address is 1-247');
    }
    if (d.profile && !profiles.has(d.profile)) issue(at('profile'), `Modbus profile "${d.profile}" is neither built in nor defined in modbusProfiles[] (built in: ${BUILTIN_MODBUS_PROFILES.join(', ')})`);
    if (d.locationId && !locations.has(d.locationId)) issue(at('locationId'), `location "${d.locationId}" is not defined in locations[]`);
    if (d.kind === 'env_monitor' && d.protocol === 'modbus' && !d.zoneId) issue(at('zoneId'), 'a Modbus environment sensor needs the zone it measures (zoneId)');
    if (d.zoneId && d.kind !== 'env_monitor') issue(at('zoneId'), `only an environment monitor measures a zone, not a ${d.kind}`);
    if (d.zoneId && !s.zones.some((z) => z.id === d.zoneId)) issue(at('zoneId'), `zone "${d.zoneId}" is not defined in zones[]`);
    if (d.kind === 'handheld' && (!d.format || d.port)) issue(at('format'), 'a handheld is an MQTT reader in INVENTORY mode (format: zebra or impinj, no serial port)');
  });
  const tagOf = new Map<string, string>();
  s.locations.forEach((l, i) => {
    if (!l.tagEpc) return;
    const other = tagOf.get(l.tagEpc) ?? (s.staff.some((x) => x.badgeEpc === l.tagEpc) ? 'a staff badge' : undefined);
    if (other) issue(['locations', i, 'tagEpc'], `tag ${l.tagEpc} is already ${other.startsWith('a ') ? other : `location "${other}"`}'s`);
    tagOf.set(l.tagEpc, l.id);
  });
}

/** OPC UA monitors: the block goes with the protocol, no serial port or Modbus field, and every value's zone exists. */
function checkOpcuaDevices(s: z.output<typeof siteShape>, issue: (path: (string | number)[], message: string) => void,
  zone: (path: (string | number)[], z: string) => void): void {
  s.devices.forEach((d, i) => {
    const at = (k: string) => ['devices', i, k];
    if (d.protocol !== 'opcua') {
      if (d.opcua) issue(at('opcua'), 'an opcua block belongs to a device with protocol: opcua');
      return;
    }
    if (!d.opcua) {
      issue(at('opcua'), 'an OPC UA monitor needs its opcua block (endpoint, values)');
      return;
    }
    // The port check of a serial device is in checkSerialDevices; an OPC UA monitor is reached by its endpoint.
    if (d.port) issue(at('port'), `an OPC UA monitor is reached at its endpoint (${d.opcua.endpoint}), not on a serial port`);
    if (d.address !== undefined) issue(at('address'), 'an OPC UA monitor has no Modbus address: its values are named by node id');
    if (d.profile) issue(at('profile'), 'an OPC UA monitor has no Modbus profile: its values are named by node id');
    if (d.format) issue(at('format'), 'an OPC UA monitor has no MQTT format: the gateway subscribes to it');
    d.opcua.values.forEach((v, j) => zone(['devices', i, 'opcua', 'values', j, 'zoneId'], v.zoneId));
  });
}

/** Default MQTT topics of a reader (PROTOCOLS.md), overridable per device. */
export function readerTopics(d: Pick<Device, 'id' | 'topics'>) {
  return {
    tagEvents: d.topics.tagEvents ?? `rfid/${d.id}/tevents`,
    managementEvents: d.topics.managementEvents ?? `rfid/${d.id}/mevents`,
    commands: d.topics.commands ?? `rfid/${d.id}/mcmds`,
    responses: d.topics.responses ?? `rfid/${d.id}/mrsp`,
  };
}
