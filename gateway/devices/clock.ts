// Each device's clock, measured against the gateway's. Decisions run on the gateway's clock; a
// reader's own time stamps order its reads and are kept as evidence, but real readers' clocks are
// seconds or minutes off, drift, jump when NTP or a person sets them, and start at 1970 after a
// reboot. So every device time is mapped onto the gateway's clock by an offset measured from the
// receive times of that device's own messages.
//
// A message's sample is `receivedAt - newest device time in it`: the true offset plus the delay
// of that message (never negative). The least sample over a sliding window is the estimate, so
// jitter and batching (many reads, one receive time) only ever add delay that the minimum sees
// through, and a clock that drifts is followed as old samples leave the window. A clock set
// forward lowers the sample and is adopted at once. A clock set back raises it, which a delay
// also does (a reader replaying or re-sending its buffer after an outage). It is taken for a jump
// when every sample stays high for a while outside the replay grace that follows a
// (re)connection, or at once when the device's time goes back by more than a day (a reboot to 1970).
//
// Pure and clock-injected: every time comes in as an argument.

/** How long the least sample is remembered: long enough to see through a burst of slow messages. */
export const CLOCK_WINDOW_MS = 60_000;
/** A sample this far above the estimate is more than jitter: a delay, or the clock set back. */
export const CLOCK_JUMP_MS = 2_000;
/** After a (re)connection, high samples are a buffer being replayed, not a jump. */
export const CLOCK_REPLAY_GRACE_MS = 10_000;
/** Outside the grace, samples high for this long (and at least twice) mean the clock was set back. */
export const CLOCK_CONFIRM_MS = 3_000;
/** Device times going backwards by more than this is the clock set back at once: no replayed buffer is that old. */
export const CLOCK_FAR_BACK_MS = 24 * 3_600_000;
const BUCKET_MS = 1_000;

export interface DeviceClockState {
  /** Device clock minus gateway clock, ms (positive: the device is ahead), delay included. Null before the first sample. */
  offsetMs: number | null;
  /** Times the offset was re-based on a jump of the device's clock. */
  jumps: number;
  samples: number;
}

/** One device's offset estimate. */
export class DeviceClock {
  /** receivedAt − deviceTime, least per one-second bucket of receive time. */
  private buckets: { second: number; min: number }[] = [];
  private estimate: number | null = null;
  private newestDeviceTime = -Infinity;
  private connectedAt = -Infinity;
  private high: { since: number; min: number; count: number } | null = null;
  private jumps = 0;
  private samples = 0;

  /** The device (re)connected at `at`: what follows may be its buffer. */
  connected(at: number): void {
    this.connectedAt = at;
    this.high = null;
  }

  /**
   * One message: its receive time and the newest device time it carries. Returns true when this
   * sample re-based the offset on a jump of the device's clock.
   */
  sample(deviceTime: number, receivedAt: number): boolean {
    const s = receivedAt - deviceTime;
    this.samples++;
    const back = this.newestDeviceTime - deviceTime;
    this.newestDeviceTime = Math.max(this.newestDeviceTime, deviceTime);
    if (this.estimate === null) {
      this.rebase(s, deviceTime, receivedAt);
      return false;
    }
    const settled = receivedAt >= this.connectedAt + CLOCK_REPLAY_GRACE_MS;
    if (s > this.estimate + CLOCK_JUMP_MS) {
      // Back by more than a day is a reboot to 1970 or a clock set wrong by hand: no buffer is that old.
      if (back > CLOCK_FAR_BACK_MS) return this.jumped(s, deviceTime, receivedAt);
      // A buffer replayed on reconnection says nothing about the clock, and must not push out of
      // the window the samples from before the outage: not even recorded.
      if (!settled) return false;
      this.high = this.high ? { since: this.high.since, min: Math.min(this.high.min, s), count: this.high.count + 1 } : { since: receivedAt, min: s, count: 1 };
      if (this.high.count >= 2 && receivedAt - this.high.since >= CLOCK_CONFIRM_MS) return this.jumped(this.high.min, deviceTime, receivedAt);
    } else {
      // One message on time ends the suspicion: what came before was late, not a clock set back.
      this.high = null;
    }
    // A clock set forward lowers the sample: adopted at once, like any lower sample, and counted.
    const forward = settled && s < this.estimate - CLOCK_JUMP_MS;
    this.record(s, receivedAt);
    if (forward) this.jumps++;
    return forward;
  }

  /** A device time on the gateway's clock. Before any sample it is taken as it is. */
  map(deviceTime: number): number {
    return this.estimate === null ? deviceTime : deviceTime + this.estimate;
  }

  state(): DeviceClockState {
    return { offsetMs: this.estimate === null ? null : -this.estimate, jumps: this.jumps, samples: this.samples };
  }

  private jumped(s: number, deviceTime: number, receivedAt: number): true {
    this.rebase(s, deviceTime, receivedAt);
    this.jumps++;
    return true;
  }

  private rebase(s: number, deviceTime: number, receivedAt: number): void {
    this.buckets = [];
    this.high = null;
    this.newestDeviceTime = deviceTime;
    this.record(s, receivedAt);
  }

  private record(s: number, receivedAt: number): void {
    const second = Math.floor(receivedAt / BUCKET_MS);
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.second === second) last.min = Math.min(last.min, s);
    else if (last && second < last.second) {
      // The gateway's own clock stepped back: start the window again rather than keep buckets from the future.
      this.buckets = [{ second, min: s }];
    } else this.buckets.push({ second, min: s });
    const oldest = second - CLOCK_WINDOW_MS / BUCKET_MS;
    while (this.buckets.length && this.buckets[0].second <= oldest) this.buckets.shift();
    let min = Infinity;
    for (const b of this.buckets) if (b.min < min) min = b.min;
    this.estimate = min;
  }
}

/** Every device's clock, by device id. */
export class DeviceClocks {
  private readonly clocks = new Map<string, DeviceClock>();

  of(deviceId: string): DeviceClock {
    let c = this.clocks.get(deviceId);
    if (!c) {
      c = new DeviceClock();
      this.clocks.set(deviceId, c);
    }
    return c;
  }

  state(deviceId: string): DeviceClockState {
    return this.clocks.get(deviceId)?.state() ?? { offsetMs: null, jumps: 0, samples: 0 };
  }
}
