import { describe, expect, it } from 'vitest';
import { MqttFrameGuard } from '../../gateway/mqtt/frame-guard.ts';

// A QoS 0 PUBLISH to topic "t" with `bytes` of payload, encoded by hand (MQTT 3.1.1 §2.2, §3.3).
function publish(bytes: number): Buffer {
  let remaining = 2 + 1 + bytes;
  const length: number[] = [];
  do {
    let b = remaining % 128;
    remaining = Math.floor(remaining / 128);
    if (remaining > 0) b |= 0x80;
    length.push(b);
  } while (remaining > 0);
  return Buffer.concat([Buffer.from([0x30, ...length, 0x00, 0x01, 0x74]), Buffer.alloc(bytes)]);
}
const PINGREQ = Buffer.from([0xc0, 0x00]);

describe('MqttFrameGuard', () => {
  it('lets packets under the limit through, whole or split anywhere', () => {
    const stream = Buffer.concat([publish(10), publish(200), publish(127), publish(16_000), PINGREQ]);
    for (const size of [1, 2, 3, 7, 64, 1000, stream.length]) {
      const g = new MqttFrameGuard(16_384);
      for (let i = 0; i < stream.length; i += size) expect(g.feed(stream.subarray(i, i + size))).toEqual({ ok: true });
    }
  });

  it('stops at the header of a packet over the limit, before its body arrives', () => {
    const g = new MqttFrameGuard(1024);
    expect(g.feed(publish(100))).toEqual({ ok: true });
    const big = publish(2000);
    const v = g.feed(big.subarray(0, 3)); // type byte and the two length bytes only
    expect(v.ok).toBe(false);
    expect(g.feed(Buffer.from([0]))).toMatchObject({ ok: false });
  });

  it('counts the header in the limit', () => {
    const exact = publish(100);
    expect(new MqttFrameGuard(exact.length).feed(exact)).toEqual({ ok: true });
    expect(new MqttFrameGuard(exact.length - 1).feed(exact).ok).toBe(false);
  });

  it('refuses a remaining length longer than four bytes', () => {
    const g = new MqttFrameGuard(Number.MAX_SAFE_INTEGER);
    expect(g.feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])).ok).toBe(false);
  });

  it('refuses a 256 MiB announcement without having seen a payload', () => {
    const g = new MqttFrameGuard(256 * 1024);
    expect(g.feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f])).ok).toBe(false);
  });
});
