// One table of every error the simulated city platform answers (contract.md "Errors"): a code, its
// HTTP status and a message. The gateway switches on the code, so a code never changes meaning.

export const PLATFORM_ERRORS = {
  UNKNOWN_KEY: { status: 401, message: 'No such key' },
  BAD_SIGNATURE: { status: 401, message: 'The request signature does not verify' },
  CLOCK_SKEW: { status: 401, message: 'The request timestamp is too far from the platform clock' },
  FORBIDDEN: { status: 403, message: 'This key belongs to another site' },
  UNKNOWN_SITE: { status: 404, message: 'No such site' },
  NOT_FOUND: { status: 404, message: 'No such resource' },
  VALIDATION_FAILED: { status: 400, message: 'The request does not match its schema' },
  TOO_LARGE: { status: 413, message: 'The request is larger than allowed (1000 records or 1 MiB)' },
  SEQUENCE_GAP: { status: 409, message: 'The batch does not continue the platform head' },
  CONFLICT: { status: 409, message: 'The request conflicts with what the platform holds' },
  CHAIN_BROKEN: { status: 422, message: 'The batch does not continue the chain the platform holds' },
  INTERNAL: { status: 500, message: 'The platform failed' },
  // Admin API only (unsigned, loopback)
  UNAUTHENTICATED: { status: 401, message: 'A valid Bearer token is required' },
} as const;

export type PlatformErrorCode = keyof typeof PLATFORM_ERRORS;

/** Why a chain batch or an anchor was refused (the `reason` of 422 CHAIN_BROKEN). */
export type ChainBrokenReason =
  | 'fork' // a known seq with another hash
  | 'bad_prev_hash' // the next seq does not link to the head
  | 'bad_hash' // the event's hash does not recompute
  | 'anchor_mismatch' // an event's hash differs from an anchor already given for its seq
  | 'anchor_regress'; // an anchor below the last one, or at its seq with another hash

export class PlatformError extends Error {
  readonly status: number;
  constructor(readonly code: PlatformErrorCode, message?: string, readonly details: Record<string, unknown> = {}) {
    super(message ?? PLATFORM_ERRORS[code].message);
    this.status = PLATFORM_ERRORS[code].status;
  }

  body(): { error: Record<string, unknown> } {
    return { error: { code: this.code, message: this.message, ...this.details } };
  }
}
