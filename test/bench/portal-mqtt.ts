// The MQTT side of the portal benchmark: a small MQTT 3.1.1 client over a raw socket (CONNECT,
// PUBLISH at QoS 0 or 1 with a window of unacknowledged messages, SUBSCRIBE, PUBACK), lighter than
// mqtt.js so that the client is not what limits a bare aedes broker; and the tag reads it sends:
// Zebra IoT Connector SIMPLE tag events as firmware-sim/portal/formats.ts writes them, one read per
// message, about 200 bytes.
import net from 'node:net';
import { zebraTagEvent, zebraTimestamp } from '../../firmware-sim/portal/formats.ts';

// ---- packets ----

function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

function packet(first: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([first, ...varint(body.length)]), body]);
}

export function connectPacket(clientId: string, username?: string, password?: string): Buffer {
  let flags = 0x02; // clean session
  if (username !== undefined) flags |= 0x80;
  if (password !== undefined) flags |= 0x40;
  const parts = [str('MQTT'), Buffer.from([4, flags, 0, 0]), str(clientId)]; // keep-alive 0: no pings needed
  if (username !== undefined) parts.push(str(username));
  if (password !== undefined) parts.push(str(password));
  return packet(0x10, Buffer.concat(parts));
}

/** Writes one PUBLISH into `out` at `at`; returns the offset after it. */
export function writePublish(out: Buffer, at: number, topic: Buffer, payload: string, qos: 0 | 1, packetId: number): number {
  const payloadLen = Buffer.byteLength(payload, 'latin1');
  const rl = 2 + topic.length + (qos ? 2 : 0) + payloadLen;
  out[at++] = 0x30 | (qos << 1);
  for (const b of varint(rl)) out[at++] = b;
  out.writeUInt16BE(topic.length, at);
  at += 2;
  topic.copy(out, at);
  at += topic.length;
  if (qos) {
    out.writeUInt16BE(packetId, at);
    at += 2;
  }
  at += out.write(payload, at, 'latin1');
  return at;
}

/** Splits a byte stream into MQTT packets: (first byte, body). */
export class PacketReader {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly onPacket: (first: number, body: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let at = 0;
    for (;;) {
      if (buf.length - at < 2) break;
      let rl = 0;
      let mult = 1;
      let i = at + 1;
      let complete = false;
      for (; i < buf.length && i < at + 5; i++) {
        rl += (buf[i] & 0x7f) * mult;
        mult *= 128;
        if (!(buf[i] & 0x80)) { complete = true; i++; break; }
      }
      if (!complete || buf.length - i < rl) break;
      this.onPacket(buf[at], buf.subarray(i, i + rl));
      at = i + rl;
    }
    buf = buf.subarray(at);
    this.buf = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
  }
}

export interface RawClient {
  socket: net.Socket;
  reader: PacketReader;
}

/** Connects and waits for CONNACK; `onPacket` then sees every later packet. */
export function rawConnect(o: { port: number; host?: string; clientId: string; username?: string; password?: string },
  onPacket: (first: number, body: Buffer) => void): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(o.port, o.host ?? '127.0.0.1');
    socket.setNoDelay(true);
    let connected = false;
    const reader = new PacketReader((first, body) => {
      if (!connected) {
        if (first >> 4 !== 2) return reject(new Error(`expected CONNACK, got packet type ${first >> 4}`));
        if (body[1] !== 0) return reject(new Error(`CONNACK return code ${body[1]} for ${o.clientId}`));
        connected = true;
        resolve({ socket, reader });
        return;
      }
      onPacket(first, body);
    });
    socket.on('data', (c: Buffer) => reader.push(c));
    socket.on('error', (e) => { if (!connected) reject(e); });
    socket.on('close', () => { if (!connected) reject(new Error(`${o.clientId}: connection closed before CONNACK`)); });
    socket.write(connectPacket(o.clientId, o.username, o.password));
  });
}

// ---- tag reads ----

export const BENCH_MAC = '84:24:8D:F0:0B:E1';

/** An EPC (24 hex digits) no item, badge or demo tag uses: E2B0 then the index. */
export const benchEpc = (i: number) => `E2B0${i.toString(16).toUpperCase().padStart(20, '0')}`;

/**
 * The JSON of zebraTagEvent({idHex, antenna, rssi, t}, {mac, eventNum}) written directly (same keys,
 * same order; checked against zebraTagEvent by checkTemplate()), so that the publisher spends its
 * time on sockets, not on building objects.
 */
export function zebraTagJson(ts: string, antenna: number, eventNum: number, idHex: string, rssi: number): string {
  return `{"type":"SIMPLE","timestamp":"${ts}","data":{"MAC":"${BENCH_MAC}","antenna":${antenna},"eventNum":${eventNum},` +
    `"format":"epc","idHex":"${idHex}","reads":1,"peakRssi":${rssi}}}`;
}

export function checkTemplate(): number {
  const t = Date.UTC(2025, 0, 1, 12, 0, 0, 123);
  const mine = zebraTagJson(zebraTimestamp(t), 3, 4711, benchEpc(42), -52);
  const real = JSON.stringify(zebraTagEvent({ idHex: benchEpc(42), antenna: 3, rssi: -52, t }, { mac: BENCH_MAC, eventNum: 4711 }));
  if (mine !== real) throw new Error(`the payload template differs from firmware-sim's zebraTagEvent:\n${mine}\n${real}`);
  return Buffer.byteLength(real);
}

/**
 * The reads of the throughput run, by time: `groups` groups of `perGroup` tags; each group is in
 * the gate for `passMs` (its tags read in turn, on the outer antennas [1, 2] first with a falling
 * RSSI and the inner ones [3, 4] rising: an `in` crossing), then the next group. A tag comes back
 * after groups × passMs, long after its track closed (closeAfterMs), so that tracks keep opening
 * and closing and every pass is a crossing for the decider.
 */
export class ReadSchedule {
  private eventNum = 0;
  private lastMs = -1;
  private ts = '';
  constructor(readonly groups: number, readonly perGroup: number, readonly passMs: number, readonly epcOffset = 0) {}

  get tags(): number { return this.groups * this.perGroup; }

  next(now: number): string {
    const ms = Math.floor(now);
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.ts = zebraTimestamp(ms);
    }
    const k = this.eventNum++;
    const pass = Math.floor(ms / this.passMs);
    const group = pass % this.groups;
    const tag = group * this.perGroup + (k % this.perGroup);
    const phase = (ms - pass * this.passMs) / this.passMs; // 0..1 through the pass
    const antenna = 1 + ((k >> 3) % 4); // 1, 2 outer; 3, 4 inner
    const outer = antenna <= 2;
    const rssi = Math.round(outer ? -42 - 25 * phase : -67 + 25 * phase);
    return zebraTagJson(this.ts, antenna, k, benchEpc(this.epcOffset + tag), rssi);
  }
}
