// A Modbus device model's register map, as the site file may define one (modbusProfiles[]); the
// built-in maps and the decoding are the gateway's (gateway/modbus/profiles.ts).
import { z } from 'zod';

export const readingSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'a lower-case name: temperature, humidity, weight'),
  fn: z.union([z.literal(3), z.literal(4)]),
  register: z.number().int().min(0).max(0xffff),
  type: z.enum(['int16', 'uint16', 'int32', 'uint32', 'float32']),
  /** For 32-bit types: 'big' if the first register holds the high word. */
  wordOrder: z.enum(['big', 'little']).default('big'),
  scale: z.number().finite().refine((x) => x !== 0, 'a scale of 0 reads every value as 0').default(1),
  unit: z.string().min(1),
});

export const profileSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'an id like xy-md02'),
  readings: z.array(readingSchema).min(1),
}).superRefine((p, ctx) => {
  const names = new Set<string>();
  p.readings.forEach((r, i) => {
    if (names.has(r.name)) ctx.addIssue({ code: 'custom', path: ['readings', i, 'name'], message: `${r.name} is named twice` });
    names.add(r.name);
    if (words(r.type) === 2 && r.register === 0xffff) ctx.addIssue({ code: 'custom', path: ['readings', i, 'register'], message: 'a 32-bit value needs two registers' });
  });
});

export type Reading = z.output<typeof readingSchema>;
export type Profile = z.output<typeof profileSchema>;

export const words = (type: Reading['type']) => (type === 'int16' || type === 'uint16' ? 1 : 2);

