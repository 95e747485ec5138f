// Cycle counts (盘点): open one over a zone or some locations, follow it, close it, read and download
// its report. What is counted is what the shelves and handhelds read (edge/rules/counts.ts).
// The restricted zone's counts are the discipline role's alone, like everything of that zone.
import { z } from 'zod';
import type { Custody } from '../../custody.ts';
import type { ApiApp } from '../app.ts';
import { countApi, countReportApi, listCountsQuery, openCountInput } from '../../rules/counts.ts';
import { errors, idParam } from '../schemas.ts';

const countListApi = z.object({ counts: z.array(countApi) }).meta({ id: 'CountList' });

export function countRoutes(app: ApiApp, custody: Custody): void {
  const { counts } = custody;

  app.post('/counts', {
    schema: {
      body: openCountInput, tags: ['inventory'], response: { 201: countApi, ...errors(400, 403, 404, 409, 413, 415) },
      description: '盘点 open a cycle count of a zone (`zoneId`) or of some locations (`locationIds`), by a supervisor (the discipline ' +
        'role in the restricted zone). While it is open, every shelf reader\'s round of its locations and every handheld read there (the ' +
        'location\'s own tag first, then its items) counts. One open count per location (COUNT_OVERLAPS).',
    },
  }, async (req, reply) => {
    const c = counts.open(req.principal, req.body);
    reply.status(201);
    return c;
  });

  app.post('/counts/:id/close', {
    schema: {
      params: idParam, body: z.object({}).strict().nullish().describe('nothing'), tags: ['inventory'],
      response: { 200: countApi, ...errors(400, 403, 404, 409, 413, 415) },
      description: 'Close a count: its report (found, missing, misplaced, unexpected, weight mismatches, not counted, checked out) is ' +
        'stored, and one custody event (count_closed) carries the SHA-256 of the report\'s canonical JSON.',
    },
  }, async (req) => counts.close(req.principal, req.params.id));

  app.get('/counts', {
    schema: {
      querystring: listCountsQuery, tags: ['inventory'], response: { 200: countListApi, ...errors(400) },
      description: 'Cycle counts, newest first, with their totals once closed (no progress or report: read one count for those). ' +
        'The restricted zone\'s for the discipline role only; none for the agency and admin roles.',
    },
  }, async (req) => ({ counts: counts.list(req.principal, req.query) }));

  app.get('/counts/:id', {
    schema: {
      params: idParam, tags: ['inventory'], response: { 200: countApi, ...errors(400, 403, 404) },
      description: 'One count: while open its live progress per location, once closed its report.',
    },
  }, async (req) => counts.get(req.principal, req.params.id));

  app.get('/counts/:id/report.json', {
    schema: {
      params: idParam, tags: ['inventory'],
      response: { 200: { description: 'the report\'s canonical JSON (RFC 8785), byte for byte what reportSha256 covers', content: { 'application/json': { schema: countReportApi } } }, ...errors(400, 403, 404, 409) },
      description: 'The closed count\'s report as stored: its SHA-256 is the count\'s reportSha256 and the one in its count_closed custody event.',
    },
  }, async (req, reply) => {
    const json = counts.reportJson(req.principal, req.params.id);
    // Sent as stored: re-serialising it would change the bytes its hash covers.
    reply.type('application/json; charset=utf-8').header('content-disposition', `attachment; filename="count-${req.params.id}.json"`).serializer((s) => s as string);
    return json as unknown as z.infer<typeof countReportApi>;
  });

  app.get('/counts/:id/report.csv', {
    schema: {
      params: idParam, tags: ['inventory'],
      response: { 200: { description: 'UTF-8 with BOM', content: { 'text/csv': { schema: z.string() } } }, ...errors(400, 403, 404, 409) },
      description: 'The closed count\'s report as a spreadsheet (UTF-8 with BOM, Chinese headings): a rendering of the JSON report.',
    },
  }, async (req, reply) => {
    const csv = counts.reportCsv(req.principal, req.params.id);
    reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="count-${req.params.id}.csv"`);
    return csv;
  });
}
