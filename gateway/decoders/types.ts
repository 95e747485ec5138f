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
}

export interface HeartbeatEvent {
  type: 'heartbeat';
  deviceId: string;
  receivedAt: number;
  /** Whatever the reader sent, kept opaque: no heartbeat schema is public. */
  body: unknown;
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
