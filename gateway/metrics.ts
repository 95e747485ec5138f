// Prometheus metrics for the field engineer: what each device sent and what was refused, broker
// refusals, crossings by decision, live alarms and the ledger head. Served at /api/v1/metrics
// with a token like every other route. Nothing about the restricted zone is counted here: its
// counts exist for the discipline role only, and a scrape is not that.
import { Counter, Gauge, Registry } from 'prom-client';
import type { Custody } from '../edge/custody.ts';
import type { DeviceRegistry } from '../edge/rules/devices.ts';
import type { GateDecider } from '../edge/rules/crossings.ts';
import type { DeviceLink } from './mqtt/index.ts';
import { fail } from '../edge/errors.ts';

export function createMetrics(custody: Custody, devices: DeviceRegistry, decider: GateDecider, link: DeviceLink, refreshDevices: () => void = () => {}) {
  const registry = new Registry();
  new Gauge({
    name: 'gateway_device_messages', help: 'Messages from each device since start, by outcome (accepted, or the reason it was refused)',
    labelNames: ['device', 'outcome'], registers: [registry],
    collect() {
      this.reset();
      for (const d of devices.list()) {
        if (d.restricted) continue;
        this.set({ device: d.id, outcome: 'accepted' }, d.accepted);
        for (const [reason, n] of Object.entries(d.rejected)) this.set({ device: d.id, outcome: reason }, n);
      }
    },
  });
  new Gauge({
    name: 'gateway_device_online', help: '1 when the device is online', labelNames: ['device'], registers: [registry],
    collect() {
      this.reset();
      for (const d of devices.list()) if (!d.restricted) this.set({ device: d.id }, d.state === 'online' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'gateway_device_clock_offset_seconds',
    help: 'Each device\'s clock minus the gateway\'s, as measured from its messages (delay included); decisions use the gateway\'s clock',
    labelNames: ['device'], registers: [registry],
    collect() {
      this.reset();
      for (const d of devices.list()) if (!d.restricted && d.clockOffsetMs !== null) this.set({ device: d.id }, d.clockOffsetMs / 1000);
    },
  });
  new Gauge({
    name: 'gateway_device_clock_offset_exceeded',
    help: '1 when the device\'s clock is further from the gateway\'s than rules.maxDeviceClockOffsetSeconds', labelNames: ['device'], registers: [registry],
    collect() {
      this.reset();
      for (const d of devices.list()) if (!d.restricted && d.clockOffsetMs !== null) this.set({ device: d.id }, d.clockOffsetExceeded ? 1 : 0);
    },
  });
  new Gauge({
    name: 'gateway_device_clock_jumps', help: 'Times each device\'s clock jumped (set forward or back) since start', labelNames: ['device'], registers: [registry],
    collect() {
      this.reset();
      for (const d of devices.list()) if (!d.restricted) this.set({ device: d.id }, d.clockJumps);
    },
  });
  new Gauge({
    name: 'gateway_mqtt_refusals', help: 'Connections, publishes and subscriptions the broker refused, by reason', labelNames: ['reason'], registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(link.stats().refusals)) this.set({ reason }, n);
    },
  });
  const crossings = new Counter({ name: 'gateway_crossings_total', help: 'Gate crossings decided since start, by decision', labelNames: ['gate', 'decision'], registers: [registry] });
  decider.onDecided((c) => { if (!c.restricted) crossings.inc({ gate: c.gateId, decision: c.decision }); });
  new Gauge({
    name: 'gateway_alarms', help: 'Alarms not yet resolved, by kind and severity', labelNames: ['kind', 'severity', 'state'], registers: [registry],
    collect() {
      this.reset();
      const rows = custody.db.prepare(`SELECT kind, severity, state, count(*) AS n FROM alarms WHERE state <> 'resolved' AND restricted = 0
        GROUP BY kind, severity, state`).all() as { kind: string; severity: string; state: string; n: number }[];
      for (const r of rows) this.set({ kind: r.kind, severity: r.severity, state: r.state }, r.n);
    },
  });
  new Gauge({
    name: 'gateway_ledger_head_seq', help: 'Sequence number of the custody ledger\'s head', registers: [registry],
    collect() { this.set(custody.ctx.ledger.headNow.seq); },
  });
  return {
    registry,
    route(app: any) {
      app.get('/metrics', { schema: { tags: ['gates'], description: 'Prometheus metrics (supervisor, auditor, admin)' } }, async (req: any, reply: any) => {
        if (!['supervisor', 'auditor', 'admin'].includes(req.principal.role)) fail('FORBIDDEN', 'Metrics are for the supervisor, auditor and admin roles');
        refreshDevices();
        reply.type(registry.contentType);
        return registry.metrics();
      });
    },
  };
}
