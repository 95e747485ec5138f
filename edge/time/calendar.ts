// The site's calendar: stored times are UTC instants; what people read (a due time, "today", the
// week, the month of a report) is the site's wall clock in its own time zone, whatever zone the
// gateway's host or the reader's browser is set to. Intl.DateTimeFormat is the only time zone
// database used, so that the gateway and the dashboards agree without a dependency of their own.

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** A wall-clock reading in the site's zone. `weekday` counts from Monday (1) to Sunday (7). */
export interface LocalParts {
  year: number; month: number; day: number;
  hour: number; minute: number; second: number;
  weekday: number;
}

export type PeopleLang = 'zh' | 'en';

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY_MS = 86_400_000;
const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * Whether Intl knows this IANA zone name. Offsets ("+08:00") are refused although newer engines
 * accept them: a fixed offset silently ignores a zone's rule changes, a name does not.
 */
export function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z]/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The zone's canonical spelling as Intl gives it ("asia/shanghai" → "Asia/Shanghai"). */
export function canonicalTimeZone(name: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
}

export class SiteCalendar {
  private readonly fmt: Intl.DateTimeFormat;

  constructor(readonly timeZone: string = DEFAULT_TIME_ZONE) {
    // en-US with h23 gives numeric parts in a stable shape on every ICU version (never "24" at midnight).
    this.fmt = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', weekday: 'short',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
  }

  /** The site's wall clock at this instant. */
  parts(at: number | string | Date): LocalParts {
    const p: Record<string, string> = {};
    for (const x of this.fmt.formatToParts(toMs(at))) p[x.type] = x.value;
    return {
      year: Number(p.year), month: Number(p.month), day: Number(p.day),
      hour: Number(p.hour), minute: Number(p.minute), second: Number(p.second),
      weekday: WEEKDAYS[p.weekday],
    };
  }

  /** How far the site's wall clock is ahead of UTC at this instant, in ms (Shanghai: +8 h). */
  offsetMs(at: number | string | Date): number {
    const ms = toMs(at);
    const p = this.parts(ms);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - (ms - mod(ms, 1000));
  }

  /**
   * The instant the site's wall clock reads this date and time. Around a zone's clock change
   * (none in China since 1991, but a site file may name any zone) the earlier candidate wins.
   */
  instant(year: number, month: number, day = 1, hour = 0, minute = 0, second = 0): number {
    const wall = Date.UTC(year, month - 1, day, hour, minute, second);
    const first = wall - this.offsetMs(wall);
    const again = wall - this.offsetMs(first);
    return Math.min(first, again);
  }

  /** The local calendar date, as YYYY-MM-DD: the key that "today" and daily counts group by. */
  date(at: number | string | Date): string {
    const p = this.parts(at);
    return `${p.year}-${pad2(p.month)}-${pad2(p.day)}`;
  }

  /** Local midnight that begins the day of this instant. */
  startOfDay(at: number | string | Date): number {
    const p = this.parts(at);
    return this.instant(p.year, p.month, p.day);
  }

  /** Local midnight of the Monday that begins the week of this instant. */
  startOfWeek(at: number | string | Date): number {
    const p = this.parts(at);
    // Date.UTC normalises a day before the first of the month into the month before.
    const monday = new Date(Date.UTC(p.year, p.month - 1, p.day) - (p.weekday - 1) * DAY_MS);
    return this.instant(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate());
  }

  /** Local midnight of the first day of the month of this instant. */
  startOfMonth(at: number | string | Date): number {
    const p = this.parts(at);
    return this.instant(p.year, p.month, 1);
  }

  /** Local midnight of the first day of the next month: the end (exclusive) of a month's report. */
  startOfNextMonth(at: number | string | Date): number {
    const p = this.parts(at);
    return p.month === 12 ? this.instant(p.year + 1, 1, 1) : this.instant(p.year, p.month + 1, 1);
  }

  /** A time as people read it, to the minute: "2026年12月3日 08:30" or "3 Dec 2026, 08:30". */
  format(at: number | string | Date, lang: PeopleLang = 'zh'): string {
    const p = this.parts(at);
    const hm = `${pad2(p.hour)}:${pad2(p.minute)}`;
    return lang === 'zh'
      ? `${p.year}年${p.month}月${p.day}日 ${hm}`
      : `${p.day} ${MONTHS_EN[p.month - 1]} ${p.year}, ${hm}`;
  }
}

const calendars = new Map<string, SiteCalendar>();
/** One calendar per zone: building an Intl formatter costs far more than using one. */
export function calendarOf(timeZone: string): SiteCalendar {
  let c = calendars.get(timeZone);
  if (!c) calendars.set(timeZone, (c = new SiteCalendar(timeZone)));
  return c;
}

function toMs(at: number | string | Date): number {
  const ms = typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`not a time: ${String(at)}`);
  return ms;
}
const mod = (a: number, b: number) => ((a % b) + b) % b;
