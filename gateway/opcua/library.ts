// node-opcua, loaded once and only by a site that has an OPC UA monitor: importing it takes seconds.
// Its warnings and errors go to console.log by default, into the middle of the gateway's JSON log
// on stdout: they are routed into pino here instead, as debug (warnings: chatty, and the link
// reports what matters itself) and warn (errors), with every password the links hold blanked out.
// Its warning at import (Node 20 refuses RSA PKCS#1 v1.5 since CVE-2023-46809; harmless, as the
// site file allows no policy that needs it) comes before any logger can be set: its log level is
// held at errors during the import, then set back for the routed loggers.
import { format } from 'node:util';
import type { Logger } from '../log.ts';

export type OpcuaLib = typeof import('node-opcua');

let loading: Promise<OpcuaLib> | null = null;
let sink: Logger | null = null;
const secrets = new Set<string>();

/** node-opcua, with its log routed to the last logger given here. */
export function loadOpcua(logger: Logger): Promise<OpcuaLib> {
  sink = logger;
  loading ??= importQuietly().then((ua) => {
    // node-opcua calls its loggers with the caller's place ({ filename, callerline }) first.
    const route = (level: 'debug' | 'warn') => (data?: unknown, ...args: unknown[]) => {
      try {
        const context = (data ?? {}) as { filename?: string; callerline?: number };
        sink?.[level]({ lib: 'node-opcua', at: context.filename ? `${context.filename}:${context.callerline ?? ''}` : undefined }, scrub(format(...args)).slice(0, 2000));
      } catch {
        // A log line that cannot be written is not worth a crash.
      }
    };
    ua.setWarningLogger(route('debug'));
    ua.setErrorLogger(route('warn'));
    // The level an operator set with NODEOPCUA_LOG_LEVEL stays; else warnings and errors reach the routes.
    if (process.env.NODEOPCUA_LOG_LEVEL === undefined) ua.setLogLevel(ua.LogLevel.Warning);
    return ua;
  });
  return loading;
}

/** node-opcua reads NODEOPCUA_LOG_LEVEL once, when its logging module loads (3: errors only). */
async function importQuietly(): Promise<OpcuaLib> {
  if (process.env.NODEOPCUA_LOG_LEVEL !== undefined) return import('node-opcua');
  process.env.NODEOPCUA_LOG_LEVEL = '3';
  try {
    return await import('node-opcua');
  } finally {
    delete process.env.NODEOPCUA_LOG_LEVEL;
  }
}

/** A password a link holds: never written by the library's log, whatever it prints. */
export function holdSecret(s: string): () => void {
  if (s.length < 3) return () => undefined; // too short to blank without blanking everything; a real password is longer
  secrets.add(s);
  return () => { secrets.delete(s); };
}

function scrub(line: string): string {
  let out = line;
  for (const s of secrets) out = out.split(s).join('[redacted]');
  return out;
}
