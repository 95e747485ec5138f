// Every failure leaves as `{code, message, details}` from the one table in edge/errors.ts.
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ZodError } from 'zod';
import { CustodyError, ERRORS, type ErrorCode } from '../errors.ts';

const send = (code: ErrorCode, message?: string, details: Record<string, unknown> = {}) =>
  ({ status: ERRORS[code].status, body: { code, message: message ?? ERRORS[code].message, details } });

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const r = classify(err);
    if (r.status >= 500) req.log.error({ err }, 'request failed');
    else req.log.info({ code: r.body.code, url: req.url }, 'request refused');
    reply.status(r.status).send(r.body);
  });
  app.setNotFoundHandler((req, reply) => {
    const r = send('NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}`);
    reply.status(r.status).send(r.body);
  });
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
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return send('BODY_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return send('UNSUPPORTED_MEDIA_TYPE');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY': return send('MALFORMED_JSON');
  }
  if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) return send('MALFORMED_JSON');
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return send('VALIDATION_FAILED', err.message);
  return send('INTERNAL');
}
