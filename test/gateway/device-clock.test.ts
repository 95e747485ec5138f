// The per-device offset that puts a reader's times on the gateway's clock: robust to jitter and
// batching, following a clock that is set forward or back (or reboots to 1970), and not fooled by a
// buffer replayed or re-sent after a reconnection. Properties over random clocks and delays.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CLOCK_CONFIRM_MS, DeviceClock } from '../../gateway/devices/clock.ts';

const T0 = Date.parse('2026-12-03T08:00:00Z');
const YEAR = 365 * 24 * 3_600_000;

/** A reader whose clock is `offset` ms off true (gateway) time, sending every `periodMs` with the given delays. */
function feed(clock: DeviceClock, offset: number, start: number, delays: number[], periodMs = 500): number {
  return feedDetailed(clock, offset, start, delays, periodMs).end;
}

/** Also the least delay as it came: messages from one reader arrive in the order they were sent (one MQTT connection). */
function feedDetailed(clock: DeviceClock, offset: number, start: number, delays: number[], periodMs = 500): { end: number; least: number } {
  let t = start;
  let received = -Infinity;
  let least = Infinity;
  for (const d of delays) {
    received = Math.max(received, t + d);
    least = Math.min(least, received - t);
    clock.sample(t + offset, received);
    t += periodMs;
  }
  return { end: t, least };
}

describe('DeviceClock', () => {
  it('maps any offset to within the least delay it saw, never later than the receive time', () => {
    fc.assert(fc.property(
      fc.integer({ min: -60 * YEAR, max: YEAR }),
      // Jitter up to the jump threshold; a delay that grows beyond it and stays is a clock set back (below).
      fc.array(fc.integer({ min: 0, max: 2_000 }), { minLength: 1, maxLength: 100 }),
      (offset, delays) => {
        const c = new DeviceClock();
        const { end, least } = feedDetailed(c, offset, T0, delays);
        // A read made at true time `end` is placed at most `least` ms late and never early.
        const mapped = c.map(end + offset);
        expect(mapped - end).toBeGreaterThanOrEqual(0);
        expect(mapped - end).toBeLessThanOrEqual(least);
        expect(c.state().offsetMs).toBe(-(-offset + least));
      },
    ));
  });

  it('a batch (many reads, one receive time) keeps the reader\'s own order and spacing', () => {
    const c = new DeviceClock();
    const offset = -40_000; // 40 s behind
    feed(c, offset, T0, [20, 35, 15, 60]);
    const reads = [100, 250, 260, 900].map((d) => T0 + 10_000 + d + offset);
    c.sample(Math.max(...reads), T0 + 10_000 + 900 + 25);
    const mapped = reads.map((r) => c.map(r));
    expect(mapped.map((m, i) => m - mapped[0]!)).toEqual(reads.map((r) => r - reads[0]!));
    expect(Math.abs(mapped[0]! - (T0 + 10_100))).toBeLessThanOrEqual(25);
  });

  it('follows a clock set forward at once, whatever the jump', () => {
    fc.assert(fc.property(fc.integer({ min: 2_500, max: 10 * YEAR }), fc.integer({ min: 0, max: 200 }), (jump, delay) => {
      const c = new DeviceClock();
      const t = feed(c, 0, T0, [delay, delay, delay]);
      c.sample(t + jump, t + delay);
      expect(c.map(t + jump)).toBe(t + delay);
      expect(c.state().jumps).toBe(1);
    }));
  });

  it('follows a clock set back once it has stayed back for a while, and at once when it is set back by more than a day (a reboot to 1970)', () => {
    fc.assert(fc.property(fc.integer({ min: 2_500, max: 20 * 3_600_000 }), (back) => {
      const c = new DeviceClock();
      let t = feed(c, 0, T0, [30, 30, 30]);
      // Within the confirmation time, the old offset still maps (one late message proves nothing).
      c.sample(t - back, t + 30);
      expect(c.map(t - back)).toBe(t - back + 30);
      t = feed(c, -back, t + 500, new Array(Math.ceil(CLOCK_CONFIRM_MS / 500) + 1).fill(30));
      expect(c.map(t - back)).toBe(t + 30);
      expect(c.state().jumps).toBe(1);
    }));
    const rebooted = new DeviceClock();
    const t = feed(rebooted, 0, T0, [30, 30]);
    rebooted.sample(12_345, t + 40);
    expect(rebooted.map(12_345)).toBe(t + 40);
  });

  it('is not fooled by a buffer replayed after a reconnection, nor by one re-sent later', () => {
    const c = new DeviceClock();
    let t = feed(c, 5_000, T0, [20, 20, 20]);
    const before = c.state().offsetMs;
    // Offline for two minutes; on reconnection the reader sends what it read meanwhile, late.
    const back = t + 120_000;
    c.connected(back);
    for (let i = 0; i < 50; i++) c.sample(t + i * 2_000 + 5_000, back + 100 + i * 100);
    expect(c.state().offsetMs).toBe(before);
    t = feed(c, 5_000, back + 5_100, [20, 20]);
    // Later, after another reconnection, the same old buffer re-sent (a firmware retry), with its
    // heartbeats on time between the old reads: still no jump.
    const again = t + 60_000;
    c.connected(again);
    for (let i = 0; i < 20; i++) {
      c.sample(T0 + i * 500 + 5_000, again + i * 1_000);
      c.sample(again + i * 1_000 + 500 + 5_000, again + i * 1_000 + 520);
    }
    expect(c.state().offsetMs).toBe(before);
    expect(c.state().jumps).toBe(0);
  });

  it('a slowly drifting clock is followed as old samples leave the window', () => {
    const c = new DeviceClock();
    // 1 s slower each minute (far worse than a real quartz), one message a second, 20 ms delay.
    let t = T0;
    for (let i = 0; i < 600; i++, t += 1_000) c.sample(t - Math.floor(i / 60) * 1_000, t + 20);
    const behind = 9_000; // after ten minutes
    expect(c.map(t - behind)).toBeGreaterThanOrEqual(t);
    expect(c.map(t - behind) - t).toBeLessThanOrEqual(1_000 + 20);
  });
});
