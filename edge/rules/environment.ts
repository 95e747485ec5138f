// The zones' environment as the edge sees it: every monitor's value (an `env` observation) is checked
// for being possible, kept as the zone's current reading, written to the history, and run through
// its metric's breach machine (env/breach.ts): a temperature or humidity outside the zone's limit
// longer than the delay opens `environment` (warning, critical after a second span), smoke and
// water open a critical alarm at once, a door open outside the zone's working hours too; each
// resolves itself once the value has been back inside for the delay. The clock alone also moves
// them (Custody.tick): a value that stays out escalates with no new reading, a door left open past
// closing time alarms. Decisions run on the gateway's clock, never a monitor's.
import type { CustodyContext } from '../context.ts';
import type { EnvObservation } from '../observations.ts';
import type { NewEvent } from '../ledger/ledger.ts';
import type { Zone } from '../site/schema.ts';
import { autoResolve, raiseAlarm } from '../alarms/alarm.ts';
import { prepared } from '../store/db.ts';
import { calendarOf, type SiteCalendar } from '../time/calendar.ts';
import { ENV_UNITS } from '../site/opcua.ts';
import type { EnvironmentHistory } from '../history/environment.ts';
import { calm, step, type BreachAction, type BreachState, type Limit } from './env/breach.ts';

/** The metrics the rules know, with their units; a monitor may report others by name, kept and charted, never alarmed on without a limit. */
export const METRIC_UNITS: Record<string, string> = ENV_UNITS;
const METRIC_ZH: Record<string, string> = { temperature: '温度', humidity: '湿度', smoke: '烟感', water: '水浸', door: '门' };
/** On or off (1 or 0): smoke and water alarm at once; a door only outside working hours. */
const SWITCHES = new Set(['smoke', 'water', 'door']);
const SWITCH_LIMIT: Limit = { max: 0.5, hysteresis: 0 };
/** What no working sensor reports: a device fault, never a reading. */
const POSSIBLE: Record<string, [number, number]> = { temperature: [-60, 120], humidity: [0, 100] };

export interface ZoneReading { metric: string; value: number; unit: string; at: string; deviceId: string }
export interface EnvRefusal { reason: 'unknown_device' | 'unknown_location' | 'invalid'; detail: string }

interface Track { reading: ZoneReading | null; breach: BreachState }

export const environmentCause = (zoneId: string, metric: string) => `environment:${zoneId}:${metric}`;

export class EnvironmentWatch {
  private readonly tracks = new Map<string, Map<string, Track>>();
  private readonly monitors = new Set<string>();
  private readonly cal: SiteCalendar;

  constructor(private readonly ctx: CustodyContext, private readonly history: EnvironmentHistory | null) {
    for (const d of ctx.site.devices) if (d.kind === 'env_monitor') this.monitors.add(d.id);
    for (const z of ctx.site.zones) this.tracks.set(z.id, new Map());
    this.cal = calendarOf(ctx.site.site.timezone);
    // The last values of the last hour, so that a custody event right after a restart still records its zone's conditions.
    for (const r of history?.latest(ctx.clock.now() - 3_600_000) ?? []) {
      const t = this.track(r.zone, r.metric);
      if (t) t.reading = { metric: r.metric, value: r.value, unit: METRIC_UNITS[r.metric] ?? '', at: new Date(r.at).toISOString(), deviceId: 'history' };
    }
    // A breach whose alarm is live goes on after a restart: its next value says whether it has ended.
    const live = prepared(ctx.db, `SELECT zone_id, details, severity, opened_at FROM alarms WHERE kind = 'environment' AND state <> 'resolved'`).all() as
      { zone_id: string; details: string; severity: 'warning' | 'critical'; opened_at: string }[];
    for (const a of live) {
      const metric = (JSON.parse(a.details) as { metric?: string }).metric;
      const t = metric ? this.track(a.zone_id, metric) : undefined;
      if (t) t.breach = { ...calm(), out: true, outSince: Date.parse(a.opened_at), alarm: a.severity, alarmSince: Date.parse(a.opened_at) };
    }
  }

  private track(zoneId: string, metric: string): Track | undefined {
    const zone = this.tracks.get(zoneId);
    if (!zone) return undefined;
    let t = zone.get(metric);
    if (!t) zone.set(metric, (t = { reading: null, breach: calm() }));
    return t;
  }

  /** One value of one monitor. Null when taken; a refusal (counted and logged by the edge) for what cannot be a reading. */
  observe(o: EnvObservation): EnvRefusal | null {
    if (!this.monitors.has(o.deviceId)) return { reason: 'unknown_device', detail: `no environment monitor ${o.deviceId}` };
    const zone = this.ctx.zones.get(o.zoneId);
    if (!zone) return { reason: 'unknown_location', detail: `no zone ${o.zoneId}` };
    const impossible = impossibility(o.metric, o.value);
    if (impossible) return { reason: 'invalid', detail: `impossible ${o.metric} ${o.value}: ${impossible}` };
    const now = this.ctx.clock.now();
    const t = this.track(zone.id, o.metric)!;
    t.reading = { metric: o.metric, value: o.value, unit: o.unit ?? METRIC_UNITS[o.metric] ?? '', at: new Date(now).toISOString(), deviceId: o.deviceId };
    this.history?.add(zone.id, o.metric, now, o.value);
    this.decide(zone, o.metric, t, this.effective(zone, o.metric, o.value, now), now);
    return null;
  }

  /** The clock alone: breaches that outlast their delay or their second span, doors still open at closing time. */
  tick(): void {
    const now = this.ctx.clock.now();
    for (const zone of this.ctx.site.zones) {
      for (const [metric, t] of this.tracks.get(zone.id)!) {
        const value = metric === 'door' && t.reading ? this.effective(zone, metric, t.reading.value, now) : null;
        this.decide(zone, metric, t, value, now);
      }
    }
  }

  /** A door open during working hours is no breach: its value for the rules is 0 then. */
  private effective(zone: Zone, metric: string, value: number, now: number): number {
    if (metric !== 'door' || value < 0.5) return value;
    const hours = zone.environment.workingHours;
    if (!hours) return 0;
    const p = this.cal.parts(now);
    const hm = `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
    return hours.days.includes(p.weekday) && hm >= hours.from && hm < hours.to ? 0 : 1;
  }

  private decide(zone: Zone, metric: string, t: Track, value: number | null, now: number): void {
    const limit = SWITCHES.has(metric) ? SWITCH_LIMIT : zone.limits[metric] ?? null;
    if (!limit) return;
    const cfg = { delayMs: zone.environment.delaySeconds * 1000, criticalAfterMs: zone.environment.criticalAfterSeconds * 1000 };
    const { state, action } = step(t.breach, value, now, limit, cfg, SWITCHES.has(metric));
    if (action) this.ctx.transaction(() => this.act(zone, metric, t, state, limit, action, now));
    t.breach = state;
  }

  private act(zone: Zone, metric: string, t: Track, s: BreachState, limit: Limit, action: NonNullable<BreachAction>, now: number): void {
    const cause = environmentCause(zone.id, metric);
    const r = t.reading;
    const name = METRIC_ZH[metric] ?? metric;
    if (action.kind === 'resolve') {
      autoResolve(this.ctx, cause, SWITCHES.has(metric) ? `${zone.name}${name}已恢复正常` : `${zone.name}${name}已回到限值内（${fmt(r?.value, r?.unit)}）`);
      return;
    }
    const since = s.outSince ?? now;
    const minutes = Math.max(0, Math.round((now - since) / 60_000));
    const message = SWITCHES.has(metric) ? switchMessage(zone, metric)
      : `${zone.name}${name} ${fmt(s.worst ?? r?.value, r?.unit)} ${limitText(s.worst ?? r?.value ?? 0, limit, r?.unit)}（已持续 ${minutes} 分钟）`;
    raiseAlarm(this.ctx, {
      kind: 'environment', severity: action.kind === 'open' ? action.severity : 'critical', causeKey: cause, zoneId: zone.id,
      deviceId: r?.deviceId ?? null, restricted: this.ctx.isRestrictedZone(zone.id), message,
      details: {
        metric, value: r?.value ?? null, unit: r?.unit ?? METRIC_UNITS[metric] ?? '', worst: s.worst, limit: { min: limit.min ?? null, max: limit.max ?? null, hysteresis: limit.hysteresis },
        since: new Date(since).toISOString(), ...(action.kind === 'escalate' ? { escalatedAt: new Date(now).toISOString() } : {}),
      },
    });
  }

  // --- what others ask ---

  /** A zone's current readings, one per metric. */
  readings(zoneId: string): ZoneReading[] {
    return [...(this.tracks.get(zoneId)?.values() ?? [])].flatMap((t) => (t.reading ? [t.reading] : []));
  }

  /** The state of a zone's metric for a glance: breached now (and how badly), or fine. */
  level(zoneId: string, metric: string): 'ok' | 'out' | 'warning' | 'critical' {
    const b = this.tracks.get(zoneId)?.get(metric)?.breach;
    if (!b) return 'ok';
    if (b.alarm !== 'none') return b.alarm;
    return b.out ? 'out' : 'ok';
  }

  /**
   * The ledger's hook: an event that moves an item into or out of a zone records both zones' last
   * readings, so that the chain of custody shows the conditions the item was kept in.
   */
  annotate(e: NewEvent): NewEvent['details'] {
    const from = e.from?.zoneId ?? null;
    const to = e.to?.zoneId ?? null;
    if (from === to) return e.details;
    const conditions: Record<string, ZoneReading[]> = {};
    for (const z of [from, to]) if (z && this.readings(z).length) conditions[z] = this.readings(z);
    return Object.keys(conditions).length ? { ...e.details, conditions } : e.details;
  }
}

function impossibility(metric: string, value: number): string | null {
  if (!Number.isFinite(value)) return 'not a number';
  const range = POSSIBLE[metric];
  if (range && (value < range[0] || value > range[1])) return `outside ${range[0]}..${range[1]}`;
  if (SWITCHES.has(metric) && value !== 0 && value !== 1) return 'a switch reads 0 or 1';
  return null;
}

const fmt = (v: number | null | undefined, unit: string | undefined) => (v === null || v === undefined ? '—' : `${Math.round(v * 10) / 10}${unit ? ` ${unit}` : ''}`);

function limitText(value: number, l: Limit, unit: string | undefined): string {
  if (l.max !== undefined && value > l.max) return `高于上限 ${fmt(l.max, unit)}`;
  if (l.min !== undefined && value < l.min) return `低于下限 ${fmt(l.min, unit)}`;
  return '超出限值';
}

function switchMessage(zone: Zone, metric: string): string {
  switch (metric) {
    case 'smoke': return `${zone.name}烟感报警：检测到烟雾`;
    case 'water': return `${zone.name}水浸报警：检测到漏水`;
    default: return `${zone.name}的门在非工作时间打开`;
  }
}
