// Forward-only, versioned migrations. A migration once released is never edited: add a new one.
// Each runs in its own transaction together with the bump of `user_version`.

/** The custody event kinds that the statistics count as movements (migration 13's event_movements). */
const MOVEMENT_KINDS_SQL = "('received', 'putaway', 'retrieved', 'returned', 'circulated', 'disposed')";
/**
 * Fills event_movements from the ledger: what migration 13 runs once, and what a store written
 * around the trigger (the benchmarks' generated one, whose items are written after their events)
 * runs again.
 */
export const EVENT_MOVEMENTS_FILL = `
  DELETE FROM event_movement_days;
  DELETE FROM event_movements;
  INSERT INTO event_movements (chain, seq, at, kind, restricted, item_id, agency_id, category_id, item_agency_id, item_restricted)
    SELECT e.chain, e.seq, e.at, e.kind, e.restricted, e.item_id, json_extract(e.from_state, '$.agencyId'), i.category_id, i.agency_id, i.restricted
    FROM events e LEFT JOIN items i ON i.id = e.item_id WHERE e.kind IN ${MOVEMENT_KINDS_SQL};`;

export const MIGRATIONS: readonly string[] = [
  // 1: reference data (mirrored from the site file at every start), custody state, the ledger.
  `
  CREATE TABLE zones (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, name_en TEXT, kind TEXT NOT NULL,
    restricted INTEGER NOT NULL, limits TEXT NOT NULL DEFAULT '{}'
  ) STRICT;
  CREATE TABLE locations (
    id TEXT PRIMARY KEY, zone_id TEXT NOT NULL REFERENCES zones(id), name TEXT NOT NULL, kind TEXT NOT NULL
  ) STRICT;
  CREATE INDEX locations_zone ON locations(zone_id);
  CREATE TABLE gates (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, name_en TEXT, inner_zone TEXT NOT NULL, outer_zone TEXT NOT NULL,
    restricted INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE agencies (id TEXT PRIMARY KEY, name TEXT NOT NULL, name_en TEXT, kind TEXT NOT NULL) STRICT;
  CREATE TABLE categories (id TEXT PRIMARY KEY, name TEXT NOT NULL, name_en TEXT, dual_control INTEGER NOT NULL) STRICT;
  CREATE TABLE staff (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, agency_id TEXT NOT NULL REFERENCES agencies(id),
    roles TEXT NOT NULL, badge_epc TEXT UNIQUE, clearances TEXT NOT NULL
  ) STRICT;
  CREATE TABLE users (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, agency_id TEXT, staff_id TEXT,
    token_sha256 TEXT NOT NULL UNIQUE
  ) STRICT;

  CREATE TABLE cases (
    id TEXT PRIMARY KEY, number TEXT NOT NULL UNIQUE, agency_id TEXT NOT NULL REFERENCES agencies(id),
    title TEXT, opened_at TEXT NOT NULL
  ) STRICT;

  CREATE TABLE items (
    id TEXT PRIMARY KEY,
    epc TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT,
    category_id TEXT NOT NULL REFERENCES categories(id),
    quantity REAL NOT NULL,
    unit TEXT NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    zone_id TEXT REFERENCES zones(id),
    location_id TEXT REFERENCES locations(id),
    state TEXT NOT NULL,
    restricted INTEGER NOT NULL,
    due_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) STRICT;
  CREATE INDEX items_case ON items(case_id);
  CREATE INDEX items_agency ON items(agency_id, id);
  CREATE INDEX items_zone ON items(zone_id, id);
  CREATE INDEX items_location ON items(location_id);
  CREATE INDEX items_state ON items(state, id);
  CREATE INDEX items_due ON items(due_at) WHERE state = 'out';

  -- Per zone, agency and state: the zone summary reads a few hundred rows, not every item.
  CREATE TABLE item_counts (
    zone_id TEXT NOT NULL, agency_id TEXT NOT NULL, state TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (zone_id, agency_id, state)
  ) STRICT, WITHOUT ROWID;
  CREATE TRIGGER item_counts_insert AFTER INSERT ON items BEGIN
    INSERT INTO item_counts VALUES (coalesce(NEW.zone_id, ''), NEW.agency_id, NEW.state, 1)
      ON CONFLICT DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER item_counts_update AFTER UPDATE OF zone_id, agency_id, state ON items BEGIN
    UPDATE item_counts SET n = n - 1
      WHERE zone_id = coalesce(OLD.zone_id, '') AND agency_id = OLD.agency_id AND state = OLD.state;
    INSERT INTO item_counts VALUES (coalesce(NEW.zone_id, ''), NEW.agency_id, NEW.state, 1)
      ON CONFLICT DO UPDATE SET n = n + 1;
  END;

  CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    emergency INTEGER NOT NULL,
    source TEXT NOT NULL,
    restricted INTEGER NOT NULL,
    agency_id TEXT,
    zone_id TEXT,
    to_agency_id TEXT,
    issued_by TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    gates TEXT NOT NULL,
    direction TEXT NOT NULL,
    escorts TEXT NOT NULL,
    purpose TEXT,
    due_at TEXT,
    note TEXT,
    cancelled_by TEXT,
    cancel_reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) STRICT;
  CREATE INDEX orders_state ON orders(state, valid_until);
  CREATE TABLE order_items (
    order_id TEXT NOT NULL REFERENCES orders(id),
    item_id TEXT NOT NULL REFERENCES items(id),
    done_seq INTEGER,
    PRIMARY KEY (order_id, item_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX order_items_item ON order_items(item_id);

  -- The custody ledger: append-only, hash-chained. Columns hold exactly what is hashed.
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    item_id TEXT,
    order_id TEXT,
    actors TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    details TEXT NOT NULL,
    restricted INTEGER NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  ) STRICT;
  CREATE INDEX events_item ON events(item_id, seq);
  CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN
    SELECT RAISE(ABORT, 'the custody ledger is append-only');
  END;
  CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN
    SELECT RAISE(ABORT, 'the custody ledger is append-only');
  END;
  -- The signed head, rewritten in the same transaction as every append.
  CREATE TABLE ledger_head (
    id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL, at TEXT NOT NULL, mac TEXT NOT NULL
  ) STRICT;

  -- The check-out register (police rules, Art. 11): one row per retrieve, closed by its return.
  CREATE TABLE checkouts (
    item_id TEXT NOT NULL REFERENCES items(id),
    out_seq INTEGER NOT NULL,
    order_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    taken_by TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    due_at TEXT NOT NULL,
    condition_out TEXT NOT NULL,
    in_seq INTEGER,
    returned_at TEXT,
    condition_in TEXT,
    condition_differs INTEGER,
    PRIMARY KEY (item_id, out_seq)
  ) STRICT;

  CREATE TABLE photos (
    sha256 TEXT NOT NULL, item_id TEXT NOT NULL REFERENCES items(id), seq INTEGER NOT NULL,
    content_type TEXT NOT NULL, size INTEGER NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (item_id, sha256)
  ) STRICT;

  CREATE TABLE alarms (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    state TEXT NOT NULL,
    cause_key TEXT NOT NULL,
    restricted INTEGER NOT NULL,
    item_id TEXT, epc TEXT, gate_id TEXT, zone_id TEXT, location_id TEXT, device_id TEXT, order_id TEXT,
    message TEXT NOT NULL,
    details TEXT NOT NULL,
    occurrences INTEGER NOT NULL,
    opened_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    acknowledged_by TEXT, acknowledged_at TEXT, acknowledge_note TEXT,
    resolved_by TEXT, resolved_at TEXT, resolve_note TEXT,
    version INTEGER NOT NULL
  ) STRICT;
  -- The same cause never has two live alarms: the rule updates the live one.
  CREATE UNIQUE INDEX alarms_live_cause ON alarms(cause_key) WHERE state <> 'resolved';
  CREATE INDEX alarms_state ON alarms(state, opened_at);
  `,
  // 2: gate crossings as decided, one row per (gate, tag, first sighting) so that a reader
  // re-sending its buffer after a restart cannot make the same crossing count twice.
  `
  CREATE TABLE crossings (
    id TEXT PRIMARY KEY,
    gate_id TEXT NOT NULL,
    epc TEXT NOT NULL,
    item_id TEXT,
    staff_id TEXT,
    direction TEXT NOT NULL,
    confidence REAL NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    read_count INTEGER NOT NULL,
    badges TEXT NOT NULL,
    order_id TEXT,
    decision TEXT NOT NULL,
    alarm_kinds TEXT NOT NULL,
    event_seq INTEGER,
    restricted INTEGER NOT NULL,
    agency_id TEXT,
    decided_at TEXT NOT NULL,
    UNIQUE (gate_id, epc, first_seen)
  ) STRICT;
  CREATE INDEX crossings_recent ON crossings(decided_at);
  `,
  // 3: the restricted zone's own hash chain (events keyed by chain and seq, a signed head per chain,
  // and (chain, seq) wherever an event is referenced).
  // Every event belongs to one chain, with its own seq from 1 and its own genesis: `main`, and
  // `restricted` for the discipline commission's zone, so that no count or sequence number other
  // roles can read moves with activity in that zone. Existing events all belong to `main` (which
  // before this migration also carried the zone's events); the gateway records the split as an
  // event in both chains on its next start (edge/ledger/split.ts), so that no history is rewritten.
  `
  CREATE TABLE events_chained (
    chain TEXT NOT NULL CHECK (chain IN ('main', 'restricted')),
    seq INTEGER NOT NULL,
    id TEXT NOT NULL UNIQUE,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    item_id TEXT,
    order_id TEXT,
    actors TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    details TEXT NOT NULL,
    restricted INTEGER NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (chain, seq)
  ) STRICT, WITHOUT ROWID;
  INSERT INTO events_chained (chain, seq, id, at, kind, item_id, order_id, actors, from_state, to_state, details, restricted, prev_hash, hash)
    SELECT 'main', seq, id, at, kind, item_id, order_id, actors, from_state, to_state, details, restricted, prev_hash, hash
    FROM events ORDER BY seq;
  DROP TABLE events;
  ALTER TABLE events_chained RENAME TO events;
  -- Clustered by (chain, seq): verify and the cursors read a chain in order without a second lookup.
  CREATE INDEX events_item ON events(item_id, at);
  CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN
    SELECT RAISE(ABORT, 'the custody ledger is append-only');
  END;
  CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN
    SELECT RAISE(ABORT, 'the custody ledger is append-only');
  END;

  -- One signed head per chain.
  CREATE TABLE ledger_heads (
    chain TEXT PRIMARY KEY CHECK (chain IN ('main', 'restricted')),
    seq INTEGER NOT NULL, hash TEXT NOT NULL, at TEXT NOT NULL, mac TEXT NOT NULL
  ) STRICT;
  INSERT INTO ledger_heads (chain, seq, hash, at, mac) SELECT 'main', seq, hash, at, mac FROM ledger_head;
  DROP TABLE ledger_head;

  -- A store whose main chain holds the zone's events is split once, by the gateway (it needs the site key).
  CREATE TABLE ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
  INSERT INTO ledger_meta (key, value) SELECT 'split_pending', '1' WHERE EXISTS (SELECT 1 FROM events WHERE restricted = 1);

  -- References to events name their chain beside the seq. Everything before this migration is main's.
  ALTER TABLE order_items ADD COLUMN done_chain TEXT;
  UPDATE order_items SET done_chain = 'main' WHERE done_seq IS NOT NULL;
  ALTER TABLE crossings ADD COLUMN event_chain TEXT;
  UPDATE crossings SET event_chain = 'main' WHERE event_seq IS NOT NULL;
  ALTER TABLE photos ADD COLUMN chain TEXT NOT NULL DEFAULT 'main';
  CREATE TABLE checkouts_chained (
    item_id TEXT NOT NULL REFERENCES items(id),
    out_chain TEXT NOT NULL,
    out_seq INTEGER NOT NULL,
    order_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    taken_by TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    due_at TEXT NOT NULL,
    condition_out TEXT NOT NULL,
    in_chain TEXT,
    in_seq INTEGER,
    returned_at TEXT,
    condition_in TEXT,
    condition_differs INTEGER,
    PRIMARY KEY (item_id, out_chain, out_seq)
  ) STRICT;
  INSERT INTO checkouts_chained SELECT item_id, 'main', out_seq, order_id, purpose, taken_by, approved_by, due_at, condition_out,
    CASE WHEN in_seq IS NULL THEN NULL ELSE 'main' END, in_seq, returned_at, condition_in, condition_differs FROM checkouts;
  DROP TABLE checkouts;
  ALTER TABLE checkouts_chained RENAME TO checkouts;
  CREATE INDEX checkouts_open ON checkouts(item_id) WHERE in_seq IS NULL;
  `,

  // 4: gate decisions on the gateway's clock, with the device's own times kept as evidence, and
  // decisions that failed recorded as such.
  `
  -- first_seen/last_seen are on the gateway's clock (the reader's own times mapped by its measured
  -- offset); the reader's own times are kept beside them as evidence.
  ALTER TABLE crossings ADD COLUMN device_first_seen TEXT;
  ALTER TABLE crossings ADD COLUMN device_last_seen TEXT;
  -- A decision that threw: decision = 'failed' and the error, so that it is seen and not retried.
  ALTER TABLE crossings ADD COLUMN error TEXT;
  `,

  // 5: storage rules per category, final states off the shelves, disposal method on dispose orders.
  `
  -- A dispose order carries the decision it executes: how the items are disposed of, the document, who decided.
  ALTER TABLE orders ADD COLUMN disposal_method TEXT;
  ALTER TABLE orders ADD COLUMN decision_ref TEXT;
  ALTER TABLE orders ADD COLUMN decided_by TEXT;
  -- An item in a final state is on no shelf and in no zone; its last place stays in its events.
  UPDATE items SET zone_id = NULL, location_id = NULL
    WHERE state IN ('rejected', 'withdrawn', 'disposed') AND (zone_id IS NOT NULL OR location_id IS NOT NULL);
  `,

  // 6: two-person operations: the pending operation waiting for a second person's confirmation.
  // A pending operation holds the operation's name and its input as the requester sent them, so
  // that the confirmation re-runs the very same operation (and its checks) when it applies. Its
  // `restricted` is the item's at the time of the request: a pending operation in the commission's
  // zone stays the commission's even after the item leaves the zone.
  `
  CREATE TABLE pending_operations (
    id TEXT PRIMARY KEY,
    operation TEXT NOT NULL,
    item_id TEXT NOT NULL REFERENCES items(id),
    input TEXT NOT NULL,
    restricted INTEGER NOT NULL,
    requested_by TEXT NOT NULL,
    requested_name TEXT NOT NULL,
    requested_role TEXT NOT NULL,
    requested_staff TEXT,
    requested_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'confirmed', 'expired', 'refused')),
    decided_by TEXT,
    decided_name TEXT,
    decided_role TEXT,
    decided_via TEXT,
    decided_at TEXT,
    reason TEXT,
    event_chain TEXT,
    event_seq INTEGER
  ) STRICT;
  CREATE INDEX pending_operations_item ON pending_operations(item_id, requested_at);
  CREATE INDEX pending_operations_list ON pending_operations(requested_at, id);
  CREATE INDEX pending_operations_waiting ON pending_operations(expires_at) WHERE state = 'pending';

  -- Attempts that did not decide it (the requester confirming their own operation): kept as evidence.
  CREATE TABLE pending_operation_attempts (
    pending_id TEXT NOT NULL REFERENCES pending_operations(id),
    at TEXT NOT NULL,
    by TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    via TEXT NOT NULL,
    code TEXT NOT NULL
  ) STRICT;
  CREATE INDEX pending_operation_attempts_of ON pending_operation_attempts(pending_id);
  `,

  // 7: a crossing's first sighting on the gateway's clock depends on the reader's offset measured at
  // the time, so a buffer re-sent after a reconnection could map to another instant: the reader's own
  // time of the first read is what identifies a re-sent pass (the old key still holds for older rows).
  `
  CREATE UNIQUE INDEX crossings_device_first_seen ON crossings(gate_id, epc, device_first_seen) WHERE device_first_seen IS NOT NULL;
  `,

  // 8: shelves. Where and when a shelf reader last saw each item (kept in memory and written at most
  // once a minute per item, never through the ledger: a sighting is not a change of custody), the
  // shelf's confirmation of a putaway (the first sighting at the item's own location after it), and
  // an item's weight for the load cells under the shelves.
  `
  ALTER TABLE items ADD COLUMN last_seen_at TEXT;
  ALTER TABLE items ADD COLUMN last_seen_location_id TEXT;
  ALTER TABLE items ADD COLUMN confirmed_at TEXT;
  ALTER TABLE items ADD COLUMN confirmed_location_id TEXT;
  ALTER TABLE items ADD COLUMN weight_grams REAL;
  -- An unexpected removal cites the item's gate crossings since it was last seen.
  CREATE INDEX crossings_item ON crossings(item_id, first_seen) WHERE item_id IS NOT NULL;
  `,

  // 9: intake desk enrolment (一物一码). An item may be announced untagged and get its tag at the
  // intake desk; re-tagging (换签) retires the old EPC for good. `items.epc` becomes nullable (still
  // unique: SQLite lets several NULLs through a UNIQUE constraint), which SQLite can only do by
  // rebuilding the table. The runner keeps foreign_keys on and runs each migration in a transaction,
  // where that pragma cannot be switched off, so the documented create-copy-drop-rename would fail at
  // commit: dropping items counts the rows of order_items, checkouts, photos and pending_operations
  // as deferred violations that no rename takes back. Instead the rows are copied aside, items is
  // dropped and created again under its own name, and the rows go back in: each row put back settles
  // the violations its drop counted, so the commit still checks every reference, and no other table's
  // schema is rewritten. Every index and trigger on items (migrations 1 and 8) is created again after
  // the rows are back, so that item_counts, already right, is not counted twice.
  `
  PRAGMA defer_foreign_keys = ON;
  CREATE TEMP TABLE items_v8 AS SELECT _rowid_ AS old_rowid, * FROM items;
  DROP TABLE items;
  CREATE TABLE items (
    id TEXT PRIMARY KEY,
    -- NULL until the intake desk binds a tag to the item.
    epc TEXT UNIQUE,
    name TEXT NOT NULL,
    description TEXT,
    category_id TEXT NOT NULL REFERENCES categories(id),
    quantity REAL NOT NULL,
    unit TEXT NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    zone_id TEXT REFERENCES zones(id),
    location_id TEXT REFERENCES locations(id),
    state TEXT NOT NULL,
    restricted INTEGER NOT NULL,
    due_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_seen_at TEXT,
    last_seen_location_id TEXT,
    confirmed_at TEXT,
    confirmed_location_id TEXT,
    weight_grams REAL
  ) STRICT;
  INSERT INTO items (rowid, id, epc, name, description, category_id, quantity, unit, case_id, agency_id, zone_id, location_id, state,
      restricted, due_at, created_at, updated_at, last_seen_at, last_seen_location_id, confirmed_at, confirmed_location_id, weight_grams)
    SELECT old_rowid, id, epc, name, description, category_id, quantity, unit, case_id, agency_id, zone_id, location_id, state,
      restricted, due_at, created_at, updated_at, last_seen_at, last_seen_location_id, confirmed_at, confirmed_location_id, weight_grams
    FROM items_v8 ORDER BY old_rowid;
  DROP TABLE items_v8;
  CREATE INDEX items_case ON items(case_id);
  CREATE INDEX items_agency ON items(agency_id, id);
  CREATE INDEX items_zone ON items(zone_id, id);
  CREATE INDEX items_location ON items(location_id);
  CREATE INDEX items_state ON items(state, id);
  CREATE INDEX items_due ON items(due_at) WHERE state = 'out';
  CREATE TRIGGER item_counts_insert AFTER INSERT ON items BEGIN
    INSERT INTO item_counts VALUES (coalesce(NEW.zone_id, ''), NEW.agency_id, NEW.state, 1)
      ON CONFLICT DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER item_counts_update AFTER UPDATE OF zone_id, agency_id, state ON items BEGIN
    UPDATE item_counts SET n = n - 1
      WHERE zone_id = coalesce(OLD.zone_id, '') AND agency_id = OLD.agency_id AND state = OLD.state;
    INSERT INTO item_counts VALUES (coalesce(NEW.zone_id, ''), NEW.agency_id, NEW.state, 1)
      ON CONFLICT DO UPDATE SET n = n + 1;
  END;

  -- An EPC once retired (换签) is never bound again; seen later, it names the item it belonged to.
  -- chain and seq: the custody event that retired it.
  CREATE TABLE retired_epcs (
    epc TEXT PRIMARY KEY,
    item_id TEXT NOT NULL REFERENCES items(id),
    retired_at TEXT NOT NULL,
    chain TEXT NOT NULL,
    seq INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX retired_epcs_item ON retired_epcs(item_id);

  -- An enrolment at a desk reader: waiting for the tag on the desk, then one final outcome, kept so
  -- that outcomes survive a restart and can be listed. restricted is the item's when it was opened.
  CREATE TABLE enrolments (
    id TEXT PRIMARY KEY,
    item_id TEXT NOT NULL REFERENCES items(id),
    device_id TEXT NOT NULL,
    replace_tag INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('waiting', 'bound', 'several_tags', 'refused', 'timed_out', 'cancelled')),
    opened_by TEXT NOT NULL,
    opened_by_name TEXT NOT NULL,
    opened_role TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ended_at TEXT,
    ended_by TEXT,
    epc TEXT,
    retired_epc TEXT,
    refusal TEXT,
    tags_on_desk INTEGER,
    restricted INTEGER NOT NULL,
    event_chain TEXT,
    event_seq INTEGER
  ) STRICT;
  -- One waiting enrolment per desk reader and per item.
  CREATE UNIQUE INDEX enrolments_waiting_device ON enrolments(device_id) WHERE state = 'waiting';
  CREATE UNIQUE INDEX enrolments_waiting_item ON enrolments(item_id) WHERE state = 'waiting';
  CREATE INDEX enrolments_list ON enrolments(opened_at, id);
  CREATE INDEX enrolments_item ON enrolments(item_id);
  `,
  // 10: cycle counts (盘点). A count's scope is a zone or a list of locations; while it is open, the
  // shelf readers' rounds and the handhelds' reads are its sightings (the last place each EPC was
  // read) and its covered locations (read at least once); closing it stores the report, its
  // SHA-256 and the custody event that carries the hash. restricted: the count is the commission's.
  `
  CREATE TABLE counts (
    id TEXT PRIMARY KEY,
    zone_id TEXT,
    location_ids TEXT NOT NULL,
    restricted INTEGER NOT NULL,
    note TEXT,
    state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    opened_at TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    opened_by_name TEXT NOT NULL,
    opened_role TEXT NOT NULL,
    closed_at TEXT,
    closed_by TEXT,
    closed_by_name TEXT,
    report TEXT,
    report_sha256 TEXT,
    event_chain TEXT,
    event_seq INTEGER
  ) STRICT;
  CREATE INDEX counts_list ON counts(opened_at, id);
  CREATE INDEX counts_open ON counts(state) WHERE state = 'open';
  CREATE TABLE count_sightings (
    count_id TEXT NOT NULL REFERENCES counts(id),
    epc TEXT NOT NULL,
    location_id TEXT NOT NULL,
    via TEXT NOT NULL CHECK (via IN ('shelf', 'handheld')),
    device_id TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (count_id, epc)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE count_places (
    count_id TEXT NOT NULL REFERENCES counts(id),
    location_id TEXT NOT NULL,
    covered_at TEXT NOT NULL,
    via TEXT NOT NULL CHECK (via IN ('shelf', 'handheld')),
    PRIMARY KEY (count_id, location_id)
  ) STRICT, WITHOUT ROWID;
  `,
  // 11: the city platform link (edge/sync/). The ledger itself is the outbox: each destination keeps
  // only how far the platform has acknowledged its chain (written in the transaction that records
  // the acknowledgement). The inbox keeps its cursor with the changes it applied, and every change it
  // could not apply, with the reason. Staff rows say who owns them: the site file or the platform.
  `
  CREATE TABLE sync_destinations (
    id TEXT PRIMARY KEY,
    chain TEXT NOT NULL CHECK (chain IN ('main', 'restricted')),
    mode TEXT NOT NULL CHECK (mode IN ('events', 'anchor')),
    acked_seq INTEGER NOT NULL DEFAULT 0,
    acked_hash TEXT NOT NULL DEFAULT '${'0'.repeat(64)}',
    acked_at TEXT,
    last_success_at TEXT,
    last_error TEXT,
    last_error_at TEXT
  ) STRICT;
  CREATE TABLE sync_inbox (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    cursor TEXT,
    last_poll_at TEXT,
    last_success_at TEXT,
    last_error TEXT
  ) STRICT;
  CREATE TABLE sync_refused (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('order', 'staff', 'item')),
    ref TEXT,
    code TEXT NOT NULL,
    reason TEXT NOT NULL,
    change TEXT NOT NULL
  ) STRICT;
  -- The version of each alarm the platform has acknowledged (alarms go up idempotent by id and version).
  CREATE TABLE sync_alarms (alarm_id TEXT PRIMARY KEY, destination TEXT NOT NULL, version INTEGER NOT NULL) STRICT;
  -- How far the periodic uploads have gone (the environment summaries' last hour sent, the last inventory snapshot).
  CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
  CREATE INDEX alarms_updated ON alarms(updated_at);
  ALTER TABLE staff ADD COLUMN source TEXT NOT NULL DEFAULT 'site' CHECK (source IN ('site', 'platform'));
  ALTER TABLE staff ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
  `,
  // 12: warnings before the fact (edge/rules/due-soon.ts, edge/rules/retention.ts). A case may carry
  // the date until which its items may be kept (set through the API or by the platform); a category
  // its retention period in days (mirrored from the site file). The period counts from the item's
  // reception: kept on the item, set by a trigger on its first reception (so that no operation has
  // to remember it), and taken from the ledger for the items received before this migration.
  `
  ALTER TABLE cases ADD COLUMN retain_until TEXT;
  ALTER TABLE cases ADD COLUMN retain_set_by TEXT;
  ALTER TABLE cases ADD COLUMN retain_set_at TEXT;
  ALTER TABLE cases ADD COLUMN retain_note TEXT;
  ALTER TABLE categories ADD COLUMN retention_days INTEGER;
  ALTER TABLE items ADD COLUMN received_at TEXT;
  UPDATE items SET received_at = (SELECT min(e.at) FROM events e WHERE e.item_id = items.id AND e.kind = 'received');
  CREATE TRIGGER items_received_at AFTER UPDATE OF state ON items
    WHEN NEW.state = 'received' AND NEW.received_at IS NULL BEGIN
    UPDATE items SET received_at = NEW.updated_at WHERE id = NEW.id;
  END;
  CREATE INDEX cases_retain_until ON cases(retain_until) WHERE retain_until IS NOT NULL;
  CREATE INDEX items_stored_received ON items(category_id, received_at) WHERE state = 'stored';
  -- A warning is raised once per cause, resolved or not: the rules look a cause up in every state.
  CREATE INDEX alarms_cause ON alarms(cause_key);
  `,
  // 13: statistics (edge/stats/statistics.ts). A month is some 200,000 movements among millions of
  // events, and reading each event's row for its agency (JSON) and its item for the category cost
  // seconds: each movement (received, putaway, retrieved, returned, circulated, disposed) is also
  // written, as the ledger appends it, to a narrow row with the controlling agency before it and the
  // item's category, read by time from one covering index. The ledger stays the record: these rows
  // are derived from it (and filled from it here). Each also carries its item's present agency and
  // restricted flag, kept by a trigger on items, because an agency reads the events of the items it
  // controls now (GET /events): its figures come from its own rows of one index, not from a lookup of
  // every movement's item. Alarms by opening time.
  `
  CREATE TABLE event_movements (
    chain TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL, restricted INTEGER NOT NULL,
    item_id TEXT, agency_id TEXT, category_id TEXT, item_agency_id TEXT, item_restricted INTEGER,
    PRIMARY KEY (chain, seq)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX event_movements_span ON event_movements(chain, at, kind, restricted, agency_id, category_id, item_agency_id, item_restricted);
  CREATE INDEX event_movements_item_agency ON event_movements(chain, item_agency_id, at, kind, restricted, agency_id, category_id, item_restricted);
  CREATE INDEX event_movements_item ON event_movements(item_id);
  -- The same counted per UTC day: a month is read as some thirty days of totals and the hours at its
  -- edges as rows (a site's day does not begin at UTC midnight). SQLite has no hash aggregation, so
  -- grouping 200,000 rows is a sort: the days keep it to a few thousand. '' for an unknown agency or category.
  CREATE TABLE event_movement_days (
    chain TEXT NOT NULL, day TEXT NOT NULL, kind TEXT NOT NULL, restricted INTEGER NOT NULL,
    agency_id TEXT NOT NULL, category_id TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (chain, day, kind, restricted, agency_id, category_id)
  ) STRICT, WITHOUT ROWID;
  CREATE TRIGGER event_movement_days_insert AFTER INSERT ON event_movements BEGIN
    INSERT INTO event_movement_days (chain, day, kind, restricted, agency_id, category_id, n)
      VALUES (NEW.chain, substr(NEW.at, 1, 10), NEW.kind, NEW.restricted, ifnull(NEW.agency_id, ''), ifnull(NEW.category_id, ''), 1)
      ON CONFLICT DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER event_movements_insert AFTER INSERT ON events
    WHEN NEW.kind IN ${MOVEMENT_KINDS_SQL} BEGIN
    INSERT INTO event_movements (chain, seq, at, kind, restricted, item_id, agency_id, category_id, item_agency_id, item_restricted)
      SELECT NEW.chain, NEW.seq, NEW.at, NEW.kind, NEW.restricted, NEW.item_id, json_extract(NEW.from_state, '$.agencyId'),
        i.category_id, i.agency_id, i.restricted FROM (SELECT 1) LEFT JOIN items i ON i.id = NEW.item_id;
  END;
  CREATE TRIGGER event_movements_item_changed AFTER UPDATE OF agency_id, restricted ON items
    WHEN OLD.agency_id IS NOT NEW.agency_id OR OLD.restricted IS NOT NEW.restricted BEGIN
    UPDATE event_movements SET item_agency_id = NEW.agency_id, item_restricted = NEW.restricted WHERE item_id = NEW.id;
  END;
  ${EVENT_MOVEMENTS_FILL}
  CREATE INDEX alarms_opened ON alarms(opened_at);
  `,
];
