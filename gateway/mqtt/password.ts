// Device passwords in Mosquitto's own PBKDF2 form, so that one hash in the site file serves the
// embedded broker and the password_file written for an external Mosquitto:
//   $7$<iterations>$<base64 salt>$<base64 hash>
// PBKDF2-HMAC-SHA512, a 12-byte salt and a 64-byte hash, standard base64 with padding; 101
// iterations is mosquitto_passwd's default (Mosquitto 2.x, lib/password_mosq.c).
import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

export const DEFAULT_ITERATIONS = 101;
const SALT_BYTES = 12;
const HASH_BYTES = 64;
/** Far above any sane setting: a typo of extra digits must not stall every CONNECT for minutes. */
const MAX_ITERATIONS = 10_000_000;

const FORM = /^\$7\$(\d{1,9})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

export interface ParsedHash {
  iterations: number;
  salt: Buffer;
  hash: Buffer;
}

/** Splits a `$7$` hash; undefined when it is not one Mosquitto would accept. */
export function parsePasswordHash(encoded: string): ParsedHash | undefined {
  const m = FORM.exec(encoded);
  if (!m) return undefined;
  const iterations = Number(m[1]);
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) return undefined;
  const salt = Buffer.from(m[2], 'base64');
  const hash = Buffer.from(m[3], 'base64');
  if (salt.length === 0 || hash.length !== HASH_BYTES) return undefined;
  return { iterations, salt, hash };
}

export async function hashPassword(password: string, iterations = DEFAULT_ITERATIONS): Promise<string> {
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    throw new RangeError(`iterations must be an integer from 1 to ${MAX_ITERATIONS}`);
  }
  if (password.length === 0) throw new RangeError('an empty password cannot be hashed');
  const salt = randomBytes(SALT_BYTES);
  const hash = await pbkdf2Async(Buffer.from(password, 'utf8'), salt, iterations, HASH_BYTES, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** True when `password` matches `encoded`; false for a wrong password or a malformed hash. */
export async function verifyPassword(password: string | Buffer, encoded: string): Promise<boolean> {
  const parsed = parsePasswordHash(encoded);
  if (!parsed) return false;
  const pw = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  const derived = await pbkdf2Async(pw, parsed.salt, parsed.iterations, HASH_BYTES, 'sha512');
  return timingSafeEqual(derived, parsed.hash);
}
