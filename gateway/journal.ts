// The gateway's journal for the field engineer: what changed on the floor, one log line each, with
// the ids to look it up. Alarms opened, acknowledged and resolved; devices going offline and coming
// back; orders arriving and ending. It only listens (owner `journal` on the custody bus).
// The restricted zone's alarms and orders are logged without their ids, items or messages: a log
// is read by people who may not see that zone, and its activity must not show there.
import type { Logger } from './log.ts';
import type { CustodyBus } from '../edge/bus.ts';

export function startJournal(bus: CustodyBus, log: Logger): () => void {
  const owner = 'journal';
  bus.on('alarm', owner, (a) => {
    const what = a.state === 'resolved' ? 'alarm resolved' : a.state === 'acknowledged' ? 'alarm acknowledged'
      : a.occurrences > 1 ? null : 'alarm opened';
    if (!what) return; // a repeat of the same cause: counted on the alarm, not a new line
    if (a.restricted) {
      log.info({ kind: a.kind, severity: a.severity, restricted: true }, `${what} (restricted zone; details for the discipline role only)`);
      return;
    }
    const fields = { alarmId: a.id, kind: a.kind, severity: a.severity, itemId: a.itemId ?? undefined, gateId: a.gateId ?? undefined,
      deviceId: a.deviceId ?? undefined, orderId: a.orderId ?? undefined,
      by: a.state === 'resolved' ? a.resolvedBy ?? undefined : a.state === 'acknowledged' ? a.acknowledgedBy ?? undefined : undefined };
    if (what === 'alarm opened') log[a.severity === 'critical' ? 'warn' : 'info']({ ...fields, message: a.message }, what);
    else log.info(fields, what);
  });
  bus.on('device', owner, (d) => {
    if (d.restricted) {
      log.info({ state: d.state, restricted: true }, `device ${d.state} (restricted zone)`);
      return;
    }
    const fields = { deviceId: d.id, gateId: d.gateId ?? undefined, reason: d.reason, lastSeen: d.lastSeen };
    if (d.state === 'offline') log.warn(fields, 'device offline');
    else log.info(fields, 'device online');
  });
  bus.on('order', owner, (o) => {
    const msg = o.change === 'issued' ? 'order arrived' : `order ${o.change}`;
    if (o.restricted) {
      log.info({ change: o.change, restricted: true }, `${msg} (restricted zone)`);
      return;
    }
    log.info({ orderId: o.id, kind: o.kind, source: o.source, emergency: o.emergency || undefined, items: o.items }, msg);
  });
  return () => bus.off(owner);
}
