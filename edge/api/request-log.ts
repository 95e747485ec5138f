// One line per HTTP request at `debug`, and at `info` when it was slow, so that at the default level
// the log shows what was slow and not every poll of the dashboards. Error answers have their own
// `info` line with their code from the error handler (errors.ts). The URL is written redacted.
import type { FastifyInstance } from 'fastify';
import { redactUrl } from './log.ts';

/** An answer slower than this is worth a line at `info`. */
export const SLOW_REQUEST_MS = 500;

export function logRequests(app: FastifyInstance): void {
  app.addHook('onResponse', async (req, reply) => {
    const ms = Math.round(reply.elapsedTime * 10) / 10;
    const status = reply.statusCode;
    const url = redactUrl(req.url);
    // A stream lasts as long as its client stays: its duration is not slowness.
    const stream = url.startsWith('/api/v1/stream') && status === 200;
    const line = { method: req.method, url, status, ms, userId: req.principal?.userId };
    if (!stream && ms > SLOW_REQUEST_MS) req.log.info(line, 'slow request');
    else req.log.debug(line, stream ? 'stream closed' : 'request');
  });
}
