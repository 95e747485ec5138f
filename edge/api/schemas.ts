// What every route's answers share: the error answer in the contract shape, and a page of a list.
// The answers' own schemas sit beside the code that builds them (itemApi beside itemToApi), so that
// one file changes when a field does.
import { z } from 'zod';
import { ERRORS, type ErrorCode } from '../errors.ts';

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 500;

const WHAT: Record<ErrorStatus, string> = {
  400: 'The request does not match its schema, or a cursor is not one this API gave out',
  401: 'No valid Bearer token',
  403: 'The role may not do this',
  404: 'No such resource, or one the role may not see',
  409: 'The custody rules refuse the operation in the item\'s or order\'s present state',
  413: 'The body is larger than allowed',
  415: 'This content type is not accepted here',
  500: 'Internal error: the gateway logged it',
};

const codesOf = (status: number) => (Object.keys(ERRORS) as ErrorCode[]).filter((c) => ERRORS[c].status === status) as [ErrorCode, ...ErrorCode[]];

/**
 * The error answer for one status, `{code, message, details}` as edge/api/errors.ts sends it, its
 * codes those of the table with that status. One schema per status, shown once in the document.
 */
const errorApiFor = (status: ErrorStatus) => z.object({
  code: z.enum(codesOf(status)).describe('stable: clients switch on it'),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).describe('what the code is about: ids, fields, the schema issues'),
}).describe(`${WHAT[status]} (${codesOf(status).join(', ')})`).meta({ id: `Error${status}` });

export const ERROR_API = Object.fromEntries(([400, 401, 403, 404, 409, 413, 415, 500] as const).map((s) => [s, errorApiFor(s)])) as
  Record<ErrorStatus, ReturnType<typeof errorApiFor>>;

/** The error answers a route can give: 401 and 500 on every authenticated route, and those named. */
export function errors<S extends Exclude<ErrorStatus, 401 | 500>>(...statuses: S[]) {
  const out = { 401: ERROR_API[401], 500: ERROR_API[500] } as Record<S | 401 | 500, ReturnType<typeof errorApiFor>>;
  for (const s of statuses) out[s] = ERROR_API[s];
  return out;
}

/** A page of a keyset-paginated list; `nextCursor` null on the last page (and on lists that are never paged). */
export const pageApi = <T extends z.ZodType>(item: T) => z.object({
  data: z.array(item),
  nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last'),
});

/** An id in a path: the router refuses longer ones before any schema does. */
export const idParam = z.object({ id: z.string().max(64) });

/**
 * Compiles only when a schema's type and the code's own type agree both ways, for answers whose
 * type is written elsewhere (an interface the core uses): a field added on one side only fails tsc.
 */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const agrees = <_A, _B>(..._: [Same<_A, _B>] extends [true] ? [] : ['the schema and the type differ']) => undefined;
