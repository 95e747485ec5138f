// The edge's view of a logger: the three levels it writes at. The gateway passes its pino logger;
// a Custody opened without one (a test, `npm run verify`) writes its warnings and errors as JSON
// lines to stderr, so that a fault is never silent for want of a logger; `info` is dropped there.
export interface EdgeLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const line = (level: string) => (obj: object, msg: string) => {
  const o = obj as { err?: unknown };
  const err = o.err instanceof Error ? { err: { message: o.err.message, stack: o.err.stack } } : {};
  process.stderr.write(`${JSON.stringify({ level, time: Date.now(), ...obj, ...err, msg })}\n`);
};

export const stderrLog: EdgeLog = { info: () => {}, warn: line('warn'), error: line('error') };
