// One pino logger for the process. Secrets never reach it: tokens and passwords are redacted
// wherever a careless log call might carry them.
import pino from 'pino';

export function createLogger(level = process.env.LOG_LEVEL ?? 'info') {
  return pino({
    level,
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', 'password', '*.password', 'token', '*.token', 'siteKey', '*.passwordHash'],
      censor: '[redacted]',
    },
  });
}
export type Logger = ReturnType<typeof createLogger>;
