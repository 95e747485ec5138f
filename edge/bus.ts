// A typed event bus: one map from event name to its argument, listeners removable by owner.
// Everything emitted here has already committed.
import type { HashedEvent } from './ledger/event.ts';
import type { Alarm } from './alarms/alarm.ts';

export interface BusEvents {
  event: HashedEvent;
  alarm: Alarm;
}

type Listener<K extends keyof BusEvents> = (v: BusEvents[K]) => void;

export class CustodyBus {
  private listeners: { [K in keyof BusEvents]?: { owner: unknown; fn: Listener<K> }[] } = {};

  on<K extends keyof BusEvents>(name: K, owner: unknown, fn: Listener<K>): void {
    (this.listeners[name] ??= [] as never[]).push({ owner, fn } as never);
  }

  off(owner: unknown): void {
    for (const k of Object.keys(this.listeners) as (keyof BusEvents)[]) {
      this.listeners[k] = this.listeners[k]!.filter((l) => l.owner !== owner) as never;
    }
  }

  emit<K extends keyof BusEvents>(name: K, v: BusEvents[K]): void {
    for (const l of this.listeners[name] ?? []) {
      try {
        (l.fn as Listener<K>)(v);
      } catch {
        // A listener's fault (a closed stream) must never undo or block a committed custody change.
      }
    }
  }
}
