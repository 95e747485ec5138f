// node-opcua's reconnection repairs a dropped TCP connection and the session over it; what it cannot
// see is a subscription that stops delivering while the session looks fine (a server restarted
// without transferring it, a subscription deleted or stuck on the server side). Every healthy
// subscription says something at least once per keep-alive period: a data change or a keep-alive.
// Silence past `resubscribeMs` means recreate it (once per period, for as long as it lasts); past
// `offlineMs`, the monitor is told offline, and the link keeps trying. Pure: the link feeds it
// its clock.
export interface WatchdogVerdict {
  /** Terminate and recreate the subscription now. */
  resubscribe: boolean;
  /** Silent past offlineMs: the monitor is offline (the link says so once). */
  offline: boolean;
  /** Since the last data change or keep-alive. */
  silentMs: number;
}

export class SubscriptionWatchdog {
  private lastHeard = 0;
  private lastTry = 0;
  private watching = false;

  constructor(private readonly resubscribeMs: number, private readonly offlineMs: number) {}

  /** A subscription was (re)created, or the session came back: its silence is counted from now. */
  watch(at: number): void {
    this.watching = true;
    this.lastHeard = at;
    this.lastTry = at;
  }

  /** The connection is down: node-opcua's reconnection is at work, silence is no sign of a stuck subscription. */
  pause(): void { this.watching = false; }

  /** A data change or a keep-alive. */
  heard(at: number): void { this.lastHeard = Math.max(this.lastHeard, at); }

  /** A recreation was tried: the next one waits a whole period, the silence still counts from the last word heard. */
  tried(at: number): void { this.lastTry = at; }

  check(now: number): WatchdogVerdict {
    const silentMs = now - this.lastHeard;
    if (!this.watching) return { resubscribe: false, offline: false, silentMs };
    return {
      resubscribe: silentMs >= this.resubscribeMs && now - this.lastTry >= this.resubscribeMs,
      offline: silentMs >= this.offlineMs,
      silentMs,
    };
  }
}

/**
 * The keep-alive count to ask for: a healthy but idle subscription then speaks at least three
 * times per resubscribe period and per heartbeat, so one lost keep-alive is no reason to act.
 */
export function keepAliveCount(publishingMs: number, resubscribeSeconds: number, heartbeatSeconds: number): number {
  const budgetMs = (Math.min(resubscribeSeconds, heartbeatSeconds) * 1000) / 3;
  return Math.max(1, Math.min(1000, Math.floor(budgetMs / publishingMs)));
}
