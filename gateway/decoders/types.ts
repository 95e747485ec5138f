// What a reader's management topic carries besides tags: GPI edges (photo-eyes), liveness,
// and command responses. Gateway-internal: the edge only ever sees observations.
export interface GpiEvent {
  type: 'gpi';
  deviceId: string;
  pin: number;
  /** LOW = beam broken (Zebra's convention). */
  state: 'high' | 'low';
  deviceTime: number;
  receivedAt: number;
  /** On the gateway's clock: the device time mapped by the device's offset, or the receive time when the device said no time. */
  gatewayTime?: number;
}

export interface HeartbeatEvent {
  type: 'heartbeat';
  deviceId: string;
  receivedAt: number;
  /** Whatever the reader sent, kept opaque: no heartbeat schema is public. */
  body: unknown;
  /** The heartbeat's own time stamp when it has a readable one: a sample of the reader's clock. */
  deviceTime?: number;
}

export interface CommandResponse {
  type: 'response';
  deviceId: string;
  command: string;
  commandId: string;
  ok: boolean;
  error?: string;
  receivedAt: number;
}

export type ManagementEvent = GpiEvent | HeartbeatEvent | CommandResponse;
