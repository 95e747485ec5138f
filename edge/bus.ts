// The one way to listen inside the process: a typed bus, one map from event name to its argument,
// listeners keyed by the owner that registered them, so that each part starts with `on` and stops
// with `off(owner)` (the extension pattern of STYLE.md). Everything emitted on the custody bus has
// already committed. A listener that throws is logged with its owner and counted, never swallowed
// and never passed on: one closed stream must not undo or block a committed custody change, nor
// keep the listeners after it from hearing it.
import type { HashedEvent } from './ledger/event.ts';
import type { Alarm } from './alarms/alarm.ts';
import type { DecidedCrossing } from './rules/crossings.ts';
import type { DeviceStatus } from './rules/devices.ts';
import type { EdgeLog } from './log.ts';

export interface BusEvents {
  /** A custody event, after its transaction committed. */
  event: HashedEvent;
  /** An alarm opened, acknowledged or resolved, after its transaction committed. */
  alarm: Alarm;
  /** A gate crossing decided and recorded. */
  crossing: DecidedCrossing;
  /** A device went online or offline (as the edge recorded it). */
  device: DeviceStatus;
  /** An order arrived or ended (completed, expired, cancelled), after its change committed. */
  order: OrderChange;
}

export interface OrderChange {
  id: string; kind: string; change: 'issued' | 'completed' | 'expired' | 'cancelled';
  source: string; emergency: boolean; restricted: boolean; items: number;
}

type Entry<E, K extends keyof E> = { owner: string; fn: (v: E[K]) => void };

export class Bus<E extends object> {
  private listeners: { [K in keyof E]?: Entry<E, K>[] } = {};
  /** Listener failures by owner kind (the owner's name up to its first ':'), for the metrics. */
  readonly failures = new Map<string, number>();

  /** The log the bus writes its listeners' failures to; the edge's parts write theirs there too. */
  constructor(readonly log: EdgeLog) {}

  /** `owner` names the part that listens ("alarm-publisher", "sse:42"): what `off` removes and what a failure is logged under. */
  on<K extends keyof E>(name: K, owner: string, fn: (v: E[K]) => void): void {
    (this.listeners[name] ??= []).push({ owner, fn });
  }

  off(owner: string): void {
    for (const k of Object.keys(this.listeners) as (keyof E)[]) {
      this.listeners[k] = this.listeners[k]!.filter((l) => l.owner !== owner);
    }
  }

  listenerCount(name: keyof E): number { return this.listeners[name]?.length ?? 0; }

  /** Who listens to `name`, one entry per listener: for a test that a part took all of its own away. */
  ownersOf(name: keyof E): string[] { return (this.listeners[name] ?? []).map((l) => l.owner); }

  emit<K extends keyof E>(name: K, v: E[K]): void {
    // A copy: a listener may remove itself (a stream that ends on what it heard).
    for (const l of [...(this.listeners[name] ?? [])]) {
      try {
        l.fn(v);
      } catch (err) {
        const kind = l.owner.split(':')[0]!;
        this.failures.set(kind, (this.failures.get(kind) ?? 0) + 1);
        this.log.error({ err, owner: l.owner, event: String(name) }, 'a listener failed; what it heard is already committed and the other listeners still hear it');
      }
    }
  }
}

export class CustodyBus extends Bus<BusEvents> {}
