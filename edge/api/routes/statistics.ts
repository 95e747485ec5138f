// 出入库统计: the movements, alarms and gate traffic of today, this week, this month or a span, as JSON
// and as a spreadsheet. Every role that reads events reads them, each its own view (edge/stats/).
import { z } from 'zod';
import type { Custody } from '../../custody.ts';
import type { ApiApp } from '../app.ts';
import { statistics, statisticsApi, statisticsCsv, statisticsQuery } from '../../stats/statistics.ts';
import { calendarOf } from '../../time/calendar.ts';
import { errors } from '../schemas.ts';

export function statisticsRoutes(app: ApiApp, custody: Custody): void {
  const { ctx } = custody;
  app.get('/statistics', {
    schema: {
      querystring: statisticsQuery, tags: ['statistics'], response: { 200: statisticsApi, ...errors(400) },
      description: '出入库统计: items received, stored, taken out, returned, circulated and disposed in the span, in total, by handling unit and by category; ' +
        'alarms opened by kind; gate crossings by hour of the site\'s day. Counted over what the role may see (as GET /events, /alarms, /crossings).',
    },
  }, async (req) => statistics(ctx, req.principal, req.query));

  app.get('/statistics.csv', {
    schema: {
      querystring: statisticsQuery, tags: ['statistics'],
      response: { 200: { description: 'UTF-8 with BOM', content: { 'text/csv': { schema: z.string() } } }, ...errors(400) },
      description: '出入库统计 as a spreadsheet (UTF-8 with BOM, Chinese headings, names not ids): one section per table of GET /statistics.',
    },
  }, async (req, reply) => {
    const s = statistics(ctx, req.principal, req.query);
    const day = calendarOf(s.timezone).date(s.from);
    reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="statistics-${s.period}-${day}.csv"`);
    return statisticsCsv(ctx, s);
  });
}
