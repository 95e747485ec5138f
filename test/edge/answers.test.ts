// Every GET route, called as every role over a center with something in every state
// (test/helpers/center.ts), answers what its schema declares: each real answer, success or
// refusal, parses with the very zod schema the route was registered with and loses nothing in
// parsing. A schema stricter than the code (a null where it says string, an enum value it lacks)
// fails here, not as a 500 in the field; a field the code adds and the schema lacks fails tsc.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tokenOf, USER_KEYS, type UserKey } from '../helpers/custody-site.ts';
import { openCenter, type Center } from '../helpers/center.ts';

let h: Center;

beforeAll(async () => { h = await openCenter(); }, 60_000);
afterAll(async () => { await h?.close(); });

type Declared = Record<string, z.ZodType | { content: Record<string, { schema: z.ZodType }> }>;
const PREFIX = '/api/v1';
const answersOf = (route: string): Declared => (h.app.routeSchemas.get(`GET ${route}`)?.response ?? {}) as Declared;
const schemaFor = (declared: Declared, status: number): z.ZodType | undefined => {
  const d = declared[status];
  if (!d) return undefined;
  return d instanceof z.ZodType ? d : Object.values(d.content)[0]?.schema;
};

const answered = new Set<string>();
const listedSomething = new Set<string>();

/** One GET as `u`, its answer checked against the schema its route declares for that status. */
async function check(u: UserKey | null, route: string, path: string): Promise<{ status: number; body: any }> {
  const r = path.startsWith(PREFIX) && u !== null
    ? await h.call(u, 'GET', path.slice(PREFIX.length))
    : await h.raw('GET', path.slice(PREFIX.length), { headers: u ? { authorization: `Bearer ${tokenOf(u)}` } : {} });
  const label = `${u ?? 'no token'} GET ${path} → ${r.status}`;
  expect(r.status, `${label}: ${r.text.slice(0, 500)}`).toBeLessThan(500);
  const schema = schemaFor(answersOf(route), r.status);
  expect(schema, `${label}: a status its route does not declare`).toBeDefined();
  const parsed = schema!.safeParse(r.body);
  expect(parsed.success ? [] : parsed.error.issues, `${label}: ${r.text.slice(0, 500)}`).toEqual([]);
  expect(parsed.data, `${label}: fields the schema does not know`).toEqual(r.body);
  // Byte for byte what zod would have written: the compiled serialiser of the hot routes (edge/api/serialize.ts) included.
  // A count's report downloads are sent as stored (canonical JSON, whose bytes its hash covers; CSV).
  if (!/\/report\.(json|csv)$|\.csv$/.test(route)) expect(r.text, label).toBe(JSON.stringify(parsed.data));
  if (r.status < 300) {
    answered.add(route);
    if (Array.isArray(r.body?.data) && r.body.data.length) listedSomething.add(route);
  }
  return r;
}

const getRoutes = () => [...h.app.routeSchemas.keys()].filter((k) => k.startsWith(`GET ${PREFIX}/`) && k !== `GET ${PREFIX}/stream`).map((k) => k.slice(4));
/** The list a `:id` route's ids come from: `/items/:id/events` → `/items`. */
const listOf = (route: string) => route.slice(0, route.indexOf('/:id'));

describe('every GET answer matches its declared schema, for every role', () => {
  it.each(USER_KEYS)('%s', async (u) => {
    const routes = getRoutes();
    const lists = routes.filter((r) => !r.includes(':'));
    for (const route of lists) await check(u, route, `${route}?limit=500`.replace(/\/(zones|gates|devices|agencies|categories|storage-warnings|me|statistics|statistics\.csv)\?limit=500$/, '/$1'));
    for (const route of routes.filter((r) => r.includes('/:id'))) {
      const list = await h.call(u, 'GET', `${listOf(route).slice(PREFIX.length)}${listOf(route).endsWith('/zones') || listOf(route).endsWith('/gates') ? '' : '?limit=500'}`);
      expect(list.status, `${u} ${listOf(route)}`).toBe(200);
      // The shelves' grid lists zones, and its detail is one of their locations; enrolments and counts are listed by name, unpaged.
      const ids = route.endsWith('/shelves/:id') ? (list.body.data as { locations: { id: string }[] }[]).flatMap((z) => z.locations)
        : (list.body.data ?? list.body.enrolments ?? list.body.counts) as { id: string }[];
      for (const { id } of ids) await check(u, route, route.replace(':id', encodeURIComponent(id)));
      const missing = await check(u, route, route.replace(':id', 'NO-SUCH-1'));
      expect(missing.status).toBe(404);
    }
    // The hot path, what the filters reach, the other chain, and refusals.
    for (const epc of Object.values(h.epcs)) await check(u, `${PREFIX}/items`, `${PREFIX}/items?epc=${epc}`);
    for (const q of ['state=out', 'state=disposed', `q=${encodeURIComponent('手机')}`, 'cursor=not-a-cursor', 'nope=1']) await check(u, `${PREFIX}/items`, `${PREFIX}/items?${q}`);
    for (const q of ['state=active', 'state=expired', 'state=cancelled', 'kind=dispose']) await check(u, `${PREFIX}/orders`, `${PREFIX}/orders?${q}`);
    await check(u, `${PREFIX}/alarms`, `${PREFIX}/alarms?state=open`);
    await check(u, `${PREFIX}/confirmations`, `${PREFIX}/confirmations?state=pending`);
    await check(u, `${PREFIX}/crossings`, `${PREFIX}/crossings?decision=alarm`);
    for (const chain of ['main', 'restricted']) {
      await check(u, `${PREFIX}/events`, `${PREFIX}/events?chain=${chain}`);
      await check(u, `${PREFIX}/ledger/verify`, `${PREFIX}/ledger/verify?chain=${chain}`);
    }
    await check(u, `${PREFIX}/items/:id`, `${PREFIX}/items/${'x'.repeat(65)}`);
    // The EPCIS export pages by EPCIS's own parameters (perPage, nextPageToken), not limit.
    for (const q of ['perPage=1000', 'perPage=1', 'perPage=0', 'case=NO-SUCH-1']) await check(u, `${PREFIX}/events.epcis`, `${PREFIX}/events.epcis?${q}`);
    for (const zone of ['general', 'restricted']) {
      await check(u, `${PREFIX}/zones/:id/environment.csv`, `${PREFIX}/zones/${zone}/environment.csv?month=2025-03`);
      await check(u, `${PREFIX}/zones/:id/environment`, `${PREFIX}/zones/${zone}/environment?resolution=1m`);
    }
  });

  it('without a token: 401 in the declared shape; the health check', async () => {
    for (const route of [...getRoutes(), `${PREFIX}/stream`]) expect((await check(null, route, route.replace(':id', 'ANY-1'))).status).toBe(401);
    const health = await fetch(`${h.url}/api/health`);
    const body = await health.json();
    expect(health.status).toBe(200);
    const schema = schemaFor((h.app.routeSchemas.get('GET /api/health')?.response ?? {}) as Declared, 200)!;
    expect(schema.parse(body)).toEqual(body);
  });

  it('every GET route answered 2xx for some role, and every list listed something', () => {
    const routes = getRoutes();
    expect(routes.length).toBeGreaterThan(20);
    expect(routes.filter((r) => !answered.has(r))).toEqual([]);
    const lists = routes.filter((r) => {
      const ok = schemaFor(answersOf(r), 200);
      return ok instanceof z.ZodObject && 'data' in ok.shape;
    });
    expect(lists.filter((r) => !listedSomething.has(r))).toEqual([]);
  });
});
