// A cycle count's verdict (盘点), as a pure function: what the ledger says should be in the count's
// locations, what the shelves and handhelds read there while it was open, which locations were read
// at all, and what the load cells weighed; out comes one line per item or stray tag, each in one
// class. The same function gives the live progress of an open count and the report that closing it
// fingerprints, so that the figures a supervisor watches are the figures the report keeps.

/** The classes of a report's lines, in the order a supervisor acts on them. */
export const COUNT_CLASSES = ['missing', 'misplaced', 'unexpected', 'weight_mismatch', 'not_counted', 'checked_out', 'found'] as const;
export type CountClass = (typeof COUNT_CLASSES)[number];
export const COUNT_VIA = ['shelf', 'handheld'] as const;
export type CountVia = (typeof COUNT_VIA)[number];

/** Where an EPC was last read during the count. */
export interface Sighting { locationId: string; at: number; via: CountVia; deviceId: string }

/** An item as the count needs it: expected in scope (stored or out from there), or found in scope from elsewhere. */
export interface CountItem {
  id: string; epc: string | null; name: string; caseNumber: string; state: string; locationId: string | null;
  weightGrams: number | null; restricted: boolean;
}

/** A load cell's reading taken during the count, and what its location should weigh. */
export interface CountWeight { measuredGrams: number; expectedGrams: number; toleranceGrams: number }

export interface CountFacts {
  /** The count's locations. */
  scope: ReadonlySet<string>;
  restricted: boolean;
  /** Items whose place is in scope, stored there or checked out from there. */
  expected: readonly CountItem[];
  sightings: ReadonlyMap<string, Sighting>;
  /** Where the shelves read an expected item outside the count's scope while it ran (misplaced there, not missing). */
  elsewhere: ReadonlyMap<string, Sighting>;
  /** Tags read in scope that are no stray: staff badges, locations' own tags. */
  ignored: ReadonlySet<string>;
  covered: ReadonlySet<string>;
  /** The items carrying EPCs read in scope that are not expected there (looked up by the caller). */
  others: ReadonlyMap<string, CountItem>;
  weights: ReadonlyMap<string, CountWeight>;
}

/** A line's keys are in RFC 8785 order (UTF-16 code units), and `line()` builds them so: see canonicalReportJson. */
export interface CountLine {
  caseNumber: string | null;
  class: CountClass;
  epc: string | null;
  /** For weight_mismatch: what the location's load cell should have weighed, and weighed. */
  expectedGrams: number | null;
  expectedLocationId: string | null;
  itemId: string | null;
  itemName: string | null;
  measuredGrams: number | null;
  seenAt: string | null;
  seenLocationId: string | null;
  via: CountVia | null;
}

export type CountTotals = Record<CountClass, number>;

export function countLines(f: CountFacts): CountLine[] {
  const lines: CountLine[] = [];
  const accounted = new Set<string>();
  const iso = isoOf();
  for (const item of f.expected) {
    const seen = item.epc !== null ? f.sightings.get(item.epc) ?? f.elsewhere.get(item.epc) : undefined;
    if (item.epc !== null) accounted.add(item.epc);
    lines.push(line(classOf(item, seen, f), item, seen, f, iso));
  }
  // Read in scope, expected nowhere in it: another location's item (misplaced) or a tag that should not be on a shelf.
  for (const [epc, seen] of f.sightings) {
    if (accounted.has(epc) || f.ignored.has(epc) || !f.scope.has(seen.locationId)) continue;
    const item = f.others.get(epc);
    // The other chain's item is named only in its own chain's counts: here it is a tag, no more.
    const known = item && item.restricted === f.restricted ? item : undefined;
    const cls: CountClass = known && known.state === 'stored' ? 'misplaced' : 'unexpected';
    lines.push(line(cls, known ?? null, seen, f, iso, epc));
  }
  return sortLines(lines);
}

function classOf(item: CountItem, seen: Sighting | undefined, f: CountFacts): CountClass {
  if (item.state === 'out') return 'checked_out';
  if (seen && seen.locationId !== item.locationId) return 'misplaced';
  const home = item.locationId;
  // Its location was read and it was not there: a weight cannot say which item is gone.
  if (!seen && home && f.covered.has(home)) return 'missing';
  // A bulk item on a load cell that weighs wrong, read in place or on a cabinet no antenna reads.
  if (item.weightGrams !== null && home && weighsWrong(f.weights.get(home))) return 'weight_mismatch';
  return seen ? 'found' : 'not_counted';
}

const weighsWrong = (w: CountWeight | undefined) => !!w && Math.abs(w.measuredGrams - w.expectedGrams) > w.toleranceGrams;

/** A round's items share its time: each instant written once, not once per line. */
function isoOf(): (at: number) => string {
  const memo = new Map<number, string>();
  return (at) => {
    let s = memo.get(at);
    if (s === undefined) memo.set(at, (s = new Date(at).toISOString()));
    return s;
  };
}

function line(cls: CountClass, item: CountItem | null, seen: Sighting | undefined, f: CountFacts, iso: (at: number) => string, epc?: string): CountLine {
  const w = cls === 'weight_mismatch' && item?.locationId ? f.weights.get(item.locationId) : undefined;
  // Keys in canonical order (the interface's): the report's serialiser relies on it.
  return {
    caseNumber: item?.caseNumber ?? null, class: cls, epc: item?.epc ?? epc ?? null, expectedGrams: w?.expectedGrams ?? null,
    expectedLocationId: item?.locationId ?? null, itemId: item?.id ?? null, itemName: item?.name ?? null, measuredGrams: w?.measuredGrams ?? null,
    seenAt: seen ? iso(seen.at) : null, seenLocationId: seen?.locationId ?? null, via: seen?.via ?? null,
  };
}

const RANK = new Map(COUNT_CLASSES.map((c, i) => [c, i]));

/** By class (the order to act on), then place, item and EPC; the keys computed once per line, not per comparison. */
function sortLines(lines: CountLine[]): CountLine[] {
  const keyed = lines.map((l) => ({ l, r: RANK.get(l.class)!, k: `${l.expectedLocationId ?? l.seenLocationId ?? ''}\u0000${l.itemId ?? ''}\u0000${l.epc ?? ''}` }));
  keyed.sort((a, b) => a.r - b.r || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return keyed.map((x) => x.l);
}

export function countTotals(lines: readonly CountLine[]): CountTotals {
  const t = Object.fromEntries(COUNT_CLASSES.map((c) => [c, 0])) as CountTotals;
  for (const l of lines) t[l.class]++;
  return t;
}
