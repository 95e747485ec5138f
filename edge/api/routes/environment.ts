// The environment: every zone's current values against its limits, one zone's history as series,
// and the monthly 温湿度 log. Visible as the zones are: the restricted zone's for `discipline` only.
import { z } from 'zod';
import type { Custody } from '../../custody.ts';
import type { ApiApp } from '../app.ts';
import { seesRestricted, type Principal } from '../../auth/principal.ts';
import { fail } from '../../errors.ts';
import { conditionsApi, monthlyLog, monthQuery, seriesApi, seriesQuery, zoneConditions, zoneSeriesJson, POINT_CAP } from '../../rules/env/view.ts';
import { errors, idParam } from '../schemas.ts';

export function environmentRoutes(app: ApiApp, custody: Custody): void {
  const { ctx, environment, history } = custody;
  const visible = (p: Principal, zoneId: string) => !ctx.isRestrictedZone(zoneId) || seesRestricted(p);
  const zoneFor = (p: Principal, id: string) => {
    const zone = ctx.zones.get(id);
    if (!zone || !visible(p, zone.id)) fail('ZONE_NOT_FOUND', `No zone ${id}`, { zoneId: id });
    return zone;
  };

  app.get('/environment', {
    schema: {
      tags: ['environment'], response: { 200: conditionsApi, ...errors() },
      description: 'Every zone the role may see with its monitors\' last value of each metric, its limit, and whether it is out of it now.',
    },
  }, async (req) => ({ zones: ctx.site.zones.filter((z) => visible(req.principal, z.id)).map((z) => zoneConditions(environment, z)) }));

  app.get('/zones/:id/environment', {
    schema: {
      params: idParam, querystring: seriesQuery, tags: ['environment'], response: { 200: seriesApi, ...errors(400, 404) },
      description: `One zone's history as series of [t, min, avg, max]: raw values for the last 48 hours, one-minute aggregates for 400 days ` +
        `(1h and 1d are rolled up from them). At most ${POINT_CAP.toLocaleString('en-US')} points a series: past that the answer goes one ` +
        'resolution coarser and says which it served. With the environment alarms (excursions) of the span.',
    },
  }, async (req, reply) => {
    const zone = zoneFor(req.principal, req.params.id);
    if (req.query.from && req.query.to && Date.parse(req.query.from) >= Date.parse(req.query.to)) fail('VALIDATION_FAILED', 'from must be before to', { field: 'from' });
    // 30 days of minutes are 86,400 points: the JSON comes whole from the history (its shape is
    // seriesApi, checked against real answers in test/edge/answers.test.ts), not walked by zod.
    reply.type('application/json; charset=utf-8').serializer((s) => s as string);
    return zoneSeriesJson(ctx, history, zone, req.query) as unknown as z.infer<typeof seriesApi>;
  });

  app.get('/zones/:id/environment.csv', {
    schema: {
      params: idParam, querystring: monthQuery, tags: ['environment'],
      response: { 200: { description: 'UTF-8 with BOM', content: { 'text/csv': { schema: z.string() } } }, ...errors(400, 404) },
      description: '温湿度记录 the monthly temperature and humidity log of a zone: each day\'s readings at 09:00 and 15:00 in the site\'s time zone, ' +
        'and every excursion of the month with its alarm, as a spreadsheet (UTF-8 with BOM, Chinese headings).',
    },
  }, async (req, reply) => {
    const zone = zoneFor(req.principal, req.params.id);
    reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${zone.id}-${req.query.month ?? 'this-month'}.csv"`);
    return monthlyLog(ctx, history, zone, req.query.month);
  });
}
