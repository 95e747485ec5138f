// The seed file (YAML or JSON): the sites the platform knows, their keys, and the orders, staff and
// manifests that become the first changes of each site's feed. A secret is given inline or, better,
// named by an environment variable; it is never logged.
import fs from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { manifestSchema, orderSchema, staffSchema } from './schemas.ts';

export const seedSiteSchema = z.object({
  id: z.string().min(1),
  keyId: z.string().min(1),
  secret: z.string().min(1).optional(),
  secretEnv: z.string().min(1).optional(),
  orders: z.array(orderSchema).optional(),
  staff: z.array(staffSchema).optional(),
  items: z.array(manifestSchema).optional(),
}).refine((s) => s.secret !== undefined || s.secretEnv !== undefined, { message: 'a site needs secret or secretEnv' });

export const seedSchema = z.object({
  adminToken: z.string().min(1).optional(),
  sites: z.array(seedSiteSchema),
}).superRefine((seed, ctx) => {
  const ids = new Set<string>();
  const keys = new Set<string>();
  seed.sites.forEach((s, i) => {
    if (ids.has(s.id)) ctx.addIssue({ code: 'custom', path: ['sites', i, 'id'], message: `site ${s.id} twice` });
    if (keys.has(s.keyId)) ctx.addIssue({ code: 'custom', path: ['sites', i, 'keyId'], message: `key ${s.keyId} twice: a key belongs to one site` });
    ids.add(s.id);
    keys.add(s.keyId);
  });
});

export type Seed = z.infer<typeof seedSchema>;
export type SeedSite = Seed['sites'][number];

/** The site's secret, from the seed or the environment; throws (naming the variable, never a value) when absent. */
export function secretOf(site: SeedSite, env: NodeJS.ProcessEnv = process.env): string {
  if (site.secret !== undefined) return site.secret;
  const v = site.secretEnv !== undefined ? env[site.secretEnv] : undefined;
  if (!v) throw new Error(`site ${site.id}: environment variable ${site.secretEnv} is not set`);
  return v;
}

export function parseSeed(input: unknown): Seed {
  const r = seedSchema.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid seed:\n${lines.join('\n')}`);
  }
  return r.data;
}

export function loadSeed(file: string): Seed {
  return parseSeed(YAML.parse(fs.readFileSync(file, 'utf8')) as unknown);
}
