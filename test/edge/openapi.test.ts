// The document at /api/docs tells a user what every operation does and what it can answer: a
// description, a tag, and a schema for its success and for the errors it gives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHarness, type Harness } from '../helpers/custody-site.ts';

interface Operation {
  description?: string;
  tags?: string[];
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
}

// Public, without input: no request can make it answer 4xx, and the document does not pretend otherwise.
const NO_CLIENT_ERROR = new Set(['get /api/health']);

let h: Harness;
let doc: Document;
let operations: { key: string; op: Operation }[];

beforeAll(async () => {
  h = await openHarness();
  const r = await fetch(`${h.url}/api/docs/json`);
  expect(r.status).toBe(200);
  doc = await r.json() as Document;
  operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ key: `${method} ${path}`, op })));
});
afterAll(async () => { await h?.close(); });

const schemaOf = (r: NonNullable<Operation['responses']>[string] | undefined) =>
  Object.values(r?.content ?? {}).map((c) => c.schema).find((s) => s !== undefined && s !== null);

describe('the OpenAPI document', () => {
  it('lists every route the API serves (the stream and the ticket among them)', () => {
    const keys = operations.map((o) => o.key);
    expect(keys.length).toBeGreaterThan(40);
    for (const k of ['get /api/health', 'get /api/v1/items', 'get /api/v1/items/{id}', 'post /api/v1/items/{id}/putaway', 'get /api/v1/stream',
      'post /api/v1/stream/ticket', 'get /api/v1/ledger/verify', 'post /api/v1/orders']) expect(keys).toContain(k);
  });

  it('gives every operation a description and a tag', () => {
    for (const { key, op } of operations) {
      expect(op.description?.trim().length ?? 0, `${key}: description`).toBeGreaterThan(20);
      expect(op.tags?.length ?? 0, `${key}: tags`).toBeGreaterThan(0);
    }
  });

  it('gives every operation a schema for a 2xx answer and for at least one 4xx answer', () => {
    for (const { key, op } of operations) {
      const statuses = Object.keys(op.responses ?? {});
      const ok = statuses.filter((s) => /^2\d\d$/.test(s));
      expect(ok.length, `${key}: a 2xx answer`).toBeGreaterThan(0);
      for (const s of ok) expect(schemaOf(op.responses![s]), `${key} ${s}: schema`).toBeDefined();
      if (NO_CLIENT_ERROR.has(key)) continue;
      const refused = statuses.filter((s) => /^4\d\d$/.test(s));
      expect(refused.length, `${key}: a 4xx answer`).toBeGreaterThan(0);
      for (const s of refused) expect(schemaOf(op.responses![s]), `${key} ${s}: schema`).toBeDefined();
    }
  });

  it('documents the error answers once, in the contract shape, with the codes of their status', () => {
    for (const status of [400, 401, 403, 404, 409, 413, 415, 500]) {
      const s = doc.components?.schemas?.[`Error${status}`] as { properties?: Record<string, { enum?: string[] }>; required?: string[] } | undefined;
      expect(s, `Error${status}`).toBeDefined();
      expect(s!.required).toEqual(['code', 'message', 'details']);
      expect(s!.properties!.code.enum!.length).toBeGreaterThan(0);
    }
    expect((doc.components!.schemas!.Error404 as { properties: { code: { enum: string[] } } }).properties.code.enum).toContain('ITEM_NOT_FOUND');
    expect((doc.components!.schemas!.Error409 as { properties: { code: { enum: string[] } } }).properties.code.enum).toContain('ILLEGAL_TRANSITION');
    // Every reference in the document resolves.
    const text = JSON.stringify(doc.paths);
    for (const [, id] of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) expect(doc.components!.schemas, id).toHaveProperty(id);
    // Every authenticated operation says it can answer 401.
    for (const { key, op } of operations) if (!NO_CLIENT_ERROR.has(key)) expect(Object.keys(op.responses ?? {}), key).toContain('401');
  });
});
