// One zone's one metric against its limit, as a pure state machine: values and clock ticks in, at
// most one action out (open the alarm, make it critical, resolve it). A value outside the limit for
// `delayMs` opens a warning; still outside `criticalAfterMs` after that, critical. Once outside,
// the breach lasts until the value is back inside by the hysteresis, so a value hovering on the line
// is one breach; the alarm resolves itself once the value has been back inside for `delayMs`.
// Alarms (smoke, water, a door open out of hours) skip the delay and open critical at once.

export interface Limit { min?: number; max?: number; hysteresis: number }

export interface BreachConfig { delayMs: number; criticalAfterMs: number }

export type AlarmLevel = 'none' | 'warning' | 'critical';

export interface BreachState {
  /** In breach: outside the limit, and not yet back inside the hysteresis band. */
  out: boolean;
  /** When this breach began (kept while its alarm is live, even across a short return inside). */
  outSince: number | null;
  /** When the value came back inside the band, while the alarm is still live. */
  backSince: number | null;
  alarm: AlarmLevel;
  alarmSince: number | null;
  /** The value furthest outside during the breach. */
  worst: number | null;
}

export const calm = (): BreachState => ({ out: false, outSince: null, backSince: null, alarm: 'none', alarmSince: null, worst: null });

export type BreachAction = { kind: 'open'; severity: 'warning' | 'critical' } | { kind: 'escalate' } | { kind: 'resolve' } | null;

/** How far outside its limit a value is (0 inside): the worst value of a breach is the one furthest out. */
export function excess(value: number, l: Limit): number {
  if (l.max !== undefined && value > l.max) return value - l.max;
  if (l.min !== undefined && value < l.min) return l.min - value;
  return 0;
}

/** Outside the limit now, given whether the breach was on: leaving needs the hysteresis, entering does not. */
export function isOut(value: number, l: Limit, wasOut: boolean): boolean {
  if (!wasOut) return excess(value, l) > 0;
  const h = l.hysteresis;
  return (l.max !== undefined && value > l.max - h) || (l.min !== undefined && value < l.min + h);
}

/**
 * A new value of an analog metric at `now` (or, with `value` null, the clock alone): the next state
 * and what to do. `immediate`: the breach is an alarm at once (critical), not after the delay.
 */
export function step(s: BreachState, value: number | null, now: number, l: Limit | null, cfg: BreachConfig, immediate = false): { state: BreachState; action: BreachAction } {
  const next = { ...s };
  if (value !== null && l) {
    const out = isOut(value, l, s.out);
    if (out) {
      if (!s.out && s.alarm === 'none') { next.outSince = now; next.worst = value; }
      next.backSince = null;
      if (next.worst === null || excess(value, l) > excess(next.worst, l)) next.worst = value;
    } else if (s.out) {
      if (s.alarm === 'none') { next.outSince = null; next.worst = null; } else next.backSince = now;
    }
    next.out = out;
  }
  if (next.out && next.alarm === 'none' && next.outSince !== null && (immediate || now - next.outSince >= cfg.delayMs)) {
    const severity = immediate ? 'critical' : 'warning';
    return { state: { ...next, alarm: severity, alarmSince: now }, action: { kind: 'open', severity } };
  }
  if (next.out && next.alarm === 'warning' && next.alarmSince !== null && now - next.alarmSince >= cfg.criticalAfterMs) {
    return { state: { ...next, alarm: 'critical' }, action: { kind: 'escalate' } };
  }
  if (!next.out && next.alarm !== 'none' && next.backSince !== null && now - next.backSince >= cfg.delayMs) {
    return { state: calm(), action: { kind: 'resolve' } };
  }
  return { state: next, action: null };
}
