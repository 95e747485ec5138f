// Prometheus metrics for the field engineer: what each device sent and what was refused, broker
// refusals, crossings by decision, live alarms and the ledger head. Served at /api/v1/metrics
// with a token like every other route. Nothing about the restricted zone is counted here: its
// counts exist for the discipline role only, and a scrape is not that.
import { Counter, Gauge, Registry } from 'prom-client';
import type { Custody } from '../edge/custody.ts';
import type { BrokerLink } from './mqtt/index.ts';
import type { GatewayBus } from './events.ts';
import { fail } from '../edge/errors.ts';
import { liveAlarmCounts } from '../edge/alarms/alarm.ts';
import { z } from 'zod';
import type { ApiApp } from '../edge/api/app.ts';
import { errors } from '../edge/api/schemas.ts';

export function createMetrics(custody: Custody, link: BrokerLink, gatewayBus: GatewayBus) {
  const { devices, gates } = custody;
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
  new Gauge({
    name: 'gateway_device_reads_ignored', help: 'Each reader\'s reads its gate\'s portal left out, by reason (unknown_antenna: not in the site\'s antenna map; late: after its pass was decided)',
    labelNames: ['device', 'reason'], registers: [registry],
    collect() {
      this.reset();
      for (const d of devices.list()) {
        if (d.restricted || !d.gateId) continue;
        for (const [reason, n] of Object.entries(d.readsIgnored)) this.set({ device: d.id, reason }, n);
      }
    },
  });
  // The city platform link, main chain only: the restricted chain's backlog would tell a scrape when the commission works.
  const mainDestination = () => custody.sync?.status().destinations.find((d) => d.chain === 'main') ?? null;
  new Gauge({
    name: 'gateway_sync_backlog_events', help: 'Custody events of the main chain not yet acknowledged by the city platform', registers: [registry],
    collect() { this.reset(); const d = mainDestination(); if (d) this.set(d.backlog); },
  });
  new Gauge({
    name: 'gateway_sync_acked_seq', help: 'The last seq of the main chain the city platform acknowledged', registers: [registry],
    collect() { this.reset(); const d = mainDestination(); if (d) this.set(d.ackedThrough); },
  });
  new Gauge({
    name: 'gateway_sync_oldest_unsent_age_seconds', help: 'Age of the oldest main-chain event waiting to go up (0 when none waits)', registers: [registry],
    collect() { this.reset(); const d = mainDestination(); if (d) this.set(d.oldestUnsentAt ? Math.max(0, (custody.ctx.clock.now() - Date.parse(d.oldestUnsentAt)) / 1000) : 0); },
  });
  new Gauge({
    name: 'gateway_sync_last_success_timestamp_seconds', help: 'When the city platform last acknowledged the main chain (Unix seconds)', registers: [registry],
    collect() { this.reset(); const d = mainDestination(); if (d?.lastSuccessAt) this.set(Date.parse(d.lastSuccessAt) / 1000); },
  });
  new Gauge({
    name: 'gateway_sync_failing', help: '1 while the main chain\'s last attempt failed (its error is on GET /api/v1/sync)', registers: [registry],
    collect() { this.reset(); const d = mainDestination(); if (d) this.set(d.state === 'retrying' || d.state === 'not_configured' ? 1 : 0); },
  });
  new Gauge({
    name: 'gateway_sync_inbox_refused', help: 'Changes from the platform refused and kept with their reasons', registers: [registry],
    collect() { this.reset(); if (custody.sync) this.set(custody.sync.inbox.refusedCount()); },
  });
  const openGates = () => custody.ctx.site.gates.filter((g) => !custody.ctx.isRestrictedZone(g.innerZone) && !custody.ctx.isRestrictedZone(g.outerZone));
  new Gauge({
    name: 'gateway_portal_tracks', help: 'Portal tracks closed without a crossing since start, by outcome (stray, bleed, forced_close)',
    labelNames: ['gate', 'outcome'], registers: [registry],
    collect() {
      this.reset();
      for (const g of openGates()) {
        const p = gates.portal(g.id);
        if (!p) continue;
        this.set({ gate: g.id, outcome: 'stray' }, p.stray);
        this.set({ gate: g.id, outcome: 'bleed' }, p.bleed);
        this.set({ gate: g.id, outcome: 'forced_close' }, p.forcedClose);
      }
    },
  });
  new Gauge({
    name: 'gateway_portal_open_tracks', help: 'Tags being read at each gate now', labelNames: ['gate'], registers: [registry],
    collect() {
      this.reset();
      for (const g of openGates()) this.set({ gate: g.id }, gates.portal(g.id)?.openTracks ?? 0);
    },
  });
  new Gauge({
    name: 'gateway_observations_refused', help: 'Observations the edge refused since start, by kind and reason', labelNames: ['kind', 'reason'], registers: [registry],
    collect() {
      this.reset();
      for (const [key, n] of custody.refused) {
        const [kind, reason] = key.split(':');
        this.set({ kind: kind!, reason: reason! }, n);
      }
    },
  });
  new Gauge({
    name: 'gateway_listener_failures', help: 'Listeners that threw since start, by owner (each is logged with its error)', labelNames: ['owner'], registers: [registry],
    collect() {
      this.reset();
      for (const bus of [custody.ctx.bus, gatewayBus]) for (const [owner, n] of bus.failures) this.inc({ owner }, n);
    },
  });
  new Gauge({
    name: 'gateway_ledger_mirror_failures', help: 'Failed writes of the ledger head mirror files since start (the database is committed; the tail check is weaker)', registers: [registry],
    collect() { this.set(custody.ctx.ledger.mirrorFailures); },
  });
  const crossings = new Counter({ name: 'gateway_crossings_total', help: 'Gate crossings decided since start, by decision', labelNames: ['gate', 'decision'], registers: [registry] });
  custody.ctx.bus.on('crossing', 'metrics', (c) => { if (!c.restricted) crossings.inc({ gate: c.gateId, decision: c.decision }); });
  new Gauge({
    name: 'gateway_alarms', help: 'Alarms not yet resolved, by kind and severity', labelNames: ['kind', 'severity', 'state'], registers: [registry],
    collect() {
      this.reset();
      for (const r of liveAlarmCounts(custody.ctx)) this.set({ kind: r.kind, severity: r.severity, state: r.state }, r.n);
    },
  });
  new Gauge({
    name: 'gateway_ledger_head_seq', help: 'Sequence number of the custody ledger\'s head', registers: [registry],
    collect() { this.set(custody.ctx.ledger.headNow.seq); },
  });
  return {
    registry,
    stop() { custody.ctx.bus.off('metrics'); },
    route(app: ApiApp) {
      app.get('/metrics', {
        schema: {
          tags: ['gates'], description: 'Prometheus metrics of the devices, gates, alarms and ledger, outside the restricted zone (supervisor, auditor, admin).',
          response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } }, ...errors(403) },
        },
      }, async (req, reply) => {
        if (!['supervisor', 'auditor', 'admin'].includes(req.principal.role)) fail('FORBIDDEN', 'Metrics are for the supervisor, auditor and admin roles');
        reply.type(registry.contentType);
        return registry.metrics();
      });
    },
  };
}
