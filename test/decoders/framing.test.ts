// Framing, whatever the vendor: how a payload is cut into event objects, and what a broken one
// costs. Run through the Zebra tag decoder, whose events are the simplest to write by hand.
import { describe, expect, it } from 'vitest';
import { decodeZebraTags } from '../../gateway/decoders/zebra.ts';
import { ctx, json, read, zebraEvent } from './fixtures.ts';

const ev = (antenna: number) => json(zebraEvent(read({ antenna })));
const decode = (payload: string) => decodeZebraTags(payload, ctx);
const antennas = (payload: string) => decode(payload).tags.map((t) => t.antenna);
const reasons = (payload: string) => decode(payload).rejected.map((r) => r.reason);

describe('payload framing', () => {
  it('ignores a UTF-8 byte order mark', () => {
    expect(antennas(`\uFEFF${ev(1)}`)).toEqual([1]);
    expect(decodeZebraTags(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ev(1))]), ctx).tags).toHaveLength(1);
  });

  it('tolerates commas between glued objects', () => {
    expect(antennas(`${ev(1)},${ev(2)}, ${ev(3)}`)).toEqual([1, 2, 3]);
  });

  it('keeps the complete events of a batch array that was cut off, and reports the cut once', () => {
    const whole = `[${ev(1)},${ev(2)},${ev(3)}]`;
    const cutInThird = whole.slice(0, whole.length - 20);
    expect(antennas(cutInThird)).toEqual([1, 2]);
    expect(reasons(cutInThird)).toEqual(['truncated_json']);
    const cutBeforeClose = whole.slice(0, -1);
    expect(antennas(cutBeforeClose)).toEqual([1, 2, 3]);
    expect(reasons(cutBeforeClose)).toEqual(['truncated_json']);
  });

  it('reports a malformed object between good ones as one rejection', () => {
    const res = decode(`${ev(1)}{"type":"SIMPLE","data":{"antenna":tru}}${ev(3)}`);
    expect(res.tags.map((t) => t.antenna)).toEqual([1, 3]);
    expect(res.rejected.map((r) => r.reason)).toEqual(['not_json']);
  });

  it('reports text between events as not JSON and carries on', () => {
    const res = decode(`${ev(1)} garbage here ${ev(2)}`);
    expect(res.tags.map((t) => t.antenna)).toEqual([1, 2]);
    expect(res.rejected.map((r) => r.reason)).toEqual(['not_json']);
  });

  it('reports a stray scalar line in a stream as not an object', () => {
    expect(reasons(`${ev(1)}\n42\n${ev(2)}`)).toEqual(['not_object']);
  });

  it('numbers events across the payload in rejection details', () => {
    const bad = json(zebraEvent(read(), { antenna: 0 }));
    const res = decode(`[${ev(1)},${ev(2)}]${bad}`);
    expect(res.rejected).toEqual([{ reason: 'bad_antenna', detail: expect.stringMatching(/^event 3: /) }]);
  });

  it('does not echo long values into rejection details', () => {
    const res = decode(json(zebraEvent(read(), { idHex: 'Z'.repeat(10_000) })));
    expect(res.rejected[0]?.reason).toBe('bad_epc');
    expect(res.rejected[0]!.detail.length).toBeLessThan(250);
  });

  it('stays fast on a payload of many unterminated lines', () => {
    const hostile = '{"a":\n'.repeat(10_000);
    const started = performance.now();
    const res = decode(hostile);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(res.tags).toEqual([]);
    expect(res.rejected.length).toBeGreaterThan(0);
    expect(res.rejected.length).toBeLessThan(100);
  });

  it('survives deep nesting', () => {
    for (const deep of ['['.repeat(30_000), `${'['.repeat(30_000)}${']'.repeat(30_000)}`, `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`]) {
      expect(() => decode(deep)).not.toThrow();
      expect(decode(deep).tags).toEqual([]);
    }
  });
});
