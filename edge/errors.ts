// One table of every error the edge can answer: the same code in the API, the logs and the UI.
// A code, once published, never changes meaning: clients and the dashboards switch on it.

export const ERRORS = {
  UNAUTHENTICATED: { status: 401, message: 'A valid Bearer token is required' },
  FORBIDDEN: { status: 403, message: 'Your role may not do this' },
  NOT_FOUND: { status: 404, message: 'No such resource' },
  ITEM_NOT_FOUND: { status: 404, message: 'No such item' },
  ORDER_NOT_FOUND: { status: 404, message: 'No such order' },
  ALARM_NOT_FOUND: { status: 404, message: 'No such alarm' },
  LOCATION_NOT_FOUND: { status: 404, message: 'No such location' },
  CASE_NOT_FOUND: { status: 404, message: 'No such case' },
  VALIDATION_FAILED: { status: 400, message: 'The request does not match its schema' },
  MALFORMED_JSON: { status: 400, message: 'The body is not valid JSON' },
  BODY_TOO_LARGE: { status: 413, message: 'The body is larger than allowed' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'This content type is not accepted here' },
  BAD_CURSOR: { status: 400, message: 'The cursor is not one this API gave out' },
  ILLEGAL_TRANSITION: { status: 409, message: 'The item is not in a state that allows this operation' },
  ORDER_REQUIRED: { status: 409, message: 'No active order covers this item and operation' },
  ORDER_NOT_ACTIVE: { status: 409, message: 'The order is not active' },
  ORDER_EXPIRED: { status: 409, message: 'The order\'s time window has ended' },
  ORDER_WRONG_KIND: { status: 409, message: 'The order is of another kind' },
  ORDER_ITEM_NOT_COVERED: { status: 409, message: 'The order does not cover this item' },
  ORDER_ITEM_DONE: { status: 409, message: 'This item is already done under the order' },
  ORDER_CANNOT_CANCEL: { status: 409, message: 'The order cannot be cancelled now' },
  // The store's disk is full (SQLITE_FULL): what cannot be stored is refused, never half-kept (edge/store/capacity.ts).
  STORAGE_FULL: { status: 507, message: 'The gateway\'s disk is full: this change could not be stored; nothing already stored is lost' },
  // Changes from the platform that the inbox refuses (edge/sync/inbox.ts); kept with the reason, never half-applied.
  SITE_OWNED: { status: 409, message: 'This row belongs to the site file; the platform cannot change it' },
  NOT_PLATFORM_ORDER: { status: 409, message: 'This order was issued on site, not by the platform' },
  BADGE_IN_USE: { status: 409, message: 'This badge belongs to another person' },
  EPC_IN_USE: { status: 409, message: 'Another item already carries this EPC' },
  EPC_RETIRED: { status: 409, message: 'This EPC was retired by a re-tagging and is never bound again' },
  ITEM_UNTAGGED: { status: 409, message: 'The item has no tag yet: enrol it at the intake desk first' },
  ITEM_EXISTS: { status: 409, message: 'An item with this id already exists' },
  LOCATION_WRONG_ZONE: { status: 409, message: 'The location is not in a zone this item may be stored in' },
  SAME_LOCATION: { status: 409, message: 'The item is already at this location' },
  SAME_AGENCY: { status: 409, message: 'The item is already controlled by this agency' },
  UNKNOWN_AGENCY: { status: 409, message: 'No such agency' },
  UNKNOWN_CATEGORY: { status: 409, message: 'No such category' },
  UNKNOWN_STAFF: { status: 409, message: 'No such staff member' },
  ALARM_ALREADY_RESOLVED: { status: 409, message: 'The alarm is already resolved' },
  ALARM_SELF_RESOLVING: { status: 409, message: 'This alarm resolves itself when its cause ends' },
  PHOTO_EMPTY: { status: 400, message: 'The photo is empty' },

  // Refused before a route is found: by the router, or by Node's HTTP parser
  BAD_URL: { status: 400, message: 'The URL is not validly percent-encoded' },
  MALFORMED_REQUEST: { status: 400, message: 'The request is not valid HTTP' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request did not arrive in time' },
  REQUEST_HEAD_TOO_LARGE: { status: 431, message: 'The URL and headers together are larger than allowed' },

  // Storage rules (分类存放)
  DISPOSAL_METHOD_MISMATCH: { status: 409, message: 'The dispose order decides another disposal method' },
  STORAGE_NOT_ALLOWED: { status: 409, message: 'This category may not be stored in this kind of zone' },

  // Two-person operations (双人)
  SECOND_PERSON_REQUIRED: { status: 409, message: 'This item needs a second person to confirm the operation' },
  CONFIRMATION_NOT_FOUND: { status: 404, message: 'No such pending operation' },
  CONFIRMATION_EXPIRED: { status: 409, message: 'The pending operation was not confirmed within its window' },
  CONFIRMATION_SAME_PERSON: { status: 409, message: 'The second person must be someone other than the one who asked' },
  CONFIRMATION_NOT_PENDING: { status: 409, message: 'The operation is no longer waiting for a confirmation' },

  // Enrolment at the intake desk (一物一码)
  DEVICE_NOT_FOUND: { status: 404, message: 'No such device' },
  NOT_A_DESK_READER: { status: 409, message: 'The device is not an intake desk reader' },
  ENROLMENT_NOT_FOUND: { status: 404, message: 'No such enrolment' },
  DESK_BUSY: { status: 409, message: 'An enrolment is already waiting at this desk reader' },
  ENROLMENT_WAITING: { status: 409, message: 'An enrolment is already waiting for this item' },
  ITEM_ALREADY_TAGGED: { status: 409, message: 'The item already carries a tag: re-tag it with replace: true' },
  ENROLMENT_NOT_WAITING: { status: 409, message: 'The enrolment has already ended' },

  // Cycle counts (盘点)
  ZONE_NOT_FOUND: { status: 404, message: 'No such zone' },
  COUNT_NOT_FOUND: { status: 404, message: 'No such count' },
  COUNT_OVERLAPS: { status: 409, message: 'A count already open covers one of these locations' },
  COUNT_EMPTY_SCOPE: { status: 409, message: 'There is no location to count there' },
  COUNT_MIXED_SCOPE: { status: 409, message: 'A count covers the restricted zone or none of it' },
  COUNT_CLOSED: { status: 409, message: 'The count is already closed' },
  COUNT_OPEN: { status: 409, message: 'The count is still open: its report is made when it closes' },

  // The ledger's chains
  CHAIN_NOT_FOUND: { status: 404, message: 'No such chain' },
  INTERNAL: { status: 500, message: 'Internal error' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class CustodyError extends Error {
  readonly status: number;
  constructor(readonly code: ErrorCode, message?: string, readonly details: Record<string, unknown> = {}) {
    super(message ?? ERRORS[code].message);
    this.status = ERRORS[code].status;
  }
  toJSON() {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function fail(code: ErrorCode, message?: string, details?: Record<string, unknown>): never {
  throw new CustodyError(code, message, details);
}
