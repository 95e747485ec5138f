// One signed HTTP exchange with a platform endpoint (the city platform, or the commission's). It
// never throws: every way a request can fail comes back as a failure with a code a field engineer
// can act on (the network, a timeout, our clock, the platform's refusal, a reply that is not the
// platform's), so that the outbox and the inbox decide what to retry and the Sync page says why.
import { authorization, verifyReply } from './signing.ts';

export interface Endpoint { url: string; keyId: string; secret: Buffer }

export type FailureCode =
  | 'NETWORK' | 'TIMEOUT' | 'UNSIGNED_REPLY' | 'BAD_REPLY_SIGNATURE' | 'REPLY_CLOCK_SKEW' | 'NOT_JSON'
  /** The platform refused our request's time: our clock (or its) is more than five minutes off. */
  | 'CLOCK_SKEW'
  /** Any other refusal the platform names in its error body (SEQUENCE_GAP, CHAIN_BROKEN, BAD_SIGNATURE…), or HTTP_<status>. */
  | (string & {});

export interface Failure { code: FailureCode; message: string; status?: number; details?: Record<string, unknown> }
export type Exchange<T = unknown> = { ok: true; status: number; body: T } | { ok: false; failure: Failure };

export class PlatformClient {
  /** Base path of the endpoint's URL (a platform behind a prefix), without a trailing slash. */
  private readonly base: URL;

  constructor(private readonly endpoint: Endpoint, private readonly now: () => number, private readonly timeoutMs: number) {
    this.base = new URL(endpoint.url);
  }

  get url(): string { return this.endpoint.url; }

  /**
   * `path` starts with `/v1/…` and is already percent-encoded: those are the bytes signed. A pooled
   * connection the platform closed while idle fails at once: that one is tried again on a new
   * connection before it counts as a failure (every request of the contract is idempotent).
   */
  async request<T = unknown>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<Exchange<T>> {
    const first = await this.once<T>(method, path, body);
    if (!first.ok && first.failure.code === 'NETWORK' && /UND_ERR_SOCKET|ECONNRESET|other side closed/.test(first.failure.message)) {
      return this.once<T>(method, path, body);
    }
    return first;
  }

  private async once<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<Exchange<T>> {
    const pathWithQuery = this.base.pathname.replace(/\/$/, '') + path;
    const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
    const ts = Math.floor(this.now() / 1000);
    let res: Response;
    let raw: Uint8Array;
    try {
      res = await fetch(new URL(pathWithQuery, this.base), {
        method,
        headers: {
          authorization: authorization(this.endpoint.keyId, this.endpoint.secret, method, pathWithQuery, ts, bytes),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: bytes }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      raw = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      if (err.name === 'TimeoutError' || err.name === 'AbortError') {
        return fail('TIMEOUT', `no answer from ${this.base.host} within ${this.timeoutMs} ms`);
      }
      const cause = err.cause?.code ?? err.cause?.message ?? err.message;
      return fail('NETWORK', `${this.base.host} unreachable: ${cause}`);
    }
    const check = verifyReply(this.endpoint.secret, this.endpoint.keyId, res.status, pathWithQuery, res.headers.get('authorization'), raw, this.now());
    let parsed: unknown;
    try {
      parsed = raw.length ? JSON.parse(Buffer.from(raw).toString('utf8')) : null;
    } catch {
      parsed = undefined;
    }
    const success = res.status >= 200 && res.status < 300;
    // Only a verified reply is believed: a success moves checkpoints and applies orders. A refusal
    // changes nothing here (the batch waits and goes again), so an unverifiable one still says why,
    // marked as unverified: a platform holding another secret refuses our signature, and its answer
    // cannot verify with ours either; that is the field engineer's clue.
    if (!check.ok && (success || refusalOf(parsed) === null)) {
      const type = res.headers.get('content-type') ?? 'no content type';
      if (res.status >= 500 && !success) return fail(`HTTP_${res.status}`, `HTTP ${res.status} without a verifiable answer (${type}, ${raw.length} bytes)`, res.status);
      return fail(check.code, `${check.message} (HTTP ${res.status}, ${type}, ${raw.length} bytes)`, res.status);
    }
    if (parsed === undefined) return fail('NOT_JSON', `a signed reply that is not JSON (HTTP ${res.status}, ${raw.length} bytes)`, res.status);
    if (success) return { ok: true, status: res.status, body: parsed as T };
    const refusal = refusalOf(parsed) ?? { code: `HTTP_${res.status}`, message: `HTTP ${res.status}`, details: {} };
    const unverified = check.ok ? '' : ` (unverified reply: ${check.message})`;
    return { ok: false, failure: { code: refusal.code, message: `the platform refused: ${refusal.message}${unverified}`, status: res.status, details: refusal.details } };
  }
}

/** The contract's error body, `{error: {code, message, ...details}}`, or null. */
function refusalOf(body: unknown): { code: string; message: string; details: Record<string, unknown> } | null {
  const error = (body as { error?: Record<string, unknown> } | null | undefined)?.error;
  if (!error || typeof error.code !== 'string' || !/^[A-Z][A-Z0-9_]{1,63}$/.test(error.code)) return null;
  const { code, message, ...details } = error;
  return { code, message: typeof message === 'string' ? message.slice(0, 500) : code, details };
}

function fail(code: FailureCode, message: string, status?: number): { ok: false; failure: Failure } {
  return { ok: false, failure: { code, message, ...(status === undefined ? {} : { status }) } };
}

/** A failure worth retrying later as it is (the network, the platform's own trouble), as opposed to one a person must look at. */
export const transient = (f: Failure) => f.code === 'NETWORK' || f.code === 'TIMEOUT' || (f.status !== undefined && f.status >= 500)
  || f.code === 'UNSIGNED_REPLY' || f.code === 'NOT_JSON';
