/**
 * The serial simulator's plan file and its stdin commands: which devices, on which transports,
 * with what in their fields, and how a parent changes that while they run. Validated here so that
 * a gateway generating a wrong plan hears which field, not a stack trace from deep inside.
 *
 * A plan:
 *   { "ptyDir": "/tmp/demo-serial", "devices": [
 *     { "id": "shelf-a", "kind": "r2000", "address": 1, "ports": 4,
 *       "antennas": { "1": ["3034257BF7194E4000001A85", { "epc": "E200…", "rssi": -48 }] },
 *       "transport": { "type": "pty" } },
 *     { "id": "desk", "kind": "uhfreader18", "address": 0, "present": [], "transport": { "type": "tcp", "port": 0 } },
 *     { "id": "scales", "kind": "modbus", "framing": "rtu",
 *       "slaves": [{ "unit": 3, "model": "weight-int32-be", "grams": 1200 }, { "unit": 7, "model": "xy-md02" }],
 *       "transport": { "type": "tcp" } } ] }
 * A command (one JSON object per stdin line): { "cmd": "move", "device": "shelf-a", "epc": "…", "toAntenna": 2, "seq": 17 }.
 */
import { z } from 'zod';
import { SLAVE_MODELS } from './modbus-slave.ts';

const epc = z.string().regex(/^([0-9A-Fa-f]{4})+$/, 'hex, a whole number of 16-bit words');
const id = z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" or "-" (it names the PTY link)');

const pty = z.object({
  type: z.literal('pty'),
  /** Links `<ptyDir>/sim-<name>` and `<ptyDir>/gw-<name>`. Default: the device id. */
  name: id.optional(),
}).strict();
const tcp = z.object({
  type: z.literal('tcp'),
  host: z.string().default('127.0.0.1'),
  /** 0 or absent: an ephemeral port, reported in the ready line and kept across unplug/replug. */
  port: z.number().int().min(0).max(65535).default(0),
  secondClient: z.enum(['replace', 'refuse']).default('replace'),
}).strict();
const transport = z.discriminatedUnion('type', [pty, tcp]);

const tagInField = z.union([epc, z.object({ epc, rssi: z.number().min(-129).max(126).default(-60) }).strict()]);

const r2000 = z.object({
  id,
  kind: z.literal('r2000'),
  address: z.number().int().min(0).max(254).default(1),
  ports: z.union([z.literal(4), z.literal(8)]).default(4),
  /** Ports (1-based) with an antenna; default all. */
  connected: z.array(z.number().int().min(1).max(8)).optional(),
  noTag: z.enum(['round-end', 'error']).default('round-end'),
  roundMs: z.number().min(0).default(0),
  rebootMs: z.number().min(0).default(0),
  rssiJitterDb: z.number().min(0).default(0),
  /** Per antenna (1-based, as a JSON key), the tags in its field. */
  antennas: z.record(z.string().regex(/^[1-8]$/), z.array(tagInField)).default({}),
  transport,
}).strict();

const uhfreader18 = z.object({
  id,
  kind: z.literal('uhfreader18'),
  address: z.number().int().min(0).max(254).default(0),
  present: z.array(epc).default([]),
  transport,
}).strict();

const slave = z.object({
  unit: z.number().int().min(1).max(247),
  model: z.enum(SLAVE_MODELS as [string, ...string[]]),
  grams: z.number().optional(),
  noiseGrams: z.number().min(0).optional(),
  temperatureC: z.number().optional(),
  humidityPct: z.number().optional(),
}).strict();

const modbus = z.object({
  id,
  kind: z.literal('modbus'),
  /** `rtu`: RTU frames as they are on the RS-485 wire (PTY, or a transparent converter); `mbap`: Modbus TCP (TCP only). */
  framing: z.enum(['rtu', 'mbap']).default('rtu'),
  missingUnit: z.enum(['exception', 'silent']).default('exception'),
  slaves: z.array(slave).min(1),
  transport,
}).strict();

export const planSchema = z.object({
  /** Folder of the PTY links; default a new folder under the OS temp dir. */
  ptyDir: z.string().optional(),
  seed: z.number().int().default(1),
  devices: z.array(z.discriminatedUnion('kind', [r2000, uhfreader18, modbus])).min(1),
}).strict().superRefine((p, ctx) => {
  const seen = new Set<string>();
  p.devices.forEach((d, i) => {
    if (seen.has(d.id)) ctx.addIssue({ code: 'custom', path: ['devices', i, 'id'], message: `two devices are called "${d.id}"` });
    seen.add(d.id);
    if (d.kind === 'modbus' && d.framing === 'mbap' && d.transport.type !== 'tcp') {
      ctx.addIssue({ code: 'custom', path: ['devices', i, 'framing'], message: 'Modbus TCP (mbap) needs a tcp transport' });
    }
  });
});

export type SerialPlan = z.infer<typeof planSchema>;
export type DevicePlan = SerialPlan['devices'][number];

const base = { device: z.string(), seq: z.unknown().optional() };
const onOff = z.object({ ...base, cmd: z.literal('fault'), fault: z.enum(['badChecksum', 'splitBytes', 'silence']), on: z.boolean(), unit: z.number().int().optional() }).strict();
const garbage = z.object({ ...base, cmd: z.literal('fault'), fault: z.literal('garbage'), n: z.number().int().min(1).max(65536) }).strict();

export const commandSchema = z.union([
  z.object({ ...base, cmd: z.literal('place'), epc, antenna: z.number().int().optional(), rssi: z.number().optional() }).strict(),
  z.object({ ...base, cmd: z.literal('remove'), epc, antenna: z.number().int().optional() }).strict(),
  z.object({ ...base, cmd: z.literal('move'), epc, toAntenna: z.number().int(), rssi: z.number().optional() }).strict(),
  z.object({ ...base, cmd: z.literal('present'), epcs: z.array(epc), antenna: z.number().int().optional() }).strict(),
  z.object({ ...base, cmd: z.literal('antenna'), antenna: z.number().int(), connected: z.boolean() }).strict(),
  z.object({ ...base, cmd: z.literal('weight'), unit: z.number().int(), grams: z.number(), noiseGrams: z.number().min(0).optional() }).strict(),
  z.object({ ...base, cmd: z.literal('climate'), unit: z.number().int(), temperatureC: z.number().optional(), humidityPct: z.number().optional() }).strict(),
  onOff,
  garbage,
  z.object({ ...base, cmd: z.enum(['unplug', 'replug', 'state']) }).strict(),
]);

export type Command = z.infer<typeof commandSchema>;

/** Zod's issues as `path: message` lines. */
export function describeIssues(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
}
