// Every failure leaves as `{code, message, details}` from the one table in edge/errors.ts: the ones
// a route throws, the ones fastify raises while parsing (body, content type, size), the router's
// own (a bad percent-encoding, an over-long path parameter, no route at all) and the ones Node's
// HTTP parser raises before fastify sees a request (a head over 16 KiB, bytes that are not HTTP).
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ZodError } from 'zod';
import { CustodyError, ERRORS, type ErrorCode } from '../errors.ts';
import { redactUrl } from './log.ts';

const send = (code: ErrorCode, message?: string, details: Record<string, unknown> = {}) =>
  ({ status: ERRORS[code].status, body: { code, message: message ?? ERRORS[code].message, details } });

/** The router's limit on one path parameter: longer than any id the schemas allow (64). */
export const MAX_PARAM_LENGTH = 100;

/** The longest path a 404's message repeats: a 5,000-character path is not worth sending back. */
const ECHOED_PATH = 120;

function answer(this: { onFailure?: (err: unknown) => void }, err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const r = classify(err);
  if (r.status >= 500) this.onFailure?.(err);
  if (r.status >= 500) req.log.error({ err }, 'request failed');
  else req.log.info({ code: r.body.code, url: redactUrl(req.url) }, 'request refused');
  reply.status(r.status).send(r.body);
}

/**
 * For fastify's `frameworkErrors` option: the router's errors, raised before any route or error
 * handler is chosen. Their messages repeat the URL, query string and all, so none is passed on.
 */
export const frameworkErrors = answer;

/** `onFailure` hears every error answered 5xx (the store's capacity watch looks for a full disk there). */
export function installErrorHandling(app: FastifyInstance, onFailure?: (err: unknown) => void): void {
  app.setErrorHandler((err: FastifyError, req, reply) => answer.call({ onFailure }, err, req, reply));
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0];
    const shown = path.length > ECHOED_PATH ? `${path.slice(0, ECHOED_PATH)}…` : path;
    const r = send('NOT_FOUND', `No route ${req.method} ${shown}`);
    reply.status(r.status).send(r.body);
  });
}

/**
 * For fastify's `clientErrorHandler` option: Node's parser refused the bytes, so there is no request,
 * only the socket. fastify's default logs the error with its raw packet (the request line and every
 * header, a token among them); here only the parser's code is logged.
 */
export function clientErrorHandler(this: FastifyInstance, err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ErrorCode = err.code === 'HPE_HEADER_OVERFLOW' ? 'REQUEST_HEAD_TOO_LARGE'
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'REQUEST_TIMEOUT' : 'MALFORMED_REQUEST';
  const r = send(code);
  this.log.info({ code, parserCode: err.code }, 'request refused by the HTTP parser');
  if (!socket.writable) { socket.destroy(); return; }
  const body = JSON.stringify(r.body);
  socket.end(`HTTP/1.1 ${r.status} ${http.STATUS_CODES[r.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function classify(err: FastifyError) {
  if (err instanceof CustodyError) return send(err.code, err.message, err.details);
  if (hasZodFastifySchemaValidationErrors(err)) {
    return send('VALIDATION_FAILED', err.message, {
      issues: err.validation.map((v) => ({ path: v.instancePath, message: v.message })),
      part: err.validationContext,
    });
  }
  if (err instanceof ZodError) {
    return send('VALIDATION_FAILED', 'The request does not match its schema', {
      issues: err.issues.map((i) => ({ path: '/' + i.path.join('/'), message: i.message })),
    });
  }
  switch (err.code) {
    case 'FST_ERR_BAD_URL': return send('BAD_URL');
    // Over the router's limit is also over every id's schema: the answer a 65-character id gets.
    case 'FST_ERR_MAX_PARAM_LENGTH': return send('VALIDATION_FAILED', `A path parameter is longer than ${MAX_PARAM_LENGTH} characters`, {
      issues: [{ path: '/', message: `Too big: expected a path parameter of at most ${MAX_PARAM_LENGTH} characters` }],
      part: 'params',
    });
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return send('BODY_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return send('UNSUPPORTED_MEDIA_TYPE');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY': return send('MALFORMED_JSON');
  }
  if ((err as { code?: unknown }).code === 'SQLITE_FULL') return send('STORAGE_FULL');
  if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) return send('MALFORMED_JSON');
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return send('VALIDATION_FAILED', err.message);
  return send('INTERNAL');
}
