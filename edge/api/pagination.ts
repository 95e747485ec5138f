// Keyset pagination: the cursor is the last row's sort key, opaque to clients, so that pages stay
// stable while new rows arrive and deep pages cost no more than the first.
import { z } from 'zod';
import { fail } from '../errors.ts';

export const MAX_LIMIT = 500;
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(100),
  cursor: z.string().max(500).optional(),
};

export function encodeCursor(key: (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined, arity: number): (string | number)[] | null {
  if (cursor === undefined) return null;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === arity && key.every((k) => typeof k === 'string' || typeof k === 'number')) return key;
  } catch { /* falls through */ }
  fail('BAD_CURSOR');
}

/** Fetches limit + 1 rows to know whether there is a next page without a count. */
export function page<T>(rows: T[], limit: number, key: (row: T) => (string | number)[]) {
  const more = rows.length > limit;
  const data = more ? rows.slice(0, limit) : rows;
  return { data, nextCursor: more ? encodeCursor(key(data[data.length - 1])) : null };
}

/** Filters as SQL fragments with their parameters, joined with AND. */
export class Where {
  private parts: string[] = [];
  readonly params: unknown[] = [];
  add(sql: string, ...params: unknown[]): this {
    this.parts.push(sql);
    this.params.push(...params);
    return this;
  }
  get sql(): string { return this.parts.length ? `WHERE ${this.parts.join(' AND ')}` : ''; }
}

/** Escapes LIKE wildcards so that a search for `%` finds a percent sign, not everything. */
export const likeContains = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
