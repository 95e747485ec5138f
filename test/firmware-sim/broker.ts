/** An embedded aedes broker on an ephemeral port, with device authentication, for the firmware-sim tests. */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes, type AuthenticateError } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';

export interface TestBroker {
  url: string;
  broker: Aedes;
  /** client id → username of every accepted connection. */
  connections: { clientId: string; username: string | undefined; protocolVersion: number | undefined }[];
  close(): Promise<void>;
}

/** `credentials`: username → password; a listed username with a wrong password is refused (return code 4). */
export async function startBroker(credentials: Record<string, string> = {}): Promise<TestBroker> {
  const connections: TestBroker['connections'] = [];
  const broker = await Aedes.createBroker({
    preConnect: (client, packet, done) => {
      connections.push({ clientId: packet.clientId, username: packet.username, protocolVersion: packet.protocolVersion });
      done(null, true);
    },
    authenticate: (_client, username, password, done) => {
      if (username !== undefined && username in credentials && credentials[username] !== password?.toString()) {
        const err = new Error('bad username or password') as AuthenticateError;
        err.returnCode = 4;
        done(err, false);
        return;
      }
      done(null, true);
    },
  });
  const server = net.createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    broker,
    connections,
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Received {
  topic: string;
  text: string;
}

/** A plain MQTT client that records everything on `topics`. */
export async function listen(url: string, topics: string[]): Promise<{ client: MqttClient; messages: Received[]; end(): Promise<void> }> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: `test-listener-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0 });
  const messages: Received[] = [];
  client.on('message', (topic, payload) => messages.push({ topic, text: payload.toString('utf8') }));
  await client.subscribeAsync(topics, { qos: 1 });
  return { client, messages, end: () => client.endAsync() };
}

/** Polls until `pred` holds, or fails after `timeoutMs`. */
export async function until(pred: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
