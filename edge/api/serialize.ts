// The hot routes' serialiser. Every other route checks its answer with zod before sending it (the
// type provider's serializerCompiler): a walk of the whole answer per request. Measured with
// `BENCH_QUICK=1 npm run bench -- api` on 2 busy cores, that took the gate's EPC lookup from about
// half the bare fastify route's rate to a third (ratio 0.47-0.55 without a response schema, 0.31-0.35
// zod-checked, 0.45-0.50 compiled) and the zone summary from 0.2-0.5 ms to 1 ms (0.4 ms compiled).
// These routes answer through fast-json-stringify instead, compiled once from the JSON schema of the
// same zod schema: the document, the handler's types and the serialiser share one source. It writes
// what the schema names and checks required fields, but it does not check values (a null where a
// string is due comes out as ""): test/edge/answers.test.ts parses these routes' real answers with
// their zod schemas, as every other route's.
import fastJson, { type Schema } from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify';
import { z } from 'zod';

type JsonNode = { [key: string]: unknown };

const isNullOnly = (n: unknown) => !!n && typeof n === 'object' && (n as JsonNode).type === 'null' && Object.keys(n as JsonNode).length === 1;

/**
 * zod writes a nullable object as `anyOf: [{object}, {type: null}]`, which fast-json-stringify can
 * only serialise by validating each branch at runtime; `type: [object, null]` says the same and
 * compiles to a plain null check.
 */
function simplify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(simplify);
  if (!node || typeof node !== 'object') return node;
  const out: JsonNode = {};
  for (const [k, v] of Object.entries(node)) if (k !== '$schema') out[k] = simplify(v);
  const anyOf = out.anyOf;
  if (Array.isArray(anyOf) && anyOf.length === 2) {
    const nul = anyOf.findIndex(isNullOnly);
    const other = anyOf[1 - nul] as JsonNode | undefined;
    if (nul >= 0 && other && typeof other.type === 'string') {
      delete out.anyOf;
      Object.assign(out, other, { type: [other.type, 'null'] });
    }
  }
  return out;
}

/** The JSON schema fast-json-stringify compiles for a zod answer schema (no ids, no descriptions: serialising needs neither). */
export function serializationSchema(schema: z.ZodType): Schema {
  return simplify(z.toJSONSchema(schema, { target: 'draft-7', io: 'output', unrepresentable: 'any', metadata: z.registry() })) as Schema;
}

/**
 * For a route's `serializerCompiler`: each of its zod answers (one per status), compiled by
 * fast-json-stringify. fastify types the argument as the whole route schema; it is one answer's.
 */
export const compiledSerializer = ({ schema }: Parameters<FastifySerializerCompiler<unknown>>[0]) => {
  if (!(schema instanceof z.ZodType)) throw new Error('compiledSerializer compiles zod answer schemas only');
  return fastJson(serializationSchema(schema));
};
