// The wire shapes of contract.md as zod schemas: the platform's validation, the seed's rows and the
// admin API's bodies. Hashed parts of an event are only checked, never rewritten: the stored body is
// the one sent (loose objects keep every key), or its hash would no longer recompute.
import { z } from 'zod';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'lower-case hex SHA-256');
const nullableString = z.string().nullable();

export const eventSchema = z.object({
  seq: z.number().int().min(1),
  id: z.string().min(1),
  at: z.string(),
  kind: z.string().min(1),
  itemId: nullableString,
  orderId: nullableString,
  actors: z.looseObject({}),
  from: z.looseObject({}).nullable(),
  to: z.looseObject({}).nullable(),
  details: z.record(z.string(), z.unknown()),
  restricted: z.boolean(),
  prevHash: hex64,
  hash: hex64,
  chain: z.enum(['main', 'restricted']).optional(),
});
export const MAX_BATCH = 1000;
export const eventsBody = z.object({ events: z.array(z.unknown()).min(1) });

// seq 0 is the head of a chain that has nothing yet: its hash can only be the genesis.
export const anchorBody = z.object({ seq: z.number().int().min(0), hash: hex64, at: z.string() })
  .refine((a) => a.seq > 0 || a.hash === '0'.repeat(64), { message: 'the anchor of seq 0 is the genesis hash (64 zeros)', path: ['hash'] });

export const alarmSchema = z.looseObject({
  id: z.string().min(1),
  version: z.number(),
  kind: z.string(),
  severity: z.string(),
  state: z.string(),
  openedAt: z.string(),
  updatedAt: z.string(),
  message: z.string(),
});
export const alarmsBody = z.object({ alarms: z.array(alarmSchema).min(1) });

export const inventoryItem = z.looseObject({
  id: z.string().min(1),
  epc: nullableString,
  state: z.string(),
  zoneId: nullableString,
  locationId: nullableString,
  agencyId: z.string(),
  caseNumber: z.string(),
});
export const inventoryBody = z.object({ at: z.string(), part: z.number().int().min(0).default(0), parts: z.number().int().min(1).max(10_000).default(1), items: z.array(inventoryItem) })
  .refine((b) => b.part < b.parts, { message: 'part must be below parts', path: ['part'] });

export const summarySchema = z.looseObject({
  zoneId: z.string().min(1),
  metric: z.string().min(1),
  unit: z.string(),
  from: z.string(),
  to: z.string(),
  min: z.number(),
  avg: z.number(),
  max: z.number(),
  count: z.number().int().min(0),
});
export const environmentBody = z.object({ summaries: z.array(summarySchema) });

/** O without `active`: the gateway's orderInput; the platform only insists on the id. */
export const orderSchema = z.looseObject({
  id: z.string().min(1),
  kind: z.string().optional(),
  itemIds: z.array(z.string()).optional(),
  agencyId: z.string().optional(),
  zoneId: z.string().optional(),
  toAgencyId: z.string().optional(),
  approvedBy: z.string().optional(),
  validFrom: z.string().optional(),
  validUntil: z.string().optional(),
  gates: z.array(z.string()).optional(),
  direction: z.string().optional(),
  escorts: z.unknown().optional(),
  purpose: z.string().optional(),
  dueAt: z.string().optional(),
  note: z.string().optional(),
  disposal: z.unknown().optional(),
});
export type OrderInput = z.infer<typeof orderSchema>;

export const staffSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  agencyId: z.string(),
  roles: z.array(z.string()),
  badgeEpc: z.string().optional(),
  clearances: z.array(z.string()),
  active: z.boolean().optional(),
});
export type StaffInput = z.infer<typeof staffSchema>;

export const itemSchema = z.looseObject({
  id: z.string().min(1),
  epc: z.string().optional(),
  name: z.string(),
  description: z.string().optional(),
  categoryId: z.string(),
  quantity: z.number(),
  unit: z.string(),
  caseNumber: z.string(),
  caseTitle: z.string().optional(),
  weightGrams: z.number().optional(),
});
export const manifestSchema = z.object({ orderId: z.string().min(1), items: z.array(itemSchema).min(1) });
export type Manifest = z.infer<typeof manifestSchema>;

export const cancelBody = z.object({ reason: z.string().min(1) });

/** The first failing path of a zod error, dotted (`events.3.seq`), for VALIDATION_FAILED. */
export function issuePath(err: z.ZodError, prefix: (string | number)[] = []): { path: string; message: string } {
  const issue = err.issues[0];
  const path = [...prefix, ...(issue?.path ?? [])].map(String).join('.');
  return { path, message: issue ? `${path || '(body)'}: ${issue.message}` : 'invalid body' };
}
