// Alarms out to the devices on site (display panels, light towers): every change of an alarm, as
// the API gives it, on `alarms/{siteId}/{alarmId}`, or `alarms/{siteId}/restricted/{alarmId}` for
// the restricted zone's (only devices cleared for it may subscribe there: gateway/mqtt/acl.ts).
//
// QoS 1. While an alarm is open or acknowledged its message is retained, so that a panel that
// (re)connects sees every live alarm at once. On resolve the resolved state goes out once, not
// retained, then an empty retained payload clears the topic. Subscribers connected at that moment
// receive that empty payload too: a device treats an empty payload as "this alarm is gone".
import type { Logger } from 'pino';
import type { CustodyContext } from '../../edge/context.ts';
import { liveAlarms, type Alarm } from '../../edge/alarms/alarm.ts';
import { alarmTopic } from '../mqtt/acl.ts';
import type { BrokerLink } from '../mqtt/link.ts';

export interface AlarmPublisherOptions {
  ctx: CustodyContext;
  link: Pick<BrokerLink, 'publish'>;
  logger: Logger;
  /** On start, publish every live alarm retained again (an in-process broker forgets them on restart). Default true. */
  republishOnStart?: boolean;
}

let instances = 0;

export class AlarmPublisher {
  /** Its name on the bus; one per instance, so that stopping one never silences another. */
  private readonly owner = `alarm-publisher:${++instances}`;
  private started = false;
  /** Publishes of one alarm go out in order: an `open` must never land after the clearing empty payload. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly opts: AlarmPublisherOptions) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    this.opts.ctx.bus.on('alarm', this.owner, (a) => this.publish(a));
    if (this.opts.republishOnStart ?? true) {
      for (const a of liveAlarms(this.opts.ctx)) this.publish(a);
    }
  }

  /** Removes the bus listener; publishes already under way finish (see idle()). */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.opts.ctx.bus.off(this.owner);
  }

  /** Resolves once every publish started so far has been handed to the link (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.chains.size) await Promise.all([...this.chains.values()]);
  }

  /** The topic of this alarm. */
  topicOf(a: Pick<Alarm, 'id' | 'restricted'>): string {
    return alarmTopic(this.opts.ctx.site.site.id, a.id, a.restricted);
  }

  private publish(a: Alarm): void {
    let topic: string;
    try {
      topic = this.topicOf(a);
    } catch (err) {
      this.opts.logger.error({ alarmId: a.id, err: (err as Error).message }, 'alarms: no topic for this alarm id');
      return;
    }
    const body = JSON.stringify(a);
    const steps: [string | Buffer, boolean][] = a.state === 'resolved'
      ? [[body, false], [Buffer.alloc(0), true]]
      : [[body, true]];
    const prev = this.chains.get(a.id) ?? Promise.resolve();
    const next = prev.then(async () => {
      for (const [payload, retain] of steps) {
        try {
          await this.opts.link.publish(topic, payload, { qos: 1, retain });
        } catch (err) {
          this.opts.logger.warn({ alarmId: a.id, topic, retain, err: (err as Error).message }, 'alarms: publish failed');
        }
      }
    });
    this.chains.set(a.id, next);
    void next.then(() => {
      if (this.chains.get(a.id) === next) this.chains.delete(a.id);
    });
  }
}
