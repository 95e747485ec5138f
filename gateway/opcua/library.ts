// node-opcua, loaded once and only by a site that has an OPC UA monitor: importing it takes seconds
// (and prints its PKCS#1 v1.5 warning on Node 20 before anything can catch it, harmless). Its own
// warnings and errors go to console.log by default, into the middle of the gateway's JSON log on
// stdout: they are routed into pino here instead, as debug (warnings: chatty, and the link reports
// what matters itself) and warn (errors), with every password the links hold blanked out.
import { format } from 'node:util';
import type { Logger } from '../log.ts';

export type OpcuaLib = typeof import('node-opcua');

let loading: Promise<OpcuaLib> | null = null;
let sink: Logger | null = null;
const secrets = new Set<string>();

/** node-opcua, with its log routed to the last logger given here. */
export function loadOpcua(logger: Logger): Promise<OpcuaLib> {
  sink = logger;
  loading ??= import('node-opcua').then((ua) => {
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
    return ua;
  });
  return loading;
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
