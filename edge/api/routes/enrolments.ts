// Enrolment at the intake desk (一物一码): open a window at a desk reader for an item, follow it, cancel
// it. The binding itself happens when the desk reader's poll sees the tag (edge/rules/enrolment.ts).
// Visible as their item is; the commission's stay the commission's.
import { z } from 'zod';
import type { Custody } from '../../custody.ts';
import type { ApiApp } from '../app.ts';
import { enrolmentApi, listEnrolmentsQuery, openEnrolmentInput } from '../../rules/enrolment.ts';
import { errors, idParam } from '../schemas.ts';

const enrolmentListApi = z.object({ enrolments: z.array(enrolmentApi) }).meta({ id: 'EnrolmentList' });

export function enrolmentRoutes(app: ApiApp, custody: Custody): void {
  const { enrolments } = custody;

  app.post('/enrolments', {
    schema: {
      body: openEnrolmentInput, tags: ['lifecycle'], response: { 201: enrolmentApi, ...errors(400, 403, 404, 409, 413, 415) },
      description: '一物一码 open an enrolment at an intake desk reader for an item with no tag (announced or received), or with ' +
        '`replace: true` re-tag (换签) a received or stored item. The desk reader\'s next polls decide it: exactly one new tag on the desk ' +
        'is bound (custody event tag_bound, or tag_replaced retiring the old EPC); two or more end it as several_tags; a tag that is ' +
        'another item\'s, retired, a badge or a location\'s ends it as refused; an empty desk keeps it waiting until its window ' +
        '(windowSeconds, 10-600, default 60) ends it as timed_out. One waiting enrolment per desk reader (DESK_BUSY) and per item (ENROLMENT_WAITING).',
    },
  }, async (req, reply) => {
    const e = enrolments.open(req.principal, req.body);
    reply.status(201);
    return e;
  });

  app.get('/enrolments', {
    schema: {
      querystring: listEnrolmentsQuery, tags: ['lifecycle'], response: { 200: enrolmentListApi, ...errors(400) },
      description: 'Enrolments at the intake desk, newest first, as far as their items are visible; a waiting one past its window reads timed_out.',
    },
  }, async (req) => ({ enrolments: enrolments.list(req.principal, req.query) }));

  app.get('/enrolments/:id', {
    schema: {
      params: idParam, tags: ['lifecycle'], response: { 200: enrolmentApi, ...errors(400, 404) },
      description: 'One enrolment and its outcome: the EPC bound and its custody event, or why it ended without one.',
    },
  }, async (req) => enrolments.get(req.principal, req.params.id));

  app.post('/enrolments/:id/cancel', {
    schema: {
      params: idParam, body: z.object({}).strict().nullish().describe('nothing'), tags: ['lifecycle'],
      response: { 200: enrolmentApi, ...errors(400, 403, 404, 409, 413, 415) },
      description: 'Cancel a waiting enrolment: by the person who opened it, a supervisor, or in the restricted zone the discipline role.',
    },
  }, async (req) => enrolments.cancel(req.principal, req.params.id));
}
