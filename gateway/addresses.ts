// Socket addresses as people and clients use them. A server bound to 0.0.0.0 or :: listens on every
// interface; a client on this machine reaches it through loopback.
import { isIP } from 'node:net';

export const isWildcard = (host: string) => host === '0.0.0.0' || host === '::';

/** True for 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
export const isLoopback = (host: string) =>
  host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::ffff:127.0.0.1';

/** The host a client on this machine connects to for a server bound to `host`. */
export const connectHost = (host: string) => (host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host);

/** host:port, with IPv6 literals in brackets (as in a URL). */
export const hostPort = (host: string, port: number) => `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
