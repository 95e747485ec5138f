// docs/platform-openapi.yaml is what a real platform vendor implements: it must name exactly the
// routes the simulator serves (from its ROUTES table, so the two cannot drift) and every error code.
import fs from 'node:fs';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { PLATFORM_ERRORS } from '../../firmware-sim/platform/errors.ts';
import { ROUTES } from '../../firmware-sim/platform/server.ts';

const doc = YAML.parse(fs.readFileSync(new URL('../../docs/platform-openapi.yaml', import.meta.url), 'utf8')) as {
  openapi: string;
  paths: Record<string, Record<string, { operationId?: string }>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, { enum?: string[] }> };
};
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

describe('platform OpenAPI document', () => {
  it('is OpenAPI 3.1 with the signature scheme', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.components.securitySchemes)).toContain('hmacSignature');
  });

  it('documents exactly the routes the server implements, with the same operation ids', () => {
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${p} ${ops[m].operationId}`));
    const served = ROUTES.map((r) => `${r.method} ${r.path} ${r.op}`);
    expect(documented.sort()).toEqual(served.sort());
  });

  it('lists every error code of the /v1 API', () => {
    const codes = Object.keys(PLATFORM_ERRORS).filter((c) => c !== 'UNAUTHENTICATED');
    expect([...(doc.components.schemas.ErrorCode.enum ?? [])].sort()).toEqual(codes.sort());
  });

  it('resolves every local $ref', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1]);
    for (const ref of refs) {
      const target = ref.split('/').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], doc);
      expect(target, ref).toBeDefined();
    }
  });
});
