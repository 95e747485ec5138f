// Server-sent events: alarms, custody events and crossings as they happen, filtered by role.
//
// `GET /api/v1/stream` is registered outside the authenticated /api/v1 plugin because a browser's
// EventSource cannot send an Authorization header. It authenticates itself: either the Bearer
// header (fetch-based clients), or `?ticket=` from `POST /api/v1/stream/ticket` (30 s, single use,
// kept only as a hash). A long-lived token never goes in a URL: `?token=` does not exist.
import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Custody } from '../../custody.ts';
import type { ApiApp } from '../app.ts';
import { principalForToken, type Principal } from '../../auth/principal.ts';
import { fail } from '../../errors.ts';
import type { StreamTickets } from '../../stream/tickets.ts';
import { errors } from '../schemas.ts';
import { parseCursor, principalStillValid, StreamSession, type SessionOptions, type StreamCursor } from '../../stream/session.ts';

export const STREAM_PATH = '/api/v1/stream';
export const HEARTBEAT_MS = 15_000;
export const RETRY_MS = 3_000;

export interface StreamRouteOptions {
  heartbeatMs?: number;
  retryMs?: number;
  maxReplay?: number;
  maxBufferedBytes?: number;
}

/** The open streams, for the gateway's metrics and for tests. */
export interface StreamHub {
  readonly open: number;
  /** Ends every stream (also done by the app's preClose hook, so that close() does not wait on them). */
  closeAll(): void;
}

const streamQuery = z.object({
  ticket: z.string().max(128).optional(),
}).strict();

/** Bearer header (as /api/v1 reads it) or, only when there is no header, a stream ticket. */
function authenticateStream(custody: Custody, tickets: StreamTickets, header: string | undefined, ticket: string | undefined): Principal {
  if (header !== undefined) {
    const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
    if (!m) fail('UNAUTHENTICATED');
    const p = principalForToken(custody.db, m[1]);
    if (!p) fail('UNAUTHENTICATED', 'The token is not valid');
    return p;
  }
  if (ticket === undefined) fail('UNAUTHENTICATED', 'A Bearer token or a stream ticket (POST /api/v1/stream/ticket) is required');
  const p = tickets.redeem(ticket);
  if (!p || !principalStillValid(custody.ctx, p)) fail('UNAUTHENTICATED', 'The stream ticket is not valid, already used or expired');
  return p;
}

function lastEventId(req: FastifyRequest): StreamCursor | null {
  const raw = req.headers['last-event-id'];
  const v = Array.isArray(raw) ? raw[0] : raw;
  return v === undefined ? null : parseCursor(v);
}

/** Registers `GET /api/v1/stream` on the root app (outside the v1 plugin; it does its own auth). */
export function streamRoutes(app: FastifyInstance, custody: Custody, tickets: StreamTickets, opts: StreamRouteOptions = {}): StreamHub {
  const sessionOpts: SessionOptions = {
    heartbeatMs: opts.heartbeatMs ?? HEARTBEAT_MS,
    retryMs: opts.retryMs ?? RETRY_MS,
    maxReplay: opts.maxReplay ?? 1000,
    maxBufferedBytes: opts.maxBufferedBytes ?? 1024 * 1024,
  };
  const sessions = new Set<StreamSession>();
  const closeAll = () => { for (const s of [...sessions]) s.close(); };
  app.addHook('preClose', (done) => { closeAll(); done(); });

  app.withTypeProvider<ZodTypeProvider>().get(STREAM_PATH, {
    schema: {
      querystring: streamQuery,
      tags: ['stream'],
      description: 'Server-sent events `alarm`, `event` (custody) and `crossing`, filtered by role. ' +
        'Authenticate with `Authorization: Bearer` or `?ticket=` from POST /api/v1/stream/ticket. ' +
        '`Last-Event-ID` replays the custody events after it.',
      security: [{ bearer: [] }, {}],
      response: {
        200: { description: 'The stream, until the client closes it', content: { 'text/event-stream': { schema: z.string() } } },
        ...errors(400),
      },
    },
  }, (req, reply) => {
    const principal = authenticateStream(custody, tickets, req.headers.authorization, req.query.ticket);
    reply.hijack();
    const session = new StreamSession(custody.ctx, reply.raw, principal, sessionOpts);
    sessions.add(session);
    session.onClose(() => sessions.delete(session));
    try {
      session.open(lastEventId(req));
    } catch (err) {
      req.log.error({ err }, 'stream: could not open');
      session.close();
    }
  });

  return { get open() { return sessions.size; }, closeAll };
}

/** Registers `POST /stream/ticket` inside the authenticated /api/v1 plugin. */
export function ticketRoute(app: ApiApp, tickets: StreamTickets): void {
  app.post('/stream/ticket', {
    schema: {
      body: z.object({}).strict().nullish(),
      tags: ['stream'],
      response: {
        200: z.object({ ticket: z.string(), expiresAt: z.string().describe('after this the ticket no longer opens a stream') }),
        ...errors(400, 413, 415),
      },
      description: 'A ticket for one EventSource connection to GET /api/v1/stream?ticket=…: single use, valid 30 s.',
    },
  }, async (req, reply) => {
    reply.header('Cache-Control', 'no-store');
    return tickets.issue(req.principal);
  });
}
