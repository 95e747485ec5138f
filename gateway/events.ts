// What the gateway's own parts tell each other, on the same kind of typed bus as the edge's
// (edge/bus.ts): listeners keyed by owner, a failure logged with its owner.
import { Bus } from '../edge/bus.ts';

export interface GatewayEvents {
  /** A reader answered a command (Zebra's responses topic). */
  deviceResponse: { deviceId: string; command: string; commandId: string; ok: boolean; error?: string };
  /** A device came (back) online: tell it again what its gate's outputs should show. */
  deviceOnline: { deviceId: string };
}

export class GatewayBus extends Bus<GatewayEvents> {}
