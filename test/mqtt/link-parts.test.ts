import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { backoffDelay, looksLikeWill } from '../../gateway/mqtt/external.ts';
import { LinkCounters, RefusalLog, TokenBucket, clientIdAllowed, printable } from '../../gateway/mqtt/link.ts';

describe('TokenBucket', () => {
  it('allows the burst, then the refill rate', () => {
    let t = 0;
    const b = new TokenBucket({ perSecond: 10, burst: 5 }, () => t);
    expect(Array.from({ length: 8 }, () => b.take()).filter(Boolean)).toHaveLength(5);
    t = 100; // one token refilled
    expect(b.take()).toBe(true);
    expect(b.take()).toBe(false);
    t = 10_000; // never more than the burst
    expect(Array.from({ length: 20 }, () => b.take()).filter(Boolean)).toHaveLength(5);
  });
});

describe('LinkCounters', () => {
  it('counts by reason and by known device only', () => {
    const c = new LinkCounters(['a']);
    c.accept('a');
    c.accept('ghost');
    c.refuse('rate_limited', 'a');
    c.refuse('unknown_device', 'ghost');
    c.refuse('unknown_device');
    const s = c.snapshot();
    expect(s.refusals.rate_limited).toBe(1);
    expect(s.refusals.unknown_device).toBe(2);
    expect(s.refusals.bad_password).toBe(0);
    expect(Object.keys(s.perDevice)).toEqual(['a']);
    expect(s.perDevice.a.accepted).toBe(1);
    expect(s.perDevice.a.refused).toEqual({
      bad_password: 0, unknown_device: 0, bad_client_id: 0, foreign_topic_publish: 0, foreign_topic_subscribe: 0, payload_too_large: 0, rate_limited: 1,
    });
    s.perDevice.a.accepted = 99; // a snapshot, not a view
    expect(c.snapshot().perDevice.a.accepted).toBe(1);
  });
});

describe('RefusalLog', () => {
  it('logs the first refusal, then at most one line per interval with the suppressed count', () => {
    const lines: string[] = [];
    let t = 0;
    const log = new RefusalLog(pino({}, { write: (s: string) => void lines.push(s) }), () => t, 1000);
    for (let i = 0; i < 500; i++) log.refused('rate_limited', { deviceId: 'a' });
    expect(lines).toHaveLength(1);
    t = 1500;
    log.refused('rate_limited', { deviceId: 'a' });
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1])).toMatchObject({ reason: 'rate_limited', deviceId: 'a', suppressed: 499 });
  });

  it('keeps attacker-chosen strings short and printable', () => {
    expect(printable('a\nb\u0000c')).toBe('a?b?c');
    expect(printable('x'.repeat(500))).toHaveLength(81);
  });
});

describe('client ids', () => {
  it.each([
    ['r1', true], ['r1-data', true], ['r1-a-b', true], ['r1-', false], ['r10', false], ['r', false], ['x-r1', false], ['', false],
    [`r1-${'x'.repeat(200)}`, false],
  ])('%j for device r1: %s', (id, ok) => expect(clientIdAllowed(id, 'r1')).toBe(ok));
});

describe('external link helpers', () => {
  it('backs off exponentially with jitter, capped', () => {
    const b = { initialMs: 100, maxMs: 5_000 };
    expect(backoffDelay(0, b, () => 0)).toBe(50);
    expect(backoffDelay(0, b, () => 1)).toBe(100);
    expect(backoffDelay(3, b, () => 1)).toBe(800);
    expect(backoffDelay(50, b, () => 1)).toBe(5_000);
    expect(backoffDelay(50, b, () => 0)).toBe(2_500);
  });

  it.each([
    ['{"type":"will"}', true], ['{"status":"offline"}', true], ['{"event":"LWT"}', true], ['{"will":true}', true],
    ['offline', true], ['"disconnected"', true],
    ['{"type":"heartbeat"}', false], ['{"type":"GPI","pin":1,"state":"LOW"}', false], ['[]', false], ['not json', false],
  ])('%s looks like a will: %s', (p, ok) => {
    expect(looksLikeWill('managementEvents', Buffer.from(p))).toBe(ok);
    expect(looksLikeWill('tagEvents', Buffer.from(p))).toBe(false);
  });
});
