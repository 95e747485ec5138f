// What else goes up besides the ledger: alarms (idempotent by id and version: each alarm's
// acknowledged version is kept, so that a new version goes up once and an old one never again),
// the inventory snapshot and the environment summaries per zone and hour, on a schedule. The
// restricted zone's alarms go to the commission's endpoint only; its items and its zone's
// environment never leave for the city platform.
import type { CustodyContext } from '../context.ts';
import type { EnvironmentHistory } from '../history/environment.ts';
import { alarmToApi } from '../alarms/alarm.ts';
import { METRIC_UNITS } from '../rules/environment.ts';
import { prepared } from '../store/db.ts';
import type { Failure, PlatformClient } from './client.ts';

const ALARM_BATCH = 500;
/** One part of the inventory snapshot stays well under the platform's 1 MiB body. */
const INVENTORY_PART_BYTES = 900 * 1024;
const HOUR = 3_600_000;
/** After a long outage, environment summaries go up for at most this far back at once. */
const ENV_CATCH_UP_HOURS = 24 * 7;

export type Upload = { ok: true; sent: number } | { ok: false; failure: Failure };

export class Uplink {
  constructor(private readonly ctx: CustodyContext, private readonly history: EnvironmentHistory, private readonly siteId: string) {}

  private path(what: string) { return `/v1/sites/${encodeURIComponent(this.siteId)}/${what}`; }

  /** Alarms whose current version has not been acknowledged: the restricted zone's (the commission's), or the rest (the city's). */
  pendingAlarms(restricted: boolean): number {
    return (prepared(this.ctx.db, `SELECT count(*) AS n FROM alarms a LEFT JOIN sync_alarms s ON s.alarm_id = a.id
      WHERE a.restricted = ? AND (s.version IS NULL OR s.version < a.version)`).get(restricted ? 1 : 0) as { n: number }).n;
  }

  async sendAlarms(client: PlatformClient, destination: string, restricted: boolean): Promise<Upload> {
    let sent = 0;
    for (;;) {
      const rows = prepared(this.ctx.db, `SELECT a.* FROM alarms a LEFT JOIN sync_alarms s ON s.alarm_id = a.id
        WHERE a.restricted = ? AND (s.version IS NULL OR s.version < a.version) ORDER BY a.updated_at, a.id LIMIT ?`)
        .all(restricted ? 1 : 0, ALARM_BATCH) as Parameters<typeof alarmToApi>[0][];
      if (!rows.length) return { ok: true, sent };
      const alarms = rows.map(alarmToApi);
      const res = await client.request('POST', this.path('alarms'), { alarms });
      if (!res.ok) return res;
      const mark = prepared(this.ctx.db, `INSERT INTO sync_alarms (alarm_id, destination, version) VALUES (?, ?, ?)
        ON CONFLICT(alarm_id) DO UPDATE SET version = max(version, excluded.version), destination = excluded.destination`);
      this.ctx.db.transaction(() => { for (const a of alarms) mark.run(a.id, destination, a.version); })();
      sent += alarms.length;
      if (rows.length < ALARM_BATCH) return { ok: true, sent };
    }
  }

  /** The snapshot of every item the city platform may see (the restricted zone's never). */
  async sendInventory(client: PlatformClient): Promise<Upload> {
    const items = (prepared(this.ctx.db, `SELECT i.id, i.epc, i.state, i.zone_id, i.location_id, i.agency_id, c.number AS case_number
      FROM items i JOIN cases c ON c.id = i.case_id WHERE i.restricted = 0 AND i.state NOT IN ('disposed', 'withdrawn', 'rejected') ORDER BY i.id`).all() as
      { id: string; epc: string | null; state: string; zone_id: string | null; location_id: string | null; agency_id: string; case_number: string }[])
      .map((r) => ({ id: r.id, epc: r.epc, state: r.state, zoneId: r.zone_id, locationId: r.location_id, agencyId: r.agency_id, caseNumber: r.case_number }));
    const at = this.ctx.nowIso();
    // In parts under the platform's 1 MiB body limit (a large center holds a million items); the
    // platform replaces its snapshot once every part of this `at` is there.
    const parts: (typeof items)[] = [[]];
    let bytes = 0;
    for (const it of items) {
      const size = JSON.stringify(it).length + 1;
      if (bytes + size > INVENTORY_PART_BYTES && parts[parts.length - 1]!.length) { parts.push([]); bytes = 0; }
      parts[parts.length - 1]!.push(it);
      bytes += size;
    }
    for (const [part, chunk] of parts.entries()) {
      const res = await client.request('PUT', this.path('inventory'), { at, part, parts: parts.length, items: chunk });
      if (!res.ok) return res;
    }
    this.setState('inventory.sentAt', at);
    return { ok: true, sent: items.length };
  }

  /** Hourly summaries of the zones' environment for every whole hour not yet sent (the restricted zone's never). */
  async sendEnvironment(client: PlatformClient): Promise<Upload> {
    const now = this.ctx.clock.now();
    const lastWhole = Math.floor(now / HOUR) * HOUR;
    const sentThrough = Number(this.state('environment.sentThrough') ?? 0);
    let from = Math.max(sentThrough, lastWhole - ENV_CATCH_UP_HOURS * HOUR);
    let sent = 0;
    while (from < lastWhole) {
      const to = from + HOUR;
      const summaries = this.history.summaries(from, to).filter((s) => !this.ctx.isRestrictedZone(s.zone)).map((s) => ({
        zoneId: s.zone, metric: s.metric, unit: METRIC_UNITS[s.metric] ?? '', from: new Date(from).toISOString(), to: new Date(to).toISOString(),
        min: s.min, avg: Math.round(s.avg * 1e4) / 1e4, max: s.max, count: s.count,
      }));
      if (summaries.length) {
        const res = await client.request('POST', this.path('environment'), { summaries });
        if (!res.ok) return res;
        sent += summaries.length;
      }
      this.setState('environment.sentThrough', String(to));
      from = to;
    }
    return { ok: true, sent };
  }

  state(key: string): string | null {
    return (prepared(this.ctx.db, 'SELECT value FROM sync_state WHERE key = ?').get(key) as { value: string } | undefined)?.value ?? null;
  }

  private setState(key: string, value: string): void {
    prepared(this.ctx.db, 'INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }
}
