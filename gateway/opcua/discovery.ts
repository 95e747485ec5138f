// Before each connection, the link asks the server what it offers (GetEndpoints, allowed on an
// unsecured channel by every OPC UA server): it learns at once whether the server is there, whether
// it offers the security the site file asks for, and which certificate it will present, so that
// trust is decided by the link with the certificate in hand, and a refusal can name the file and
// the fingerprint. One short connection, no retries: the link's own loop retries with backoff.
import type { EndpointDescription, OPCUACertificateManager } from 'node-opcua';
import type { OpcuaMonitorConfig } from '../../edge/site/opcua.ts';
import type { OpcuaLib } from './library.ts';

export class Unreachable extends Error {}
export class NoSuchEndpoint extends Error {}

export async function discover(ua: OpcuaLib, endpoint: string, manager: OPCUACertificateManager): Promise<EndpointDescription[]> {
  const client = ua.OPCUAClient.create({
    applicationName: 'custody-gateway', endpointMustExist: false, clientCertificateManager: manager,
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 100 },
  });
  try {
    await client.connect(endpoint);
  } catch (e) {
    await client.disconnect().catch(() => undefined);
    throw new Unreachable(`cannot reach ${endpoint}: ${firstLine(e)}`);
  }
  try {
    return await client.getEndpoints();
  } catch (e) {
    throw new Unreachable(`${endpoint} did not list its endpoints: ${firstLine(e)}`);
  } finally {
    await client.disconnect().catch(() => undefined);
  }
}

/** The endpoint of the wanted mode and policy, or why there is none (with what the server does offer). */
export function pickEndpoint(ua: OpcuaLib, endpoints: readonly EndpointDescription[], cfg: Pick<OpcuaMonitorConfig, 'securityMode' | 'securityPolicy'>): EndpointDescription {
  const mode = ua.MessageSecurityMode[cfg.securityMode];
  const policy: string = ua.SecurityPolicy[cfg.securityPolicy];
  const found = endpoints.find((e) => e.securityMode === mode && e.securityPolicyUri === policy);
  if (found) return found;
  const offered = endpoints.map((e) => `${ua.MessageSecurityMode[e.securityMode]}/${(e.securityPolicyUri ?? '').split('#')[1] ?? e.securityPolicyUri}`);
  throw new NoSuchEndpoint(`the server offers no ${cfg.securityMode}/${cfg.securityPolicy} endpoint (it offers ${[...new Set(offered)].join(', ') || 'none'})`);
}

export function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0]!.trim().slice(0, 300);
}
