// One pino logger for the process. Secrets never reach it: tokens and passwords are redacted
// wherever a careless log call might carry them, and so are token-like values in a logged URL
// (the API's request serializer already blanks them; a `url` field logged by hand gets the same).
import pino from 'pino';
import { redactUrl, REDACTED } from '../edge/api/log.ts';

const URL_PATHS = ['url', '*.url'];

export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream) {
  return pino({
    level,
    redact: {
      paths: [
        'req.headers.authorization', 'headers.authorization', 'req.headers.cookie', 'headers.cookie',
        'password', '*.password', 'token', '*.token', 'siteKey', '*.passwordHash', ...URL_PATHS,
      ],
      censor: (value: unknown, path: string[]) =>
        (path[path.length - 1] === 'url' ? (typeof value === 'string' ? redactUrl(value) : value) : REDACTED),
    },
  }, destination);
}
export type Logger = ReturnType<typeof createLogger>;
